//! Bodies of microloans.

use chrono::{DateTime, NaiveDate, Utc};
use fupin_domain::loan::RepaymentMethod;
use fupin_domain::loan_lifecycle::LoanStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::pagination::page_of;

/// A loan application by a household member aged 18 to 65.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"member_id": "0193a4c2-7a51-7c3e-9b0e-2f1d6c1e8a12", "bank": "高陵区农商银行",
    "principal_fen": 4000000, "term_months": 36, "annual_rate_bp": 435, "purpose": "豆腐作坊：三轮车和磨浆机",
    "method": "interest_then_principal", "applied_on": "2019-03-01"}))]
pub struct ApplyForLoan {
    pub member_id: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub bank: String,
    /// At most 50,000 yuan per household across its open loans (configurable).
    #[validate(range(min = 1, max = 10_000_000_000i64))]
    #[schema(minimum = 1, maximum = 10_000_000_000i64)]
    pub principal_fen: i64,
    /// At most 36 (configurable).
    #[validate(range(min = 1, max = 600))]
    #[schema(minimum = 1, maximum = 600)]
    pub term_months: u32,
    /// Annual rate in basis points (435 = 4.35%, the base rate).
    #[schema(minimum = 1, maximum = 5000)]
    pub annual_rate_bp: i64,
    /// Share of interest the treasury pays, basis points (default 10,000 = all of it).
    #[schema(minimum = 0, maximum = 10000)]
    pub subsidy_share_bp: Option<i64>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub purpose: String,
    pub method: RepaymentMethod,
    pub applied_on: NaiveDate,
}

/// A dated decision or disbursement.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoanStep {
    pub on: NaiveDate,
}

/// An extension (展期) of the maturity, with the reason.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendLoan {
    pub on: NaiveDate,
    pub new_maturity_on: NaiveDate,
    #[validate(length(min = 2, max = 500))]
    #[schema(min_length = 2, max_length = 500)]
    pub reason: String,
}

/// A write-off (核销), with the reason.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteOffLoan {
    pub on: NaiveDate,
    #[validate(length(min = 2, max = 500))]
    #[schema(min_length = 2, max_length = 500)]
    pub reason: String,
}

/// A repayment, applied interest first, then principal, to the earliest unsettled period.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Repay {
    pub paid_on: NaiveDate,
    #[validate(range(min = 1, max = 10_000_000_000i64))]
    #[schema(minimum = 1, maximum = 10_000_000_000i64)]
    pub amount_fen: i64,
    /// The bank's reference; the same one twice on a loan is refused.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub reference: String,
}

/// One period of the schedule, with what has been paid against it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Period {
    pub period: i32,
    pub due_on: NaiveDate,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub principal_paid_fen: i64,
    pub interest_paid_fen: i64,
    /// The treasury's share of the period's interest (interest subsidy, 贴息).
    pub treasury_interest_fen: i64,
}

/// A loan: `applied`, `approved`, `rejected`, `disbursed`, `extended`, `repaid` or `written_off`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Loan {
    pub id: String,
    pub household_id: String,
    /// The household's village.
    pub region_code: String,
    pub member_id: String,
    pub bank: String,
    pub principal_fen: i64,
    pub term_months: i32,
    pub annual_rate_bp: i64,
    pub subsidy_share_bp: i64,
    pub purpose: String,
    pub method: RepaymentMethod,
    pub status: LoanStatus,
    pub applied_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub disbursed_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The day `outstanding`, `arrears` and `overdue` are computed for.
    pub as_of: NaiveDate,
    pub outstanding_principal_fen: i64,
    pub arrears_fen: i64,
    pub next_due_on: Option<NaiveDate>,
    pub overdue: bool,
    /// The schedule as generated on disbursement; after an extension the last period falls
    /// due on the latest extension's `maturity_on`.
    pub schedule: Vec<Period>,
    /// Every step of the loan, oldest first; appended, never changed.
    pub history: Vec<LoanEvent>,
}

/// One step of a loan's life: who moved it to `status`, on which day, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoanEvent {
    pub seq: i32,
    pub status: LoanStatus,
    pub on: NaiveDate,
    pub reason: Option<String>,
    /// The new maturity, for an extension.
    pub maturity_on: Option<NaiveDate>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

page_of!(LoanPage, Loan);

/// `?as_of=` for a loan's standing (default today).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AsOfParams {
    pub as_of: Option<NaiveDate>,
}

/// `?region=&month=` of the interest-subsidy ledger.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InterestSubsidyParams {
    /// This region and everything under it (12-digit code); default: your whole scope.
    #[param(format = "region-code")]
    pub region: Option<String>,
    /// The month whose due interest the treasury owes, `YYYY-MM`.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
}

/// What the treasury owes for one loan in a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterestSubsidyLine {
    pub loan_id: String,
    pub household_id: String,
    pub region_code: String,
    /// Interest due in the month.
    pub interest_fen: i64,
    /// The treasury's share; 0 when the subsidy is stopped.
    pub treasury_interest_fen: i64,
    /// Why the subsidy is stopped for this loan, if it is (`overdue`).
    pub stopped: Option<String>,
}

/// The interest-subsidy ledger of a month: one line per loan with interest due, and the total.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterestSubsidies {
    pub month: String,
    pub lines: Vec<InterestSubsidyLine>,
    pub total_treasury_interest_fen: i64,
}

/// Filters of the loan list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LoanListParams {
    /// This region and everything under it (12-digit code).
    #[param(format = "region-code")]
    pub region: Option<String>,
    pub status: Option<LoanStatus>,
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
    #[param(format = "cursor")]
    pub cursor: Option<String>,
}
