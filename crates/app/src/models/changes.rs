//! Bodies of the change feed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `?after=&limit=&entity=` of the change feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangeFeedParams {
    /// The `next_cursor` of your previous call; without it the feed starts at the beginning.
    #[param(format = "cursor")]
    pub after: Option<String>,
    /// Changes per call, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
    /// Only this kind of record: `household`, `member`, `loan`, `subsidy`, `income`, …
    pub entity: Option<String>,
}

/// One change to one record.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// Position in the feed (commit order); strictly increasing.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// The kind of record: `household`, `member`, `loan`, …
    pub entity: String,
    pub id: String,
    /// `create`, `update`, `state_change` or `removal`.
    pub change: String,
    /// What was done, as named in the audit trail (`register_household`, `approve_loan`, …).
    pub action: String,
    /// The record's version after the change, for records that have one.
    pub version: Option<i64>,
    /// An event recorded as history (`record_history`): it happened before the household was
    /// registered here.
    pub historical: bool,
    pub region_code: Option<String>,
}

/// Changes in commit order and where to resume.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeFeed {
    pub items: Vec<Change>,
    /// Pass as `after` next time. Always present: on an empty answer it is where you already
    /// were, so polling with it never skips or repeats a change.
    pub next_cursor: String,
    /// True when more changes are waiting right now.
    pub has_more: bool,
}
