//! Bodies of data-quality runs, findings and scores.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use fupin_persistence::quality::FindingRow;

use super::utc;
use crate::pagination::page_of;

/// What a run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    /// Every active household in your scope.
    Full,
    /// Only households changed (themselves, their members, money or assessments) since the
    /// previous run started; a full run when there was none.
    Changed,
}

/// Starts a run over your scope.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    #[serde(default = "full")]
    pub mode: RunMode,
    /// The year rules about a year look at (minimum allowance paid); default: this year.
    #[schema(minimum = 2014, maximum = 2100)]
    #[validate(range(min = 2014, max = 2100))]
    pub year: Option<i32>,
}

fn full() -> RunMode {
    RunMode::Full
}

/// A recorded run and the findings standing in its scope when it finished.
#[derive(Debug, Serialize, ToSchema)]
pub struct Run {
    pub id: String,
    pub mode: RunMode,
    /// The region the run covered; `null` for the whole registry.
    pub scope_code: Option<String>,
    pub year: i32,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub households_checked: i64,
    /// Error findings standing in the scope after the run.
    pub errors: i64,
    pub warnings: i64,
    pub run_by: String,
}

page_of!(RunPage, Run);

/// One rule of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualityRule {
    pub id: String,
    /// `error` or `warning`.
    pub severity: String,
    pub name_zh: String,
    pub name_en: String,
    pub description: String,
}

/// Something wrong with a record, as the latest run that checked its household found it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Finding {
    pub id: String,
    pub rule: String,
    pub severity: String,
    pub household_id: String,
    pub region_code: String,
    /// `household`, `member`, `loan`, `subsidy` or `dividend`.
    pub entity_type: String,
    pub entity_id: String,
    /// What is wrong, in English and in Chinese.
    pub message_en: String,
    pub message_zh: String,
    pub run_id: String,
    pub found_at: DateTime<Utc>,
}

page_of!(FindingPage, Finding);

/// `?region=&rule=&severity=&household_id=` of the findings.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingListParams {
    #[param(format = "region-code")]
    pub region: Option<String>,
    /// A rule id of `GET /api/v1/data-quality/rules`.
    #[param(format = "quality-rule")]
    pub rule: Option<String>,
    /// `error` or `warning`.
    #[param(format = "quality-severity")]
    pub severity: Option<String>,
    pub household_id: Option<String>,
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
    #[param(format = "cursor")]
    pub cursor: Option<String>,
}

/// `?level=&region=` of the scores.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScoreParams {
    /// `town` or `village` (default `village`).
    #[param(format = "rollup-level")]
    pub level: Option<String>,
    #[param(format = "region-code")]
    pub region: Option<String>,
}

/// A region's data quality: households checked, those with an error finding, the share
/// passing in basis points (10000 = all pass; `null` when nothing was checked) and its rank.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Score {
    pub region_code: String,
    pub name: String,
    pub records_checked: i64,
    pub records_with_errors: i64,
    pub score_bp: Option<i64>,
    /// 1 is best; equal scores share a rank; unranked when nothing was checked.
    pub rank: Option<i64>,
}

/// Scores of every town or village in the region, ranked, and the region's own.
#[derive(Debug, Serialize, ToSchema)]
pub struct Scores {
    pub level: String,
    pub rows: Vec<Score>,
    /// The region asked for (or your scope) as a whole.
    pub overall: Score,
}

impl From<FindingRow> for Finding {
    fn from(row: FindingRow) -> Finding {
        Finding {
            id: row.id,
            rule: row.rule,
            severity: row.severity,
            household_id: row.household_id,
            region_code: row.region_code,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            message_en: row.message_en,
            message_zh: row.message_zh,
            run_id: row.run_id,
            found_at: utc(row.found_at),
        }
    }
}
