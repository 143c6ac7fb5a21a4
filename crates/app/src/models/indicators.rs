//! Bodies of the indicator map (挂图作战).

use chrono::{DateTime, Utc};
use fupin_domain::indicator::{Colour, Direction};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// An indicator with the thresholds in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct Indicator {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub description: String,
    /// `bp`: basis points, 10000 = 100%.
    pub unit: String,
    pub direction: Direction,
    /// At or beyond this (in the indicator's direction) a value is green.
    pub green: i64,
    /// At or beyond this a value is yellow; otherwise red.
    pub yellow: i64,
    /// 0 while the built-in defaults apply; the `ETag` of the thresholds.
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// New thresholds for an indicator (its direction is fixed).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetThresholds {
    /// In the indicator's unit (for `bp`, 0 to 10,000; checked per indicator).
    #[validate(range(min = -1_000_000_000_000i64, max = 1_000_000_000_000i64))]
    #[schema(minimum = -1_000_000_000_000i64, maximum = 1_000_000_000_000i64)]
    pub green: i64,
    #[validate(range(min = -1_000_000_000_000i64, max = 1_000_000_000_000i64))]
    #[schema(minimum = -1_000_000_000_000i64, maximum = 1_000_000_000_000i64)]
    pub yellow: i64,
}

/// `?indicator=&level=&region=` of the map.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MapParams {
    /// An indicator id of `GET /api/v1/indicators`.
    #[param(format = "indicator")]
    pub indicator: String,
    /// `town` or `village` (default `village`).
    #[param(format = "rollup-level")]
    pub level: Option<String>,
    #[param(format = "region-code")]
    pub region: Option<String>,
}

/// One region on the map.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MapCell {
    pub region_code: String,
    pub name: String,
    /// The value in the indicator's unit; `null` when there is nothing to measure.
    pub value: Option<i64>,
    /// `green`, `yellow` or `red`; `null` with no value.
    pub colour: Option<Colour>,
    /// What the value is the share of: e.g. households meeting 两不愁三保障 …
    pub numerator: i64,
    /// … of active households.
    pub denominator: i64,
}

/// Every town or village of the region coloured for one indicator, and the region itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorMap {
    pub indicator: Indicator,
    pub level: String,
    pub cells: Vec<MapCell>,
    pub overall: MapCell,
}

/// `?indicator=` of a drill-down.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DrillParams {
    #[param(format = "indicator")]
    pub indicator: String,
}

/// A household behind a region's value: one that does not count towards it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrillHousehold {
    pub id: String,
    pub household_number: String,
    pub head_name: String,
    pub region_code: String,
    pub status: String,
    /// Why it holds the value down, e.g. `no_passing_assessment`, `not_exited`,
    /// `data_quality_errors`, `overdue_loan`.
    pub reason: String,
}

/// The households behind a region's value for an indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrillDown {
    pub indicator: String,
    pub region_code: String,
    pub cell: MapCell,
    pub households: Vec<DrillHousehold>,
}
