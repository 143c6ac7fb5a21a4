//! Members of a registered household (家庭成员) and the terms that describe them.

use chrono::NaiveDate;

term_enum! {
    /// Sex 性别: `male` 男, `female` 女.
    Sex {
        Male = "male" / "男",
        Female = "female" / "女",
    }
}

term_enum! {
    /// Relation to the head of household 与户主关系: `head` 户主, `spouse` 配偶, `son` 之子,
    /// `daughter` 之女, `son_in_law` 之女婿, `daughter_in_law` 之儿媳, `grandson` 之孙子,
    /// `granddaughter` 之孙女, `father` 之父, `mother` 之母, `sibling` 兄弟姐妹, `other` 其他.
    Relation {
        Head = "head" / "户主",
        Spouse = "spouse" / "配偶",
        Son = "son" / "之子",
        Daughter = "daughter" / "之女",
        SonInLaw = "son_in_law" / "之女婿",
        DaughterInLaw = "daughter_in_law" / "之儿媳",
        Grandson = "grandson" / "之孙子",
        Granddaughter = "granddaughter" / "之孙女",
        Father = "father" / "之父",
        Mother = "mother" / "之母",
        Sibling = "sibling" / "兄弟姐妹",
        Other = "other" / "其他",
    }
}

term_enum! {
    /// Education 文化程度: `preschool` 学龄前儿童, `illiterate` 文盲或半文盲, `primary` 小学,
    /// `junior_secondary` 初中, `senior_secondary` 高中, `vocational` 中专/职高,
    /// `college` 大专及以上.
    Education {
        Preschool = "preschool" / "学龄前儿童",
        Illiterate = "illiterate" / "文盲或半文盲",
        Primary = "primary" / "小学",
        JuniorSecondary = "junior_secondary" / "初中",
        SeniorSecondary = "senior_secondary" / "高中",
        Vocational = "vocational" / "中专/职高",
        College = "college" / "大专及以上",
    }
}

term_enum! {
    /// Schooling status 在校生状况: `not_in_school` 非在校生, `preschool` 学前教育,
    /// `primary` 小学, `junior_secondary` 初中, `senior_secondary` 高中,
    /// `secondary_vocational` 中职, `higher_vocational` 高职/大专, `undergraduate` 本科及以上,
    /// `dropped_out` 辍学.
    SchoolingStatus {
        NotInSchool = "not_in_school" / "非在校生",
        Preschool = "preschool" / "学前教育",
        Primary = "primary" / "小学",
        JuniorSecondary = "junior_secondary" / "初中",
        SeniorSecondary = "senior_secondary" / "高中",
        SecondaryVocational = "secondary_vocational" / "中职",
        HigherVocational = "higher_vocational" / "高职/大专",
        Undergraduate = "undergraduate" / "本科及以上",
        DroppedOut = "dropped_out" / "辍学",
    }
}

term_enum! {
    /// Health 健康状况: `healthy` 健康, `chronic_illness` 长期慢性病, `serious_illness` 患有大病,
    /// `disabled` 残疾.
    Health {
        Healthy = "healthy" / "健康",
        ChronicIllness = "chronic_illness" / "长期慢性病",
        SeriousIllness = "serious_illness" / "患有大病",
        Disabled = "disabled" / "残疾",
    }
}

term_enum! {
    /// Disability 残疾等级: `none` 无, `grade_1` 一级 (most severe) to `grade_4` 四级.
    Disability {
        None = "none" / "无",
        Grade1 = "grade_1" / "一级",
        Grade2 = "grade_2" / "二级",
        Grade3 = "grade_3" / "三级",
        Grade4 = "grade_4" / "四级",
    }
}

term_enum! {
    /// Labour ability 劳动能力: `skilled` 技能劳动力, `ordinary` 普通劳动力,
    /// `weak` 弱劳动力或半劳动力, `lost` 丧失劳动力, `none` 无劳动力 (children, elderly).
    LabourAbility {
        Skilled = "skilled" / "技能劳动力",
        Ordinary = "ordinary" / "普通劳动力",
        Weak = "weak" / "弱劳动力或半劳动力",
        Lost = "lost" / "丧失劳动力",
        None = "none" / "无劳动力",
    }
}

term_enum! {
    /// Employment 务工就业状况: `local_work` 县内务工, `migrant_work` 县外务工,
    /// `public_welfare_post` 公益岗位, `self_employed` 自主创业/经营, `farming` 务农,
    /// `unemployed` 未就业, `not_applicable` 不适用 (children, students, elderly).
    Employment {
        LocalWork = "local_work" / "县内务工",
        MigrantWork = "migrant_work" / "县外务工",
        PublicWelfarePost = "public_welfare_post" / "公益岗位",
        SelfEmployed = "self_employed" / "自主创业/经营",
        Farming = "farming" / "务农",
        Unemployed = "unemployed" / "未就业",
        NotApplicable = "not_applicable" / "不适用",
    }
}

