//! Poverty-alleviation microloans (扶贫小额信贷): policy limits, repayment schedules to the fen,
//! repayments applied interest first, arrears and overdue as of a date, the treasury's interest.
//!
//! Rounding: every interest amount is rounded half up to the fen from exact integer arithmetic
//! (balance × basis points × months / 120,000). For equal instalments the instalment is computed
//! once (in floating point) and rounded to the fen; each period's principal is the instalment
//! less its interest, and the last period takes whatever principal remains, so the principal of
//! the schedule always sums to the loan's principal exactly.

use chrono::{Months, NaiveDate};

term_enum! {
    /// Repayment method 还款方式: `equal_instalments` 等额本息 (monthly), `interest_then_principal`
    /// 按季付息、到期还本 (interest quarterly, principal at maturity).
    RepaymentMethod {
        EqualInstalments = "equal_instalments" / "等额本息",
        InterestThenPrincipal = "interest_then_principal" / "按季付息到期还本",
    }
}

/// Limits from policy: reference data, versioned by effective date (the defaults are
/// DOMAIN.md's, the version the service starts with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanPolicy {
    /// Per household, across its outstanding loans.
    pub max_principal_fen: i64,
    pub max_term_months: u32,
    pub min_borrower_age: i32,
    pub max_borrower_age: i32,
    /// The share of the interest the treasury pays (财政贴息), in basis points; a loan's own
    /// share may be lower, never higher.
    pub interest_subsidy_share_bp: i64,
}

impl Default for LoanPolicy {
    fn default() -> Self {
        Self {
            max_principal_fen: 5_000_000,
            max_term_months: 36,
            min_borrower_age: 18,
            max_borrower_age: 65,
            interest_subsidy_share_bp: 10_000,
        }
    }
}

/// The most a policy version may allow: 1,000,000 yuan per household, ten years, borrowers 16
/// to 100.
pub const POLICY_MAX_PRINCIPAL_FEN: i64 = 100_000_000;
pub const POLICY_MAX_TERM_MONTHS: u32 = 120;
pub const POLICY_AGES: std::ops::RangeInclusive<i32> = 16..=100;

/// Why a policy version is out of bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyBoundError {
    #[error("the cap is 1 to {POLICY_MAX_PRINCIPAL_FEN} fen")]
    PrincipalCap,
    #[error("the term limit is 1 to {POLICY_MAX_TERM_MONTHS} months")]
    TermLimit,
    #[error("borrower ages are 16 to 100")]
    BorrowerAges,
    #[error("the oldest age is at least the youngest")]
    AgesInverted,
    #[error("the share is 0 to 10,000 basis points")]
    SubsidyShare,
}

impl crate::Chinese for PolicyBoundError {
    fn chinese(&self) -> String {
        match self {
            PolicyBoundError::PrincipalCap => {
                format!("每户贷款本金上限应为 1 至 {POLICY_MAX_PRINCIPAL_FEN} 分")
            }
            PolicyBoundError::TermLimit => {
                format!("贷款期限上限应为 1 至 {POLICY_MAX_TERM_MONTHS} 个月")
            }
            PolicyBoundError::BorrowerAges => format!(
                "借款人年龄限制应在 {} 至 {} 周岁之间",
                POLICY_AGES.start(),
                POLICY_AGES.end()
            ),
            PolicyBoundError::AgesInverted => "借款人最高年龄不能低于最低年龄".to_owned(),
            PolicyBoundError::SubsidyShare => "财政贴息比例应为 0 至 10000 个基点".to_owned(),
        }
    }
}

/// A policy version out of bounds: the field and why.
pub fn check_policy_bounds(policy: &LoanPolicy) -> Result<(), (&'static str, PolicyBoundError)> {
    if !(1..=POLICY_MAX_PRINCIPAL_FEN).contains(&policy.max_principal_fen) {
        return Err(("max_principal_fen", PolicyBoundError::PrincipalCap));
    }
    if !(1..=POLICY_MAX_TERM_MONTHS).contains(&policy.max_term_months) {
        return Err(("max_term_months", PolicyBoundError::TermLimit));
    }
    for (field, age) in [
        ("min_borrower_age", policy.min_borrower_age),
        ("max_borrower_age", policy.max_borrower_age),
    ] {
        if !POLICY_AGES.contains(&age) {
            return Err((field, PolicyBoundError::BorrowerAges));
        }
    }
    if policy.min_borrower_age > policy.max_borrower_age {
        return Err(("max_borrower_age", PolicyBoundError::AgesInverted));
    }
    if !(0..=10_000).contains(&policy.interest_subsidy_share_bp) {
        return Err(("interest_subsidy_share_bp", PolicyBoundError::SubsidyShare));
    }
    Ok(())
}

