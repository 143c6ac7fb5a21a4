//! The life of a microloan: application → approval (or rejection) → disbursement → repayments,
//! extension (展期) or write-off (核销) → repaid. The status says which steps may come next.

term_enum! {
    /// Where a microloan stands: `applied` 已申请, `approved` 已审批, `rejected` 已拒绝,
    /// `disbursed` 已放款, `extended` 已展期, `repaid` 已结清, `written_off` 已核销.
    LoanStatus {
        Applied = "applied" / "已申请",
        Approved = "approved" / "已审批",
        Rejected = "rejected" / "已拒绝",
        Disbursed = "disbursed" / "已放款",
        Extended = "extended" / "已展期",
        Repaid = "repaid" / "已结清",
        WrittenOff = "written_off" / "已核销",
    }
}

term_enum! {
    /// A step of a microloan's life: `approve` 审批通过, `reject` 拒绝, `disburse` 放款,
    /// `repay` 还款, `extend` 展期, `write_off` 核销.
    LoanStep {
        Approve = "approve" / "审批通过",
        Reject = "reject" / "拒绝",
        Disburse = "disburse" / "放款",
        Repay = "repay" / "还款",
        Extend = "extend" / "展期",
        WriteOff = "write_off" / "核销",
    }
}

impl LoanStatus {
    /// Money is out with the household: repayments are taken and interest accrues.
    pub fn is_outstanding(self) -> bool {
        matches!(self, LoanStatus::Disbursed | LoanStatus::Extended)
    }
}

/// The steps a loan of this status may take.
pub fn allowed_steps(status: LoanStatus) -> Vec<LoanStep> {
    use LoanStatus as S;
    use LoanStep as T;
    match status {
        S::Applied => vec![T::Approve, T::Reject],
        S::Approved => vec![T::Disburse],
        S::Disbursed | S::Extended => vec![T::Repay, T::Extend, T::WriteOff],
        S::Rejected | S::Repaid | S::WrittenOff => vec![],
    }
}

/// A step the loan's status does not allow, with the ones it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a loan that is {status} cannot {step}")]
pub struct LoanStepRefused {
    pub step: LoanStep,
    pub status: LoanStatus,
    pub allowed: Vec<LoanStep>,
}

impl crate::Chinese for LoanStepRefused {
    fn chinese(&self) -> String {
        format!(
            "贷款状态为“{}”，不能办理“{}”",
            self.status.chinese(),
            self.step.chinese()
        )
    }
}

/// The status after `step`, or why it cannot be taken. A repayment keeps the status; the loan
/// is `repaid` once its schedule is settled.
pub fn next_status(status: LoanStatus, step: LoanStep) -> Result<LoanStatus, LoanStepRefused> {
    let allowed = allowed_steps(status);
    if !allowed.contains(&step) {
        return Err(LoanStepRefused {
            step,
            status,
            allowed,
        });
    }
    Ok(match step {
        LoanStep::Approve => LoanStatus::Approved,
        LoanStep::Reject => LoanStatus::Rejected,
        LoanStep::Disburse => LoanStatus::Disbursed,
        LoanStep::Repay => status,
        LoanStep::Extend => LoanStatus::Extended,
        LoanStep::WriteOff => LoanStatus::WrittenOff,
    })
}

/// A step already in a loan's history: the status it moved the loan to, and whether the
/// account now acting is the one that took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakenStep {
    pub to: LoanStatus,
    pub by_this_account: bool,
}

/// Why the account acting may not take this step of this loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DutyRefused {
    #[error("the account that took the loan's previous step may not take the next one")]
    TookThePreviousStep,
    #[error("an account that approved or disbursed the loan may not {0} it")]
    ApprovedOrDisbursedIt(LoanStep),
}

impl crate::Chinese for DutyRefused {
    fn chinese(&self) -> String {
        match self {
            DutyRefused::TookThePreviousStep => {
                "办理本贷款上一步骤的账号不能办理下一步骤".to_owned()
            }
            DutyRefused::ApprovedOrDisbursedIt(step) => {
                format!("审批或发放过本贷款的账号不能对其办理“{}”", step.chinese())
            }
        }
    }
}

