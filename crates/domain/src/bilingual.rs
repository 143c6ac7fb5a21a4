//! Errors that say what is wrong in Chinese as well as in English.
//!
//! Every error type of this crate whose message can reach a client implements [`Chinese`]
//! next to its English `Display`, with the same values (numbers, dates, codes). A term the
//! crate knows the Chinese name of (a status, a step, a cause) is given by that name; a wire
//! code or a field name is kept in backticks.

/// An error that can say what is wrong in Chinese as well as in English (its Display).
pub trait Chinese {
    /// The message in Simplified Chinese, as a sentence without a final full stop.
    fn chinese(&self) -> String;
}

impl<T: Chinese + ?Sized> Chinese for &T {
    fn chinese(&self) -> String {
        (**self).chinese()
    }
}

impl<T: Chinese + ?Sized> Chinese for Box<T> {
    fn chinese(&self) -> String {
        (**self).chinese()
    }
}

/// `` `a`、`b`、`c` ``: a list of wire codes, each in backticks, joined the Chinese way.
pub(crate) fn codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    codes
        .into_iter()
        .map(|code| format!("`{code}`"))
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::NaiveDate;

    use super::Chinese;
    use crate::credit_code::CreditCodeError;
    use crate::dividend::AllocationError;
    use crate::household::{HouseholdRuleError, HouseholdStatus};
    use crate::income::{IncomeError, LineError};
    use crate::indicator::{Direction, IndicatorError};
    use crate::lifecycle::{ExitStage, LifecycleEvent, StepDateRefused, TransitionRefused};
    use crate::loan::{LoanRuleError, PolicyBoundError};
    use crate::loan_lifecycle::{DutyRefused, LoanStatus, LoanStep, LoanStepRefused};
    use crate::member::{MemberRuleError, Sex};
    use crate::money::SubsidyRuleError;
    use crate::password::Weakness;
    use crate::phone::PhoneError;
    use crate::region::{RegionCodeError, RegionLevel, RegionPlacementError};
    use crate::relation_age::RelationAgeMismatch;
    use crate::resident_id::{IdentityMismatch, ResidentIdError};
    use crate::term::UnknownTerm;

    /// `text` with every `` `…` `` segment taken out.
    pub(crate) fn outside_backticks(text: &str) -> String {
        text.split('`').step_by(2).collect::<Vec<_>>().concat()
    }

    /// Asserts a Chinese message is Chinese: some CJK text, no English word and no ASCII
    /// sentence punctuation outside backticks, and an even number of backticks.
    pub(crate) fn assert_chinese(text: &str) {
        assert!(
            text.matches('`').count().is_multiple_of(2),
            "unbalanced backticks: {text}"
        );
        assert!(
            text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "no Chinese in: {text}"
        );
        let outside = outside_backticks(text);
        let words: Vec<&str> = outside
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|word| !word.is_empty())
            .collect();
        assert!(words.is_empty(), "English words {words:?} in: {text}");
        for mark in [',', ';', ':', '(', ')', '!', '?'] {
            assert!(
                !outside.contains(mark),
                "ASCII `{mark}` instead of Chinese punctuation in: {text}"
            );
        }
        assert!(!text.ends_with('。'), "a final full stop in: {text}");
    }

    /// The runs of ASCII digits in `text`.
    fn numbers(text: &str) -> Vec<&str> {
        text.split(|c: char| !c.is_ascii_digit())
            .filter(|run| !run.is_empty())
            .collect()
    }

    /// Asserts `error`'s Chinese message is Chinese and carries every number of its English one.
    pub(crate) fn assert_bilingual<E: std::fmt::Display + Chinese>(error: &E) {
        let (en, zh) = (error.to_string(), error.chinese());
        assert_chinese(&zh);
        let zh_digits: String = numbers(&zh).concat();
        for number in numbers(&en) {
            assert!(
                zh.contains(number) || zh_digits.contains(number),
                "{number} of `{en}` is missing from `{zh}`"
            );
        }
    }

    #[test]
    fn the_helper_sees_english_outside_backticks_only() {
        assert_eq!(
            outside_backticks("校验码应为 `X`，见 `a b`"),
            "校验码应为 ，见 "
        );
        assert_chinese("校验码应为 `X`");
        assert_chinese("日期不能早于 2026-11-20");
        for english in [
            "身份证号码无效: the check character should be 4",
            "校验码应为 X",
            "区划代码无效: 12",
            "",
            "`only a code`",
        ] {
            assert!(
                std::panic::catch_unwind(|| assert_chinese(english)).is_err(),
                "{english}"
            );
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    /// Every variant of every error type, with values in it.
    #[test]
    fn every_error_says_what_is_wrong_in_chinese() {
        let errors: Vec<Box<dyn ChineseDisplay>> = vec![
            Box::new(UnknownTerm {
                value: "mail".into(),
                expected: "male, female".into(),
            }),
            Box::new(ResidentIdError::Malformed),
            Box::new(ResidentIdError::CheckCharacter { expected: 'X' }),
            Box::new(ResidentIdError::CheckCharacter { expected: '4' }),
            Box::new(ResidentIdError::BirthDateInvalid),
            Box::new(ResidentIdError::BirthDateInFuture),
            Box::new(IdentityMismatch::Sex {
                number: Sex::Male,
                given: Sex::Female,
            }),
            Box::new(IdentityMismatch::BirthDate {
                number: day(1975, 1, 2),
                given: day(1975, 1, 3),
            }),
            Box::new(CreditCodeError::Malformed),
            Box::new(CreditCodeError::CheckCharacter('Y')),
            Box::new(PhoneError),
            Box::new(RegionCodeError::NotTwelveDigits),
            Box::new(RegionCodeError::NoCounty),
            Box::new(RegionCodeError::VillageWithoutTown),
            Box::new(RegionPlacementError::DistrictHasParent(
                RegionLevel::District,
            )),
            Box::new(RegionPlacementError::ParentRequired(RegionLevel::Town)),
            Box::new(RegionPlacementError::ParentRequired(RegionLevel::Village)),
            Box::new(RegionPlacementError::CodeOutsideParent {
                child: "610117002201".into(),
                parent: "610117001000".into(),
            }),
            Box::new(HouseholdRuleError::TooManyOtherCauses),
            Box::new(HouseholdRuleError::RepeatedCause),
            Box::new(HouseholdRuleError::MainCauseRepeated),
            Box::new(HouseholdRuleError::IdentifiedYearOutOfRange(2026)),
            Box::new(IncomeError::ItemOutOfRange("wage_fen")),
            Box::new(IncomeError::ItemOutOfRange("production_cost_fen")),
            Box::new(IncomeError::ItemOutOfRange("some_new_item")),
            Box::new(IncomeError::NobodyInHousehold),
            Box::new(LineError::PovertyLineOutOfRange),
            Box::new(LineError::MonitoringBelowPoverty),
            Box::new(IndicatorError::Inverted {
                direction: Direction::HigherIsBetter,
                green: 7_000,
                yellow: 9_000,
                relation: "at least",
            }),
            Box::new(IndicatorError::Inverted {
                direction: Direction::LowerIsBetter,
                green: 501,
                yellow: 500,
                relation: "at most",
            }),
            Box::new(IndicatorError::DirectionChanged {
                expected: Direction::LowerIsBetter,
            }),
            Box::new(IndicatorError::OutOfRange),
            Box::new(TransitionRefused {
                event: LifecycleEvent::ApproveExit,
                status: HouseholdStatus::NotExited,
                stage: ExitStage::None,
                allowed: vec![LifecycleEvent::ProposeExit, LifecycleEvent::Remove],
            }),
            Box::new(StepDateRefused::InTheFuture),
            Box::new(StepDateRefused::BeforeThePreviousStep(day(2026, 12, 1))),
            Box::new(StepDateRefused::BeforeRegistration(day(2026, 11, 20))),
            Box::new(StepDateRefused::BeforeIdentification(2014)),
            Box::new(StepDateRefused::NotBeforeRegistration(day(2026, 11, 20))),
            Box::new(LoanRuleError::PrincipalLimit {
                total: 6_000_000,
                limit: 5_000_000,
            }),
            Box::new(LoanRuleError::PrincipalNotPositive),
            Box::new(LoanRuleError::TermLimit(36)),
            Box::new(LoanRuleError::BorrowerAge { min: 18, max: 65 }),
            Box::new(LoanRuleError::Rate),
            Box::new(LoanRuleError::SubsidyShare(10_000)),
            Box::new(PolicyBoundError::PrincipalCap),
            Box::new(PolicyBoundError::TermLimit),
            Box::new(PolicyBoundError::BorrowerAges),
            Box::new(PolicyBoundError::AgesInverted),
            Box::new(PolicyBoundError::SubsidyShare),
            Box::new(LoanStepRefused {
                step: LoanStep::Disburse,
                status: LoanStatus::Applied,
                allowed: vec![LoanStep::Approve, LoanStep::Reject],
            }),
            Box::new(DutyRefused::TookThePreviousStep),
            Box::new(DutyRefused::ApprovedOrDisbursedIt(LoanStep::WriteOff)),
            Box::new(AllocationError::PoolNotPositive),
            Box::new(AllocationError::NoStakes),
            Box::new(AllocationError::StakeNotPositive),
            Box::new(SubsidyRuleError::AmountOutOfRange),
            Box::new(SubsidyRuleError::InsuranceLayerMismatch),
            Box::new(SubsidyRuleError::AlreadyReversed),
            Box::new(SubsidyRuleError::ReversalOfReversal),
            Box::new(MemberRuleError::SecondHead),
            Box::new(MemberRuleError::HeadCannotLeave),
            Box::new(MemberRuleError::AlreadyLeft(day(2025, 1, 1))),
            Box::new(MemberRuleError::LeaveDateInFuture),
            Box::new(MemberRuleError::LeaveDateBeforeBirth),
            Box::new(MemberRuleError::LeftMemberIsReadOnly),
            Box::new(MemberRuleError::RelationHeadByTransfer),
            Box::new(RelationAgeMismatch::SpouseUnderMarriageAge {
                age: 8,
                min_age: 20,
            }),
            Box::new(RelationAgeMismatch::ParentNotOlderThanHead),
            Box::new(RelationAgeMismatch::ChildNotYoungerThanHead),
            Box::new(RelationAgeMismatch::GrandchildNotYoungerThanHead),
            Box::new(Weakness::TooShort),
            Box::new(Weakness::TooLong),
            Box::new(Weakness::Predictable),
            Box::new(Weakness::Common),
            Box::new(Weakness::HoldsTheName),
        ];
        let mut seen = std::collections::HashSet::new();
        for error in &errors {
            assert_bilingual(error);
            assert!(
                seen.insert(error.chinese()),
                "two errors share the message `{}`",
                error.chinese()
            );
        }
    }

    /// Every step, status and level the messages name appears by its Chinese term.
    #[test]
    fn embedded_terms_are_named_in_chinese() {
        for &status in HouseholdStatus::ALL {
            for &stage in ExitStage::ALL {
                for &event in LifecycleEvent::ALL {
                    let refused = TransitionRefused {
                        event,
                        status,
                        stage,
                        allowed: vec![],
                    };
                    assert_bilingual(&refused);
                    let zh = refused.chinese();
                    for term in [event.chinese(), status.chinese(), stage.chinese()] {
                        assert!(zh.contains(term), "{term} missing from {zh}");
                    }
                }
            }
        }
        for &status in LoanStatus::ALL {
            for &step in LoanStep::ALL {
                let refused = LoanStepRefused {
                    step,
                    status,
                    allowed: vec![],
                };
                assert_bilingual(&refused);
                assert!(refused.chinese().contains(step.chinese()));
                assert!(refused.chinese().contains(status.chinese()));
                let duty = DutyRefused::ApprovedOrDisbursedIt(step);
                assert_bilingual(&duty);
                assert!(duty.chinese().contains(step.chinese()));
            }
        }
        for &level in RegionLevel::ALL {
            for error in [
                RegionPlacementError::DistrictHasParent(level),
                RegionPlacementError::ParentRequired(level),
            ] {
                assert_bilingual(&error);
                assert!(error.chinese().contains(level.chinese()));
            }
        }
        for &direction in Direction::ALL {
            let error = IndicatorError::DirectionChanged {
                expected: direction,
            };
            assert_bilingual(&error);
            assert!(error.chinese().contains(direction.chinese()));
        }
    }

    #[test]
    fn messages_read_as_intended() {
        assert_eq!(
            ResidentIdError::CheckCharacter { expected: '4' }.chinese(),
            "校验码应为 `4`"
        );
        assert_eq!(
            HouseholdRuleError::IdentifiedYearOutOfRange(2026).chinese(),
            "识别年份应在 2014 年至 2026 年之间"
        );
        assert_eq!(
            LoanStepRefused {
                step: LoanStep::Disburse,
                status: LoanStatus::Applied,
                allowed: vec![],
            }
            .chinese(),
            "贷款状态为“已申请”，不能办理“放款”"
        );
        assert_eq!(
            UnknownTerm {
                value: "mail".into(),
                expected: "male, female".into(),
            }
            .chinese(),
            "`mail` 不是可选值，应为以下之一：`male`、`female`"
        );
        let through_a_reference: &dyn Chinese = &&PhoneError;
        assert_eq!(through_a_reference.chinese(), PhoneError.chinese());
    }

    /// An error with both messages, as a trait object.
    trait ChineseDisplay: Chinese + std::fmt::Display {}
    impl<T: Chinese + std::fmt::Display> ChineseDisplay for T {}
}
