//! The household's money, in one list.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

/// One movement of money to or from the household.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerLine {
    pub date: NaiveDate,
    /// `subsidy`, `loan_disbursement`, `loan_repayment`, `dividend` or `land_rent`.
    pub kind: String,
    /// Positive to the household, negative from it (repayments, subsidy reversals).
    pub amount_fen: i64,
    pub description: String,
    /// Running total of this kind, up to and including this line.
    pub running_total_fen: i64,
}

/// A year's money by income kind, as the income record can take it.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct YearTotals {
    /// Subsidies received (转移性收入).
    pub transfer_fen: i64,
    /// Dividends and land rent received (财产性收入).
    pub property_fen: i64,
}

/// Every subsidy, loan movement and dividend of a household in date order, with running
/// totals per kind and the year's totals by income kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdLedger {
    pub household_id: String,
    pub lines: Vec<LedgerLine>,
    /// By year (`"2019"`, ...).
    #[schema(value_type = BTreeMap<String, YearTotals>)]
    pub years: BTreeMap<i32, YearTotals>,
}