/// [`check_policy_bounds`] with the reason in English.
pub fn check_policy(policy: &LoanPolicy) -> Result<(), (&'static str, String)> {
    check_policy_bounds(policy).map_err(|(field, error)| (field, error.to_string()))
}

/// A policy rule an application breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoanRuleError {
    #[error("the household's outstanding principal would be {total} fen, above the limit of {limit} fen")]
    PrincipalLimit { total: i64, limit: i64 },
    #[error("the principal must be positive")]
    PrincipalNotPositive,
    #[error("the term must be 1 to {0} months")]
    TermLimit(u32),
    #[error("the borrower must be {min} to {max} years old on the application date")]
    BorrowerAge { min: i32, max: i32 },
    #[error("the annual rate must be 1 to 5,000 basis points")]
    Rate,
    #[error("the treasury's share of interest is 0 to {0} basis points under the policy in force")]
    SubsidyShare(i64),
}

impl crate::Chinese for LoanRuleError {
    fn chinese(&self) -> String {
        match self {
            LoanRuleError::PrincipalLimit { total, limit } => {
                format!("该户未结清贷款本金合计将达 {total} 分，超过 {limit} 分的上限")
            }
            LoanRuleError::PrincipalNotPositive => "贷款本金必须大于零".to_owned(),
            LoanRuleError::TermLimit(months) => format!("贷款期限应为 1 至 {months} 个月"),
            LoanRuleError::BorrowerAge { min, max } => {
                format!("借款人在申请日应年满 {min} 周岁且不超过 {max} 周岁")
            }
            LoanRuleError::Rate => "年利率应为 1 至 5000 个基点".to_owned(),
            LoanRuleError::SubsidyShare(max) => {
                format!("按现行政策，财政贴息比例应为 0 至 {max} 个基点")
            }
        }
    }
}

/// One rule at a time, with the field it concerns.
pub fn check_application(
    policy: &LoanPolicy,
    principal_fen: i64,
    other_outstanding_fen: i64,
    term_months: u32,
    annual_rate_bp: i64,
    subsidy_share_bp: i64,
    borrower_age: i32,
) -> Result<(), (&'static str, LoanRuleError)> {
    if principal_fen <= 0 {
        return Err(("principal_fen", LoanRuleError::PrincipalNotPositive));
    }
    let total = principal_fen.saturating_add(other_outstanding_fen);
    if total > policy.max_principal_fen {
        return Err((
            "principal_fen",
            LoanRuleError::PrincipalLimit {
                total,
                limit: policy.max_principal_fen,
            },
        ));
    }
    if term_months == 0 || term_months > policy.max_term_months {
        return Err((
            "term_months",
            LoanRuleError::TermLimit(policy.max_term_months),
        ));
    }
    if !(1..=5_000).contains(&annual_rate_bp) {
        return Err(("annual_rate_bp", LoanRuleError::Rate));
    }
    if !(0..=policy.interest_subsidy_share_bp).contains(&subsidy_share_bp) {
        return Err((
            "subsidy_share_bp",
            LoanRuleError::SubsidyShare(policy.interest_subsidy_share_bp),
        ));
    }
    if !(policy.min_borrower_age..=policy.max_borrower_age).contains(&borrower_age) {
        return Err((
            "member_id",
            LoanRuleError::BorrowerAge {
                min: policy.min_borrower_age,
                max: policy.max_borrower_age,
            },
        ));
    }
    Ok(())
}

/// One period of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instalment {
    pub period: u32,
    pub due_on: NaiveDate,
    pub principal_fen: i64,
    pub interest_fen: i64,
}

/// `value × numerator / denominator`, rounded half up (values are non-negative).
fn round_div(value: i64, numerator: i64, denominator: i64) -> i64 {
    let exact = i128::from(value) * i128::from(numerator);
    let denominator = i128::from(denominator);
    i64::try_from((exact * 2 + denominator) / (denominator * 2)).unwrap_or(i64::MAX)
}

/// Interest on `balance` for `months` at `annual_rate_bp`.
pub fn interest_for(balance_fen: i64, annual_rate_bp: i64, months: u32) -> i64 {
    round_div(balance_fen, annual_rate_bp * i64::from(months), 120_000)
}

