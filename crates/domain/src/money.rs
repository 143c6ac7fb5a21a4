//! Money paid to households: subsidies as an append-only ledger in fen. A mistake is never
//! edited: a reversing entry with the opposite amount points at the entry it reverses.

term_enum! {
    /// Subsidy category 补助类别: `health_reimbursement` 健康扶贫报销, `education_aid` 教育资助,
    /// `minimum_living_allowance` 低保, `destitute_support` 特困供养/五保,
    /// `housing_renovation` 危房改造, `public_welfare_wages` 公益岗位工资, `industry_award` 产业奖补,
    /// `other` 其他.
    SubsidyCategory {
        HealthReimbursement = "health_reimbursement" / "健康扶贫报销",
        EducationAid = "education_aid" / "教育资助",
        MinimumLivingAllowance = "minimum_living_allowance" / "低保",
        DestituteSupport = "destitute_support" / "特困供养/五保",
        HousingRenovation = "housing_renovation" / "危房改造",
        PublicWelfareWages = "public_welfare_wages" / "公益岗位工资",
        IndustryAward = "industry_award" / "产业奖补",
        Other = "other" / "其他",
    }
}

term_enum! {
    /// Layer of health insurance a reimbursement came through (四重保障): `basic` 基本医保,
    /// `critical_illness` 大病保险, `medical_assistance` 医疗救助, `supplementary` 补充医疗保险.
    InsuranceLayer {
        Basic = "basic" / "基本医保",
        CriticalIllness = "critical_illness" / "大病保险",
        MedicalAssistance = "medical_assistance" / "医疗救助",
        Supplementary = "supplementary" / "补充医疗保险",
    }
}

/// The largest single payment: one hundred million yuan, in fen. Bounding entries keeps every
/// total far from i64 overflow (SQLite's SUM raises past it).
pub const MAX_PAYMENT_FEN: i64 = 10_000_000_000;

/// Why a subsidy entry cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubsidyRuleError {
    #[error("the amount must be between 1 and {MAX_PAYMENT_FEN} fen; corrections are reversals")]
    AmountOutOfRange,
    #[error("an insurance layer is given only for health reimbursements, and must be")]
    InsuranceLayerMismatch,
    #[error("this entry was reversed already")]
    AlreadyReversed,
    #[error("a reversal cannot be reversed; record the payment again")]
    ReversalOfReversal,
}

impl crate::Chinese for SubsidyRuleError {
    fn chinese(&self) -> String {
        match self {
            SubsidyRuleError::AmountOutOfRange => {
                format!("金额应在 1 至 {MAX_PAYMENT_FEN} 分之间；更正已登记的发放请用冲正")
            }
            SubsidyRuleError::InsuranceLayerMismatch => {
                "仅健康扶贫报销填写医保保障层次，且健康扶贫报销必须填写".to_owned()
            }
            SubsidyRuleError::AlreadyReversed => "该笔记录已冲正".to_owned(),
            SubsidyRuleError::ReversalOfReversal => {
                "冲正记录不能再冲正；请重新登记该笔发放".to_owned()
            }
        }
    }
}

/// Checks a new payment: a positive bounded amount, and a layer exactly for health reimbursements.
pub fn check_payment(
    category: SubsidyCategory,
    layer: Option<InsuranceLayer>,
    amount_fen: i64,
) -> Result<(), SubsidyRuleError> {
    if !(1..=MAX_PAYMENT_FEN).contains(&amount_fen) {
        return Err(SubsidyRuleError::AmountOutOfRange);
    }
    if (category == SubsidyCategory::HealthReimbursement) != layer.is_some() {
        return Err(SubsidyRuleError::InsuranceLayerMismatch);
    }
    Ok(())
}

/// The amount of a reversing entry, if `entry` may be reversed.
pub fn reversal_amount(
    entry_amount_fen: i64,
    entry_is_reversal: bool,
    already_reversed: bool,
) -> Result<i64, SubsidyRuleError> {
    if entry_is_reversal {
        return Err(SubsidyRuleError::ReversalOfReversal);
    }
    if already_reversed {
        return Err(SubsidyRuleError::AlreadyReversed);
    }
    Ok(-entry_amount_fen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payments_are_positive_and_bounded() {
        assert!(check_payment(SubsidyCategory::EducationAid, None, 150_000).is_ok());
        assert_eq!(
            check_payment(SubsidyCategory::EducationAid, None, 0),
            Err(SubsidyRuleError::AmountOutOfRange)
        );
        assert_eq!(
            check_payment(SubsidyCategory::EducationAid, None, -5),
            Err(SubsidyRuleError::AmountOutOfRange)
        );
        assert_eq!(
            check_payment(SubsidyCategory::Other, None, MAX_PAYMENT_FEN + 1),
            Err(SubsidyRuleError::AmountOutOfRange)
        );
    }

    #[test]
    fn only_health_reimbursements_carry_an_insurance_layer() {
        assert!(check_payment(
            SubsidyCategory::HealthReimbursement,
            Some(InsuranceLayer::CriticalIllness),
            1
        )
        .is_ok());
        assert_eq!(
            check_payment(SubsidyCategory::HealthReimbursement, None, 1),
            Err(SubsidyRuleError::InsuranceLayerMismatch)
        );
        assert_eq!(
            check_payment(
                SubsidyCategory::EducationAid,
                Some(InsuranceLayer::Basic),
                1
            ),
            Err(SubsidyRuleError::InsuranceLayerMismatch)
        );
    }

    #[test]
    fn a_reversal_cancels_an_entry_once() {
        assert_eq!(reversal_amount(150_000, false, false), Ok(-150_000));
        assert_eq!(
            reversal_amount(150_000, false, true),
            Err(SubsidyRuleError::AlreadyReversed)
        );
        assert_eq!(
            reversal_amount(-150_000, true, false),
            Err(SubsidyRuleError::ReversalOfReversal)
        );
    }
}
