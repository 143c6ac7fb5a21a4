//! Bodies of the microloan policy's versions.

use chrono::{DateTime, NaiveDate, Utc};
use fupin_domain::loan::LoanPolicy;
use fupin_persistence::loan_policies::LoanPolicyRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::utc;
use crate::pagination::page_of;

/// A new version of the microloan policy, in force from `effective_from` (today or later:
/// a version never changes how loans already applied for were judged).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"effective_from": "2027-01-01", "max_principal_fen": 5_000_000, "max_term_months": 36,
    "min_borrower_age": 18, "max_borrower_age": 70, "interest_subsidy_share_bp": 10_000,
    "basis": "陕西省扶贫小额信贷实施办法（2026年修订）"}))]
pub struct RecordLoanPolicy {
    pub effective_from: NaiveDate,
    /// Per household, across its outstanding loans: 1 to 100,000,000 fen.
    #[schema(minimum = 1, maximum = 100_000_000)]
    pub max_principal_fen: i64,
    #[schema(minimum = 1, maximum = 120)]
    pub max_term_months: u32,
    #[schema(minimum = 16, maximum = 100)]
    pub min_borrower_age: i32,
    #[schema(minimum = 16, maximum = 100)]
    pub max_borrower_age: i32,
    /// The treasury's share of the interest, 0 to 10,000 basis points.
    #[schema(minimum = 0, maximum = 10_000)]
    pub interest_subsidy_share_bp: i64,
    /// The document the version rests on.
    #[validate(length(min = 2, max = 500))]
    #[schema(min_length = 2, max_length = 500)]
    pub basis: String,
}

impl RecordLoanPolicy {
    pub fn policy(&self) -> LoanPolicy {
        LoanPolicy {
            max_principal_fen: self.max_principal_fen,
            max_term_months: self.max_term_months,
            min_borrower_age: self.min_borrower_age,
            max_borrower_age: self.max_borrower_age,
            interest_subsidy_share_bp: self.interest_subsidy_share_bp,
        }
    }
}

/// One version of the microloan policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoanPolicyVersion {
    pub id: String,
    pub effective_from: NaiveDate,
    pub max_principal_fen: i64,
    pub max_term_months: i32,
    pub min_borrower_age: i32,
    pub max_borrower_age: i32,
    pub interest_subsidy_share_bp: i32,
    pub basis: String,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<LoanPolicyRow> for LoanPolicyVersion {
    fn from(row: LoanPolicyRow) -> Self {
        LoanPolicyVersion {
            id: row.id,
            effective_from: row.effective_from,
            max_principal_fen: row.max_principal_fen,
            max_term_months: row.max_term_months,
            min_borrower_age: row.min_borrower_age,
            max_borrower_age: row.max_borrower_age,
            interest_subsidy_share_bp: row.interest_subsidy_share_bp,
            basis: row.basis,
            recorded_by: row.recorded_by,
            created_at: utc(row.created_at),
        }
    }
}

page_of!(LoanPolicyPage, LoanPolicyVersion);