fn due(disbursed_on: NaiveDate, months: u32) -> NaiveDate {
    disbursed_on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// The schedule generated on disbursement.
pub fn schedule(
    principal_fen: i64,
    term_months: u32,
    annual_rate_bp: i64,
    method: RepaymentMethod,
    disbursed_on: NaiveDate,
) -> Vec<Instalment> {
    match method {
        RepaymentMethod::EqualInstalments => {
            let rate = annual_rate_bp as f64 / 10_000.0 / 12.0;
            let n = f64::from(term_months);
            let instalment = (principal_fen as f64 * rate * (1.0 + rate).powf(n)
                / ((1.0 + rate).powf(n) - 1.0))
                .round() as i64;
            let mut balance = principal_fen;
            (1..=term_months)
                .map(|period| {
                    let interest_fen = interest_for(balance, annual_rate_bp, 1);
                    let principal = if period == term_months {
                        balance
                    } else {
                        (instalment - interest_fen).clamp(0, balance)
                    };
                    balance -= principal;
                    Instalment {
                        period,
                        due_on: due(disbursed_on, period),
                        principal_fen: principal,
                        interest_fen,
                    }
                })
                .collect()
        }
        RepaymentMethod::InterestThenPrincipal => {
            let mut periods = Vec::new();
            let mut elapsed = 0;
            let mut period = 0;
            while elapsed < term_months {
                let months = (term_months - elapsed).min(3);
                elapsed += months;
                period += 1;
                periods.push(Instalment {
                    period,
                    due_on: due(disbursed_on, elapsed),
                    principal_fen: if elapsed == term_months {
                        principal_fen
                    } else {
                        0
                    },
                    interest_fen: interest_for(principal_fen, annual_rate_bp, months),
                });
            }
            periods
        }
    }
}

/// What has been paid against each period, and what remains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodStanding {
    pub instalment: Instalment,
    pub interest_paid_fen: i64,
    pub principal_paid_fen: i64,
}

impl PeriodStanding {
    pub fn interest_due_fen(&self) -> i64 {
        self.instalment.interest_fen - self.interest_paid_fen
    }
    pub fn principal_due_fen(&self) -> i64 {
        self.instalment.principal_fen - self.principal_paid_fen
    }
    pub fn settled(&self) -> bool {
        self.interest_due_fen() == 0 && self.principal_due_fen() == 0
    }
}

/// Applies repayments in order: each pays the earliest unsettled period, interest first, then
/// principal. Returns every period's standing and what was paid beyond the schedule.
pub fn apply_repayments(
    schedule: &[Instalment],
    repayments_fen: &[i64],
) -> (Vec<PeriodStanding>, i64) {
    let mut standings: Vec<PeriodStanding> = schedule
        .iter()
        .map(|i| PeriodStanding {
            instalment: *i,
            interest_paid_fen: 0,
            principal_paid_fen: 0,
        })
        .collect();
    let mut surplus = 0;
    for amount in repayments_fen {
        let mut left = *amount;
        for standing in standings.iter_mut() {
            if left == 0 {
                break;
            }
            let interest = standing.interest_due_fen().min(left);
            standing.interest_paid_fen += interest;
            left -= interest;
            let principal = standing.principal_due_fen().min(left);
            standing.principal_paid_fen += principal;
            left -= principal;
        }
        surplus += left;
    }
    (standings, surplus)
}

/// Where a loan stands as of a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanStanding {
    pub outstanding_principal_fen: i64,
    /// Interest and principal due before `as_of` and unpaid.
    pub arrears_fen: i64,
    pub next_due_on: Option<NaiveDate>,
    pub overdue: bool,
}

pub fn standing(standings: &[PeriodStanding], as_of: NaiveDate) -> LoanStanding {
    let outstanding_principal_fen = standings
        .iter()
        .map(PeriodStanding::principal_due_fen)
        .sum();
    let arrears_fen = standings
        .iter()
        .filter(|s| s.instalment.due_on < as_of)
        .map(|s| s.interest_due_fen() + s.principal_due_fen())
        .sum();
    LoanStanding {
        outstanding_principal_fen,
        arrears_fen,
        next_due_on: standings
            .iter()
            .find(|s| !s.settled())
            .map(|s| s.instalment.due_on),
        overdue: arrears_fen > 0,
    }
}