term_enum! {
    /// Why a member left the household 减少原因: `death` 死亡, `marriage` 婚嫁, `moved` 迁出,
    /// `other` 其他.
    LeaveReason {
        Death = "death" / "死亡",
        Marriage = "marriage" / "婚嫁",
        Moved = "moved" / "迁出",
        Other = "other" / "其他",
    }
}

/// A rule a member's record breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberRuleError {
    #[error("the household already has a head")]
    SecondHead,
    #[error("the head of household cannot leave; transfer the headship first")]
    HeadCannotLeave,
    #[error("the member already left on {0}")]
    AlreadyLeft(NaiveDate),
    #[error("the leaving date cannot be in the future")]
    LeaveDateInFuture,
    #[error("the leaving date cannot be before the birth date")]
    LeaveDateBeforeBirth,
    #[error("a member who has left cannot be changed")]
    LeftMemberIsReadOnly,
    #[error("the relation `head` is set by transferring the headship")]
    RelationHeadByTransfer,
}

impl crate::Chinese for MemberRuleError {
    fn chinese(&self) -> String {
        match self {
            MemberRuleError::SecondHead => "该户已有户主".to_owned(),
            MemberRuleError::HeadCannotLeave => "户主不能减员，请先变更户主".to_owned(),
            MemberRuleError::AlreadyLeft(on) => format!("该成员已于 {on} 减员"),
            MemberRuleError::LeaveDateInFuture => "减员日期不能晚于今天".to_owned(),
            MemberRuleError::LeaveDateBeforeBirth => "减员日期不能早于出生日期".to_owned(),
            MemberRuleError::LeftMemberIsReadOnly => "已减员的成员不能修改".to_owned(),
            MemberRuleError::RelationHeadByTransfer => format!(
                "与户主关系“{}”只能通过变更户主设置",
                Relation::Head.chinese()
            ),
        }
    }
}

/// Checks that a member may be added with this relation: exactly one head per household.
pub fn check_new_relation(
    relation: Relation,
    household_has_head: bool,
) -> Result<(), MemberRuleError> {
    if relation == Relation::Head && household_has_head {
        return Err(MemberRuleError::SecondHead);
    }
    Ok(())
}

/// Checks that a current member may leave on `left_on`.
pub fn check_leave(
    relation: Relation,
    birth_date: NaiveDate,
    already_left_on: Option<NaiveDate>,
    left_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), MemberRuleError> {
    if let Some(date) = already_left_on {
        return Err(MemberRuleError::AlreadyLeft(date));
    }
    if relation == Relation::Head {
        return Err(MemberRuleError::HeadCannotLeave);
    }
    if left_on > today {
        return Err(MemberRuleError::LeaveDateInFuture);
    }
    if left_on < birth_date {
        return Err(MemberRuleError::LeaveDateBeforeBirth);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn terms_round_trip_through_their_wire_names() {
        for relation in Relation::ALL {
            assert_eq!(Relation::from_str(relation.as_str()), Ok(*relation));
        }
        let err = Sex::from_str("m").unwrap_err();
        assert_eq!(err.expected, "male, female");
        assert_eq!(Employment::PublicWelfarePost.chinese(), "公益岗位");
    }

    #[test]
    fn refusals_say_the_same_in_chinese() {
        use crate::bilingual::tests::assert_bilingual;
        let today = date(2026, 11, 29);
        let left = check_leave(
            Relation::Son,
            date(1990, 1, 1),
            Some(date(2025, 1, 1)),
            today,
            today,
        );
        assert_bilingual(&left.unwrap_err());
        assert_bilingual(&check_new_relation(Relation::Head, true).unwrap_err());
    }

    #[test]
    fn only_one_head() {
        assert_eq!(check_new_relation(Relation::Head, false), Ok(()));
        assert_eq!(
            check_new_relation(Relation::Head, true),
            Err(MemberRuleError::SecondHead)
        );
        assert_eq!(check_new_relation(Relation::Spouse, true), Ok(()));
    }

    #[test]
    fn leaving_rules() {
        let today = date(2026, 11, 29);
        let born = date(1990, 1, 1);
        assert_eq!(
            check_leave(Relation::Son, born, None, date(2026, 1, 1), today),
            Ok(())
        );
        assert_eq!(
            check_leave(Relation::Head, born, None, date(2026, 1, 1), today),
            Err(MemberRuleError::HeadCannotLeave)
        );
        assert_eq!(
            check_leave(
                Relation::Son,
                born,
                Some(date(2025, 1, 1)),
                date(2026, 1, 1),
                today
            ),
            Err(MemberRuleError::AlreadyLeft(date(2025, 1, 1)))
        );
        assert_eq!(
            check_leave(Relation::Son, born, None, date(2026, 12, 1), today),
            Err(MemberRuleError::LeaveDateInFuture)
        );
        assert_eq!(
            check_leave(Relation::Son, born, None, date(1989, 12, 31), today),
            Err(MemberRuleError::LeaveDateBeforeBirth)
        );
    }
}
