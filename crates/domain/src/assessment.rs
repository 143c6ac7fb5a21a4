//! 两不愁三保障: no worry about food or clothing; compulsory education, basic medical care and
//! safe housing guaranteed; safe drinking water checked with them. Items that follow from member
//! data are derived from it, not typed in.

use chrono::{Datelike, NaiveDate};

use crate::member::{Disability, Health, SchoolingStatus};

term_enum! {
    /// House safety grade 房屋安全等级: `a` and `b` are safe, `c` and `d` (危房) are not.
    HouseGrade {
        A = "a" / "A级",
        B = "b" / "B级",
        C = "c" / "C级（局部危房）",
        D = "d" / "D级（整体危房）",
    }
}

impl HouseGrade {
    pub fn is_safe(self) -> bool {
        matches!(self, HouseGrade::A | HouseGrade::B)
    }
}

term_enum! {
    /// An item of 两不愁三保障: `food` 不愁吃, `clothing` 不愁穿, `compulsory_education`
    /// 义务教育有保障, `basic_medical` 基本医疗有保障, `housing_safety` 住房安全有保障,
    /// `drinking_water` 饮水安全有保障.
    AssessmentItem {
        Food = "food" / "不愁吃",
        Clothing = "clothing" / "不愁穿",
        CompulsoryEducation = "compulsory_education" / "义务教育有保障",
        BasicMedical = "basic_medical" / "基本医疗有保障",
        HousingSafety = "housing_safety" / "住房安全有保障",
        DrinkingWater = "drinking_water" / "饮水安全有保障",
    }
}

/// What the derived items need to know of a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFacts {
    pub id: String,
    pub name: String,
    pub birth_date: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub schooling: SchoolingStatus,
    pub disability: Disability,
    pub health: Health,
    pub basic_medical_insurance: bool,
    pub critical_illness_insurance: bool,
}

impl MemberFacts {
    /// In the household on `date`: born by then and not yet left.
    pub fn present_on(&self, date: NaiveDate) -> bool {
        self.birth_date <= date && self.left_on.is_none_or(|left| left > date)
    }
}

/// Age in whole years on `date`.
pub fn age_on(birth: NaiveDate, date: NaiveDate) -> i32 {
    let mut age = date.year() - birth.year();
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Compulsory-education age (6 to 15 years).
pub const SCHOOL_AGE: std::ops::RangeInclusive<i32> = 6..=15;

/// Children of compulsory-education age who are not in school. A severe disability (grade 1 or
/// 2) exempts a child: they are served by home teaching (送教上门), which the registry does not
/// record separately.
pub fn out_of_school_children(members: &[MemberFacts], date: NaiveDate) -> Vec<&MemberFacts> {
    members
        .iter()
        .filter(|m| m.present_on(date) && SCHOOL_AGE.contains(&age_on(m.birth_date, date)))
        .filter(|m| {
            matches!(
                m.schooling,
                SchoolingStatus::NotInSchool | SchoolingStatus::DroppedOut
            )
        })
        .filter(|m| !matches!(m.disability, Disability::Grade1 | Disability::Grade2))
        .collect()
}

/// Members without basic medical insurance.
pub fn uninsured_members(members: &[MemberFacts], date: NaiveDate) -> Vec<&MemberFacts> {
    members
        .iter()
        .filter(|m| m.present_on(date) && !m.basic_medical_insurance)
        .collect()
}

/// Members with a serious illness and no critical-illness insurance to cover its treatment.
pub fn seriously_ill_without_cover(members: &[MemberFacts], date: NaiveDate) -> Vec<&MemberFacts> {
    members
        .iter()
        .filter(|m| {
            m.present_on(date)
                && m.health == Health::SeriousIllness
                && !m.critical_illness_insurance
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn child(birth: NaiveDate, schooling: SchoolingStatus, disability: Disability) -> MemberFacts {
        MemberFacts {
            id: "c".into(),
            name: "child".into(),
            birth_date: birth,
            left_on: None,
            schooling,
            disability,
            health: Health::Healthy,
            basic_medical_insurance: true,
            critical_illness_insurance: true,
        }
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(d(2010, 6, 1), d(2016, 5, 31)), 5);
        assert_eq!(age_on(d(2010, 6, 1), d(2016, 6, 1)), 6);
    }

    #[test]
    fn school_age_children_out_of_school_fail_unless_exempt() {
        let on = d(2019, 9, 1);
        let dropout = child(d(2008, 1, 1), SchoolingStatus::DroppedOut, Disability::None);
        let pupil = child(
            d(2008, 1, 1),
            SchoolingStatus::JuniorSecondary,
            Disability::None,
        );
        let exempt = child(
            d(2008, 1, 1),
            SchoolingStatus::NotInSchool,
            Disability::Grade1,
        );
        let too_young = child(
            d(2014, 1, 1),
            SchoolingStatus::NotInSchool,
            Disability::None,
        );
        let adult = child(d(2000, 1, 1), SchoolingStatus::DroppedOut, Disability::None);
        let members = [dropout.clone(), pupil, exempt, too_young, adult];
        assert_eq!(out_of_school_children(&members, on), vec![&dropout]);
    }

    #[test]
    fn medical_items_follow_insurance_and_illness() {
        let on = d(2019, 9, 1);
        let mut uninsured = child(
            d(1970, 1, 1),
            SchoolingStatus::NotInSchool,
            Disability::None,
        );
        uninsured.basic_medical_insurance = false;
        let mut ill = child(
            d(1960, 1, 1),
            SchoolingStatus::NotInSchool,
            Disability::None,
        );
        ill.health = Health::SeriousIllness;
        ill.critical_illness_insurance = false;
        let mut left = uninsured.clone();
        left.left_on = Some(d(2019, 1, 1));
        let members = [uninsured.clone(), ill.clone(), left];
        assert_eq!(uninsured_members(&members, on), vec![&uninsured]);
        assert_eq!(seriously_ill_without_cover(&members, on), vec![&ill]);
        assert!(HouseGrade::B.is_safe() && !HouseGrade::C.is_safe());
    }
}