/// A loan's periods and standing on `as_of`: the schedule as stored, its maturity revised by
/// the latest extension if there was one, and the repayments `(paid on, amount)` made by then
/// applied interest first.
pub fn position(
    mut schedule: Vec<Instalment>,
    extended_to: Option<NaiveDate>,
    repayments: &[(NaiveDate, i64)],
    as_of: NaiveDate,
) -> (Vec<PeriodStanding>, LoanStanding) {
    if let (Some(maturity), Some(last)) = (extended_to, schedule.last_mut()) {
        last.due_on = maturity;
    }
    let paid: Vec<i64> = repayments
        .iter()
        .filter(|(paid_on, _)| *paid_on <= as_of)
        .map(|(_, amount)| *amount)
        .collect();
    let (standings, _) = apply_repayments(&schedule, &paid);
    let standing = standing(&standings, as_of);
    (standings, standing)
}

/// The treasury's share of a period's interest.
pub fn treasury_interest(interest_fen: i64, subsidy_share_bp: i64) -> i64 {
    round_div(interest_fen, subsidy_share_bp, 10_000)
}

/// Age from a resident ID's birth date, for the borrower check.
pub fn borrower_age(birth: NaiveDate, on: NaiveDate) -> i32 {
    crate::assessment::age_on(birth, on)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_extension_moves_the_maturity_and_later_payments_do_not_count_yet() {
        let plan = schedule(
            1_200_000,
            6,
            435,
            RepaymentMethod::InterestThenPrincipal,
            d(2019, 3, 5),
        );
        let interest: i64 = plan.iter().map(|i| i.interest_fen).sum();
        let paid = [(d(2019, 9, 5), interest), (d(2019, 12, 1), 1_200_000)];
        let (_, due) = position(plan.clone(), None, &paid, d(2019, 9, 6));
        assert!(due.overdue, "the principal fell due on 2019-09-05");
        let (periods, extended) = position(plan.clone(), Some(d(2020, 3, 5)), &paid, d(2019, 9, 6));
        assert!(!extended.overdue);
        assert_eq!(periods.last().unwrap().instalment.due_on, d(2020, 3, 5));
        assert_eq!(extended.outstanding_principal_fen, 1_200_000);
        let (_, settled) = position(plan, Some(d(2020, 3, 5)), &paid, d(2019, 12, 1));
        assert_eq!(settled.outstanding_principal_fen, 0);
    }

    #[test]
    fn equal_instalments_sum_to_the_principal_exactly() {
        for (principal, term, rate) in [
            (4_000_000, 36, 435),
            (5_000_000, 12, 475),
            (1_234_567, 7, 390),
            (100, 3, 435),
        ] {
            let s = schedule(
                principal,
                term,
                rate,
                RepaymentMethod::EqualInstalments,
                d(2019, 1, 31),
            );
            assert_eq!(s.len(), term as usize);
            assert_eq!(
                s.iter().map(|i| i.principal_fen).sum::<i64>(),
                principal,
                "{principal} {term} {rate}"
            );
            assert!(s
                .iter()
                .all(|i| i.principal_fen >= 0 && i.interest_fen >= 0));
        }
        let s = schedule(
            4_000_000,
            36,
            435,
            RepaymentMethod::EqualInstalments,
            d(2019, 1, 31),
        );
        assert_eq!(s[0].due_on, d(2019, 2, 28), "month ends are kept");
        assert_eq!(
            s[0].interest_fen, 14_500,
            "40,000 yuan at 4.35% for a month is 145.00 yuan"
        );
    }

    #[test]
    fn interest_then_principal_pays_quarterly_and_principal_at_maturity() {
        let s = schedule(
            4_000_000,
            36,
            435,
            RepaymentMethod::InterestThenPrincipal,
            d(2019, 1, 1),
        );
        assert_eq!(s.len(), 12);
        assert_eq!(s[0].interest_fen, 43_500);
        assert_eq!(s[0].principal_fen, 0);
        assert_eq!(s[11].principal_fen, 4_000_000);
        assert_eq!(s[11].due_on, d(2022, 1, 1));
        let odd = schedule(
            1_000_000,
            7,
            435,
            RepaymentMethod::InterestThenPrincipal,
            d(2019, 1, 1),
        );
        assert_eq!(odd.last().map(|i| i.due_on), Some(d(2019, 8, 1)));
        assert_eq!(
            odd.last().unwrap().interest_fen,
            interest_for(1_000_000, 435, 1)
        );
    }

    #[test]
    fn repayments_pay_interest_first_and_arrears_count_as_of_a_date() {
        let s = schedule(
            1_200_000,
            12,
            435,
            RepaymentMethod::EqualInstalments,
            d(2019, 1, 1),
        );
        let first = s[0].interest_fen + s[0].principal_fen;
        let (standings, surplus) = apply_repayments(&s, &[first, s[1].interest_fen]);
        assert_eq!(surplus, 0);
        assert!(standings[0].settled());
        assert_eq!(standings[1].interest_due_fen(), 0);
        assert_eq!(standings[1].principal_due_fen(), s[1].principal_fen);
        let on_time = standing(&standings, d(2019, 3, 1));
        assert!(!on_time.overdue);
        assert_eq!(on_time.next_due_on, Some(d(2019, 3, 1)));
        let late = standing(&standings, d(2019, 3, 2));
        assert!(late.overdue);
        assert_eq!(late.arrears_fen, s[1].principal_fen);
        assert_eq!(
            late.outstanding_principal_fen,
            1_200_000 - s[0].principal_fen
        );
        let all: i64 = s.iter().map(|i| i.interest_fen + i.principal_fen).sum();
        let (paid, extra) = apply_repayments(&s, &[all + 5]);
        assert_eq!(extra, 5);
        assert_eq!(standing(&paid, d(2030, 1, 1)).outstanding_principal_fen, 0);
    }

    #[test]
    fn refusals_say_the_same_in_chinese() {
        use crate::bilingual::tests::assert_bilingual;
        let p = LoanPolicy::default();
        for (principal, other, term, rate, share, age) in [
            (4_000_000, 1_000_001, 36, 435, 10_000, 51),
            (0, 0, 36, 435, 10_000, 51),
            (1, 0, 37, 435, 10_000, 51),
            (1, 0, 12, 0, 10_000, 51),
            (1, 0, 12, 435, 10_001, 51),
            (1, 0, 12, 435, 10_000, 66),
        ] {
            let (_, error) =
                check_application(&p, principal, other, term, rate, share, age).unwrap_err();
            assert_bilingual(&error);
        }
        let (_, error) = check_policy_bounds(&LoanPolicy {
            max_term_months: 0,
            ..p
        })
        .unwrap_err();
        assert_bilingual(&error);
    }

    #[test]
    fn policy_limits_name_their_field() {
        let p = LoanPolicy::default();
        assert!(check_application(&p, 4_000_000, 0, 36, 435, 10_000, 51).is_ok());
        assert_eq!(
            check_application(&p, 4_000_000, 1_000_001, 36, 435, 10_000, 51)
                .unwrap_err()
                .0,
            "principal_fen"
        );
        assert_eq!(
            check_application(&p, 1, 0, 37, 435, 10_000, 51)
                .unwrap_err()
                .0,
            "term_months"
        );
        assert_eq!(
            check_application(&p, 1, 0, 12, 435, 10_000, 66)
                .unwrap_err()
                .0,
            "member_id"
        );
        assert_eq!(
            check_application(&p, 1, 0, 12, 435, 10_001, 30)
                .unwrap_err()
                .0,
            "subsidy_share_bp"
        );
        assert_eq!(treasury_interest(14_500, 10_000), 14_500);
        let bad = LoanPolicy {
            interest_subsidy_share_bp: 10_001,
            ..p
        };
        assert_eq!(
            check_policy(&bad),
            Err((
                "interest_subsidy_share_bp",
                "the share is 0 to 10,000 basis points".to_owned()
            ))
        );
        assert_eq!(
            check_policy_bounds(&LoanPolicy {
                min_borrower_age: 70,
                ..p
            }),
            Err(("max_borrower_age", PolicyBoundError::AgesInverted))
        );
        assert_eq!(treasury_interest(14_501, 5_000), 7_251);
    }
}

#[cfg(test)]
mod properties {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn every_schedule_repays_exactly_the_principal(
            principal in 1i64..5_000_000,
            term in 1u32..=36,
            rate in 1i64..=2_000,
            equal in any::<bool>(),
        ) {
            let method = if equal { RepaymentMethod::EqualInstalments } else { RepaymentMethod::InterestThenPrincipal };
            let start = NaiveDate::from_ymd_opt(2019, 1, 31).unwrap_or_default();
            let s = schedule(principal, term, rate, method, start);
            prop_assert_eq!(s.iter().map(|i| i.principal_fen).sum::<i64>(), principal);
            prop_assert!(s.iter().all(|i| i.principal_fen >= 0 && i.interest_fen >= 0));
            prop_assert!(s.windows(2).all(|w| w[0].due_on < w[1].due_on));
        }
    }
}
