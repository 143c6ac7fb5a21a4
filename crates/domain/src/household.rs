//! Registered poor households (建档立卡贫困户) and the terms that describe them.

term_enum! {
    /// Household attribute 贫困户属性: `general` 一般贫困户, `low_income` 低保贫困户,
    /// `destitute_supported` 特困供养贫困户 (formerly 五保).
    Attribute {
        General = "general" / "一般贫困户",
        LowIncome = "low_income" / "低保贫困户",
        DestituteSupported = "destitute_supported" / "特困供养贫困户",
    }
}

term_enum! {
    /// Poverty cause 致贫原因: `illness` 因病, `disability` 因残, `schooling` 因学,
    /// `disaster` 因灾, `lack_of_land` 缺土地, `lack_of_water` 缺水, `lack_of_skills` 缺技术,
    /// `lack_of_labour` 缺劳力, `lack_of_funds` 缺资金, `poor_transport` 交通条件落后,
    /// `lack_of_drive` 自身发展动力不足, `other` 其他.
    PovertyCause {
        Illness = "illness" / "因病",
        Disability = "disability" / "因残",
        Schooling = "schooling" / "因学",
        Disaster = "disaster" / "因灾",
        LackOfLand = "lack_of_land" / "缺土地",
        LackOfWater = "lack_of_water" / "缺水",
        LackOfSkills = "lack_of_skills" / "缺技术",
        LackOfLabour = "lack_of_labour" / "缺劳力",
        LackOfFunds = "lack_of_funds" / "缺资金",
        PoorTransport = "poor_transport" / "交通条件落后",
        LackOfDrive = "lack_of_drive" / "自身发展动力不足",
        Other = "other" / "其他",
    }
}

term_enum! {
    /// Poverty status 贫困状态: `not_exited` 未脱贫, `exited` 已脱贫, `returned` 返贫,
    /// `removed` 已剔除/自然减少 (kept on record, out of active lists).
    /// Set by the registry's transitions, never edited directly.
    HouseholdStatus {
        NotExited = "not_exited" / "未脱贫",
        Exited = "exited" / "已脱贫",
        Returned = "returned" / "返贫",
        Removed = "removed" / "已剔除/自然减少",
    }
}

term_enum! {
    /// Kind of household record: `registered` 建档立卡贫困户, `monitored` 监测户 (never
    /// registered as poor; takes no exit procedure).
    HouseholdKind {
        Registered = "registered" / "建档立卡贫困户",
        Monitored = "monitored" / "监测户",
    }
}

/// The first year of the national 建档立卡 registration drive.
pub const FIRST_IDENTIFICATION_YEAR: i32 = 2014;
/// A household has one main cause and at most this many others.
pub const MAX_OTHER_CAUSES: usize = 2;

/// A rule a household's causes or dates break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HouseholdRuleError {
    #[error("at most {MAX_OTHER_CAUSES} other causes besides the main one")]
    TooManyOtherCauses,
    #[error("the other causes repeat a cause")]
    RepeatedCause,
    #[error("the main cause cannot also be listed among the other causes")]
    MainCauseRepeated,
    #[error("the year identified must be between {FIRST_IDENTIFICATION_YEAR} and {0}")]
    IdentifiedYearOutOfRange(i32),
}

impl crate::Chinese for HouseholdRuleError {
    fn chinese(&self) -> String {
        match self {
            HouseholdRuleError::TooManyOtherCauses => {
                format!("除主要致贫原因外，其他致贫原因最多 {MAX_OTHER_CAUSES} 项")
            }
            HouseholdRuleError::RepeatedCause => "其他致贫原因有重复".to_owned(),
            HouseholdRuleError::MainCauseRepeated => {
                "主要致贫原因不能同时列为其他致贫原因".to_owned()
            }
            HouseholdRuleError::IdentifiedYearOutOfRange(current) => {
                format!("识别年份应在 {FIRST_IDENTIFICATION_YEAR} 年至 {current} 年之间")
            }
        }
    }
}

/// Checks a household's causes: one main cause plus at most two different others.
pub fn check_causes(main: PovertyCause, others: &[PovertyCause]) -> Result<(), HouseholdRuleError> {
    if others.len() > MAX_OTHER_CAUSES {
        return Err(HouseholdRuleError::TooManyOtherCauses);
    }
    if others.contains(&main) {
        return Err(HouseholdRuleError::MainCauseRepeated);
    }
    if others.len() == 2 && others[0] == others[1] {
        return Err(HouseholdRuleError::RepeatedCause);
    }
    Ok(())
}

/// Checks the year a household was identified against the current year.
pub fn check_identified_year(year: i32, current_year: i32) -> Result<(), HouseholdRuleError> {
    if (FIRST_IDENTIFICATION_YEAR..=current_year).contains(&year) {
        Ok(())
    } else {
        Err(HouseholdRuleError::IdentifiedYearOutOfRange(current_year))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PovertyCause::*;

    #[test]
    fn causes_are_one_main_and_up_to_two_distinct_others() {
        assert_eq!(check_causes(Illness, &[]), Ok(()));
        assert_eq!(check_causes(Illness, &[LackOfFunds, LackOfSkills]), Ok(()));
        assert_eq!(
            check_causes(Illness, &[LackOfFunds, LackOfSkills, Disaster]),
            Err(HouseholdRuleError::TooManyOtherCauses)
        );
        assert_eq!(
            check_causes(Illness, &[Illness]),
            Err(HouseholdRuleError::MainCauseRepeated)
        );
        assert_eq!(
            check_causes(Illness, &[LackOfFunds, LackOfFunds]),
            Err(HouseholdRuleError::RepeatedCause)
        );
        assert_eq!(PovertyCause::ALL.len(), 12);
    }

    #[test]
    fn identified_year_is_within_the_programme() {
        assert_eq!(check_identified_year(2014, 2026), Ok(()));
        assert_eq!(check_identified_year(2026, 2026), Ok(()));
        assert!(check_identified_year(2013, 2026).is_err());
        assert!(check_identified_year(2027, 2026).is_err());
    }
}
