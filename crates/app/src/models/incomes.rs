//! Bodies of poverty lines and household incomes.

use chrono::{DateTime, NaiveDate, Utc};
use fupin_domain::income::{IncomeItems, LineComparison};
use fupin_persistence::incomes::{IncomeRow, PovertyLineRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::utc;
use crate::pagination::page_of;

/// A year's poverty line and monitoring line, yuan per person per year in fen.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2019, "poverty_line_fen": 321800, "monitoring_line_fen": 482700,
    "source": "National rural poverty standard at current prices", "version": 1,
    "created_at": "2026-11-29T00:00:00Z", "updated_at": "2026-11-29T00:00:00Z"}))]
pub struct PovertyLine {
    pub year: i32,
    pub poverty_line_fen: i64,
    pub monitoring_line_fen: i64,
    /// Where the figures come from.
    pub source: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PovertyLineRow> for PovertyLine {
    fn from(row: PovertyLineRow) -> Self {
        PovertyLine {
            year: row.year,
            poverty_line_fen: row.poverty_line_fen,
            monitoring_line_fen: row.monitoring_line_fen,
            source: row.source,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

page_of!(PovertyLinePage, PovertyLine);

/// A year's lines, set by an administrator.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"poverty_line_fen": 321800, "monitoring_line_fen": 482700, "source": "陕西省扶贫办 2019 年标准"}))]
pub struct SetPovertyLine {
    #[validate(range(min = 1, max = 10_000_000_000i64))]
    #[schema(minimum = 1, maximum = 10_000_000_000i64)]
    pub poverty_line_fen: i64,
    /// Not below the poverty line.
    #[validate(range(min = 1, max = 10_000_000_000i64))]
    #[schema(minimum = 1, maximum = 10_000_000_000i64)]
    pub monitoring_line_fen: i64,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub source: String,
}

/// A year's household income as recorded (a new version replaces the previous one).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"wage_fen": 3600000, "production_fen": 2800000, "property_fen": 130000,
    "transfer_fen": 420000, "production_cost_fen": 650000, "recorded_on": "2019-12-20", "note": "豆腐作坊收入"}))]
pub struct RecordIncome {
    /// 工资性收入
    #[validate(range(min = 0, max = 10_000_000_000i64))]
    #[schema(minimum = 0, maximum = 10_000_000_000i64)]
    pub wage_fen: i64,
    /// 生产经营性收入
    #[validate(range(min = 0, max = 10_000_000_000i64))]
    #[schema(minimum = 0, maximum = 10_000_000_000i64)]
    pub production_fen: i64,
    /// 财产性收入
    #[validate(range(min = 0, max = 10_000_000_000i64))]
    #[schema(minimum = 0, maximum = 10_000_000_000i64)]
    pub property_fen: i64,
    /// 转移性收入
    #[validate(range(min = 0, max = 10_000_000_000i64))]
    #[schema(minimum = 0, maximum = 10_000_000_000i64)]
    pub transfer_fen: i64,
    /// 生产经营性支出
    #[validate(range(min = 0, max = 10_000_000_000i64))]
    #[schema(minimum = 0, maximum = 10_000_000_000i64)]
    pub production_cost_fen: i64,
    /// The day the figures were collected: in or after the income year, not in the future.
    pub recorded_on: NaiveDate,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

impl RecordIncome {
    pub fn items(&self) -> IncomeItems {
        IncomeItems {
            wage_fen: self.wage_fen,
            production_fen: self.production_fen,
            property_fen: self.property_fen,
            transfer_fen: self.transfer_fen,
            production_cost_fen: self.production_cost_fen,
        }
    }
}

/// The figures a record leads to, shown with what they were computed from.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncomeComputation {
    /// Income items less production costs.
    pub net_income_fen: i64,
    /// Members counted on `recorded_on`: born by then and not yet left.
    pub household_size: i64,
    /// Net income / household size, rounded to the fen.
    pub per_capita_net_income_fen: i64,
    /// The year's line in use: the one the district records, else the national standard where
    /// it was published exactly; `null` when the year has neither (recording needs no line).
    pub poverty_line_fen: Option<i64>,
    /// `null` where the year's line is the national one (which has no monitoring line).
    pub monitoring_line_fen: Option<i64>,
    /// Where the line in use comes from.
    pub line_source: Option<String>,
    /// `null` unless both lines are known.
    pub comparison: Option<LineComparison>,
    /// Strictly above the line in use (the exit standard); `null` when there is no line.
    pub above_poverty_line: Option<bool>,
}

/// The national rural poverty standard of a year, at that year's prices, with its source.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationalPovertyLine {
    pub year: i32,
    pub line_fen: i64,
    /// False where only a rounded figure was published (2020: about 4,000 yuan): such a figure
    /// is never used to judge an exit; the district records the line it applies.
    pub exact: bool,
    pub source: String,
}

impl From<fupin_persistence::incomes::NationalLineRow> for NationalPovertyLine {
    fn from(row: fupin_persistence::incomes::NationalLineRow) -> Self {
        NationalPovertyLine {
            year: row.year,
            line_fen: row.line_fen,
            exact: row.exact,
            source: row.source,
        }
    }
}

page_of!(NationalPovertyLinePage, NationalPovertyLine);

/// One version of a household's income for a year, with its computation.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncomeRecord {
    pub id: String,
    pub household_id: String,
    pub year: i32,
    /// 1 for the first record of the year; each correction adds one. The `ETag`.
    pub version: i64,
    pub wage_fen: i64,
    pub production_fen: i64,
    pub property_fen: i64,
    pub transfer_fen: i64,
    pub production_cost_fen: i64,
    pub recorded_on: NaiveDate,
    /// Who recorded this version.
    pub recorded_by: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub computation: IncomeComputation,
}

impl IncomeRecord {
    pub fn new(row: IncomeRow, computation: IncomeComputation) -> Self {
        IncomeRecord {
            id: row.id,
            household_id: row.household_id,
            year: row.year,
            version: row.version,
            wage_fen: row.wage_fen,
            production_fen: row.production_fen,
            property_fen: row.property_fen,
            transfer_fen: row.transfer_fen,
            production_cost_fen: row.production_cost_fen,
            recorded_on: row.recorded_on,
            recorded_by: row.recorded_by,
            note: row.note,
            created_at: utc(row.created_at),
            computation,
        }
    }
}

page_of!(IncomePage, IncomeRecord);