/// Two pairs of hands: no account takes two consecutive steps of one loan (application,
/// decision, disbursement, extension, write-off; repayments and the settlement they bring are
/// the bank's record, not steps), and whoever approved or disbursed a loan never extends or
/// writes it off.
pub fn check_separation_of_duties(
    step: LoanStep,
    history: &[TakenStep],
) -> Result<(), DutyRefused> {
    if step == LoanStep::Repay {
        return Ok(());
    }
    let previous = history
        .iter()
        .rev()
        .find(|taken| taken.to != LoanStatus::Repaid);
    if previous.is_some_and(|taken| taken.by_this_account) {
        return Err(DutyRefused::TookThePreviousStep);
    }
    if matches!(step, LoanStep::Extend | LoanStep::WriteOff)
        && history.iter().any(|taken| {
            taken.by_this_account
                && matches!(taken.to, LoanStatus::Approved | LoanStatus::Disbursed)
        })
    {
        return Err(DutyRefused::ApprovedOrDisbursedIt(step));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use LoanStatus as S;
    use LoanStep as T;

    fn taken(to: S, by_this_account: bool) -> TakenStep {
        TakenStep {
            to,
            by_this_account,
        }
    }

    #[test]
    fn no_account_takes_two_consecutive_steps() {
        let applied_by_me = [taken(S::Applied, true)];
        assert_eq!(
            check_separation_of_duties(T::Approve, &applied_by_me),
            Err(DutyRefused::TookThePreviousStep)
        );
        assert_eq!(
            check_separation_of_duties(T::Reject, &applied_by_me),
            Err(DutyRefused::TookThePreviousStep)
        );
        let approved_by_other = [taken(S::Applied, true), taken(S::Approved, false)];
        assert_eq!(
            check_separation_of_duties(T::Disburse, &approved_by_other),
            Ok(())
        );
        let disbursed_by_me = [
            taken(S::Applied, false),
            taken(S::Approved, false),
            taken(S::Disbursed, true),
        ];
        assert_eq!(
            check_separation_of_duties(T::Repay, &disbursed_by_me),
            Ok(()),
            "the bank records repayments"
        );
    }

    #[test]
    fn whoever_approved_or_disbursed_never_extends_or_writes_off() {
        let approved_by_me = [
            taken(S::Applied, false),
            taken(S::Approved, true),
            taken(S::Disbursed, false),
        ];
        for step in [T::Extend, T::WriteOff] {
            assert_eq!(
                check_separation_of_duties(step, &approved_by_me),
                Err(DutyRefused::ApprovedOrDisbursedIt(step))
            );
        }
        let others = [
            taken(S::Applied, false),
            taken(S::Approved, false),
            taken(S::Disbursed, false),
            taken(S::Extended, true),
        ];
        assert_eq!(
            check_separation_of_duties(T::WriteOff, &others),
            Err(DutyRefused::TookThePreviousStep),
            "an extension and a write-off by one account are consecutive steps"
        );
    }

    #[test]
    fn a_loan_runs_from_application_to_disbursement() {
        let mut status = S::Applied;
        for step in [T::Approve, T::Disburse, T::Repay, T::Extend, T::Repay] {
            status = next_status(status, step).unwrap();
        }
        assert_eq!(status, S::Extended);
        assert!(status.is_outstanding());
        assert_eq!(next_status(status, T::WriteOff), Ok(S::WrittenOff));
    }

    #[test]
    fn steps_cannot_be_skipped_and_refusals_name_the_allowed_ones() {
        let refused = next_status(S::Applied, T::Disburse).unwrap_err();
        assert_eq!(refused.allowed, vec![T::Approve, T::Reject]);
        assert!(next_status(S::Approved, T::Repay).is_err());
        assert!(next_status(S::Applied, T::WriteOff).is_err());
    }

    #[test]
    fn finished_loans_take_no_more_steps() {
        for status in [S::Rejected, S::Repaid, S::WrittenOff] {
            assert!(allowed_steps(status).is_empty(), "{status}");
            assert!(!status.is_outstanding());
        }
    }
}
