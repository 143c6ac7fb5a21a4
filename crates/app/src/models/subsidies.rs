//! Bodies of the subsidy ledger.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use fupin_domain::money::{InsuranceLayer, SubsidyCategory};
use fupin_persistence::subsidies::SubsidyRow;
use fupin_persistence::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::{stored, utc};
use crate::pagination::page_of;

/// A payment to a household (or one of its members).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"category": "health_reimbursement", "insurance_layer": "critical_illness",
    "member_id": null, "source": "高陵区医保局", "program": "一站式结算", "amount_fen": 235000,
    "paid_on": "2019-06-03", "reference": "YB-2019-000123"}))]
pub struct RecordSubsidy {
    pub category: SubsidyCategory,
    /// Required for `health_reimbursement`, absent otherwise.
    pub insurance_layer: Option<InsuranceLayer>,
    /// A current member of the household on the paid date, when the payment is to a person.
    pub member_id: Option<String>,
    /// Who paid (department, fund); with `reference`, unique.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub source: String,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub program: Option<String>,
    /// Positive, at most 100,000,000 yuan; corrections are reversals.
    #[schema(minimum = 1, maximum = 10_000_000_000i64)]
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    /// The payment's reference number at its source: the same one twice is refused.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub reference: String,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Cancels an entry by a reversing one of the opposite amount.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseSubsidy {
    pub reversed_on: NaiveDate,
    /// The reversal's own reference at the source.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub reference: String,
    #[validate(length(min = 2, max = 500))]
    #[schema(min_length = 2, max_length = 500)]
    pub reason: String,
}

/// One ledger entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubsidyEntry {
    pub id: String,
    pub household_id: String,
    pub region_code: String,
    pub member_id: Option<String>,
    pub category: SubsidyCategory,
    pub insurance_layer: Option<InsuranceLayer>,
    pub source: String,
    pub program: Option<String>,
    /// Negative for a reversal.
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub reference: String,
    /// For a reversal: the entry it reverses.
    pub reverses_id: Option<String>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<SubsidyRow> for SubsidyEntry {
    type Error = StoreError;
    fn try_from(row: SubsidyRow) -> Result<Self, StoreError> {
        Ok(SubsidyEntry {
            category: stored(&row.category)?,
            insurance_layer: row.insurance_layer.as_deref().map(stored).transpose()?,
            id: row.id,
            household_id: row.household_id,
            region_code: row.region_code,
            member_id: row.member_id,
            source: row.source,
            program: row.program,
            amount_fen: row.amount_fen,
            paid_on: row.paid_on,
            reference: row.reference,
            reverses_id: row.reverses_id,
            note: row.note,
            recorded_by: row.recorded_by,
            created_at: utc(row.created_at),
        })
    }
}

page_of!(SubsidyPage, SubsidyEntry);

/// Filters of the ledger and of its totals.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubsidyParams {
    pub household: Option<String>,
    /// This region and everything under it (12-digit code).
    #[param(format = "region-code")]
    pub region: Option<String>,
    pub category: Option<SubsidyCategory>,
    pub source: Option<String>,
    /// Entries paid in this year.
    pub year: Option<i32>,
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
    #[param(format = "cursor")]
    pub cursor: Option<String>,
}

/// Filters of the totals: the ledger's, without paging (the totals are one answer), so a stray
/// `limit` or `cursor` is refused rather than ignored.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubsidyTotalsParams {
    pub household: Option<String>,
    /// This region and everything under it (12-digit code).
    #[param(format = "region-code")]
    pub region: Option<String>,
    pub category: Option<SubsidyCategory>,
    pub source: Option<String>,
    /// Entries paid in this year.
    pub year: Option<i32>,
}

impl From<SubsidyParams> for SubsidyTotalsParams {
    fn from(p: SubsidyParams) -> Self {
        Self {
            household: p.household,
            region: p.region,
            category: p.category,
            source: p.source,
            year: p.year,
        }
    }
}

/// Net totals (reversals included) per year and category.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubsidyTotals {
    /// year → category → net amount in fen.
    #[schema(value_type = Object)]
    pub by_year: BTreeMap<i32, BTreeMap<String, i64>>,
    pub total_fen: i64,
}
