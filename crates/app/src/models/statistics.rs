//! Bodies of the statistics: one set of figures per region, summable.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// `?region=&year=` of the summary.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SummaryParams {
    /// This region and everything under it (12-digit code); default: your whole scope.
    #[param(format = "region-code")]
    pub region: Option<String>,
    /// Limits money flows (subsidies paid, dividends, rent, loans disbursed) to this year and
    /// computes loan standing at its end (or today, for the current year); exits up to it.
    #[param(minimum = 2014, maximum = 2100)]
    #[validate(range(min = 2014, max = 2100))]
    pub year: Option<i32>,
}

/// `?region=&level=&year=` of the figures per region.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ByRegionParams {
    #[param(format = "region-code")]
    pub region: Option<String>,
    /// `town` or `village` (default `village`).
    #[param(format = "rollup-level")]
    pub level: Option<String>,
    #[param(minimum = 2014, maximum = 2100)]
    #[validate(range(min = 2014, max = 2100))]
    pub year: Option<i32>,
}

/// Households by their registry fields (current state). `by_status` covers every household;
/// the other breakdowns cover the active ones (all but `removed`), as the household list does
/// when it is not filtered by status, so each count equals that list's length with the filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct HouseholdFigures {
    /// Every household, removed ones included.
    pub total: i64,
    /// Households not removed.
    pub active: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_kind: BTreeMap<String, i64>,
    pub by_attribute: BTreeMap<String, i64>,
    pub by_main_cause: BTreeMap<String, i64>,
    /// Households under monitoring, by monitoring kind.
    pub by_monitoring_kind: BTreeMap<String, i64>,
}

/// Current members, by their household's status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct PersonFigures {
    pub total: i64,
    pub by_status: BTreeMap<String, i64>,
}

/// Current members in compulsory education (primary, junior secondary) and their households.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct StudentFigures {
    pub students: i64,
    pub households: i64,
}

/// Microloans disbursed (in the year, if one is given) and their standing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct LoanFigures {
    pub count: i64,
    pub principal_fen: i64,
    /// Principal still owed on loans not written off.
    pub outstanding_principal_fen: i64,
    /// Loans with a payment unpaid past its due date.
    pub overdue_count: i64,
    pub overdue_outstanding_principal_fen: i64,
    pub written_off_count: i64,
}

/// Subsidies of one category: net entries (a reversal cancels its entry), person-times (entries
/// paid to a named member), net amount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct SubsidyFigures {
    pub entries: i64,
    pub person_times: i64,
    pub amount_fen: i64,
}

/// Households and persons that exited in a year; of them, those whose exit was recorded as
/// history (decided on paper before the registry), so the figures can be read with and without
/// history: the live procedure's exits are `households - recorded_as_history.households`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ExitFigures {
    pub households: i64,
    pub persons: i64,
    pub recorded_as_history: ExitCount,
}

/// A count of exits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ExitCount {
    pub households: i64,
    pub persons: i64,
}

/// Every figure of a region; a region's figures are the sum of its villages'.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    pub households: HouseholdFigures,
    pub persons: PersonFigures,
    pub students_in_compulsory_education: StudentFigures,
    pub loans: LoanFigures,
    /// By category.
    pub subsidies: BTreeMap<String, SubsidyFigures>,
    pub dividends_paid_fen: i64,
    pub land_rent_paid_fen: i64,
    /// By exit year.
    pub exits_by_year: BTreeMap<String, ExitFigures>,
}

/// The figures of one region and what lies under it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    /// The region summed up; `null` for a caller's whole scope when it spans the registry.
    pub region_code: Option<String>,
    pub year: Option<i32>,
    /// The day loan standing is computed for.
    pub as_of: NaiveDate,
    pub figures: Figures,
}

/// One region's row of the figures per region.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionRow {
    pub region_code: String,
    pub name: String,
    pub figures: Figures,
}

/// The figures of every town or village in the region, and their total.
#[derive(Debug, Serialize, ToSchema)]
pub struct ByRegion {
    pub level: String,
    pub year: Option<i32>,
    pub as_of: NaiveDate,
    pub rows: Vec<RegionRow>,
    /// The sum of the rows; equal to the summary of the same region.
    pub total: Figures,
}
