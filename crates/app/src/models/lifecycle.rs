//! Bodies of the exit procedure, return to poverty, removal, monitoring and the history.

use chrono::{DateTime, NaiveDate, Utc};
use fupin_domain::household::PovertyCause;
use fupin_domain::lifecycle::{LifecycleEvent, MonitoringKind, RemovalKind};
use fupin_persistence::status_events::StatusEventRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::utc;
use crate::lifecycle::{StepDetails, StepRequest};
use crate::pagination::page_of;

/// The village's democratic review (民主评议) proposes the household's exit.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"village_review_on": "2019-10-20", "minutes_reference": "东樊村2019-07号评议会议纪要"}))]
pub struct ProposeExit {
    pub village_review_on: NaiveDate,
    /// Where the minutes of the review are filed.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub minutes_reference: String,
}

/// The town or subdistrict verified the proposal.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyExit {
    pub verified_on: NaiveDate,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The public notice (公示) of the exit started.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartNotice {
    pub notice_started_on: NaiveDate,
}

/// The district approves the exit: refused unless the notice has run its days and the exit
/// evaluation of `exit_year` passes at this moment.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveExit {
    pub approved_on: NaiveDate,
    #[validate(range(min = 2014, max = 2100))]
    #[schema(minimum = 2014, maximum = 2100)]
    pub exit_year: i32,
}

/// Sends the procedure back to its start, with the reason.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectExit {
    pub rejected_on: NaiveDate,
    #[validate(length(min = 2, max = 500))]
    #[schema(min_length = 2, max_length = 500)]
    pub reason: String,
}

/// An exited household fell back into poverty (返贫).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnToPoverty {
    pub returned_on: NaiveDate,
    pub cause: PovertyCause,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The household leaves the registry; its record stays.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveHousehold {
    pub removed_on: NaiveDate,
    pub kind: RemovalKind,
    #[validate(length(min = 2, max = 500))]
    #[schema(min_length = 2, max_length = 500)]
    pub reason: String,
}

/// Flags the household for monitoring (防止返贫监测).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagMonitoring {
    pub kind: MonitoringKind,
    #[validate(length(min = 2, max = 500))]
    #[schema(min_length = 2, max_length = 500)]
    pub risk: String,
    pub identified_on: NaiveDate,
}

/// The risk was eliminated (e.g. income stably above the monitoring line, 两不愁三保障 holding).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearMonitoring {
    pub cleared_on: NaiveDate,
    #[validate(length(min = 2, max = 500))]
    #[schema(min_length = 2, max_length = 500)]
    pub reason: String,
}

/// One step of a household's life.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusEvent {
    pub id: String,
    /// A lifecycle event (`propose_exit`, ..., `remove`), `flag_monitoring` or `clear_monitoring`.
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub from_stage: String,
    pub to_stage: String,
    pub occurred_on: NaiveDate,
    pub reason: Option<String>,
    /// E.g. the minutes of the village review.
    pub reference: Option<String>,
    /// The evidence the step was taken on (for approval: the exit evaluation).
    #[schema(value_type = Option<Object>)]
    pub evidence: Option<serde_json::Value>,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    pub request_id: Option<String>,
    /// When the server recorded the step; `occurred_on` is the date of the meeting or document
    /// it records, never before the previous step, the household's registration here or its
    /// identification year, and never in the future.
    pub created_at: DateTime<Utc>,
}

impl From<StatusEventRow> for StatusEvent {
    fn from(row: StatusEventRow) -> Self {
        StatusEvent {
            id: row.id,
            event: row.event,
            from_status: row.from_status,
            to_status: row.to_status,
            from_stage: row.from_stage,
            to_stage: row.to_stage,
            occurred_on: row.occurred_on,
            reason: row.reason,
            reference: row.reference,
            evidence: row
                .evidence_json
                .and_then(|text| serde_json::from_str(&text).ok()),
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            role: row.role,
            request_id: row.request_id,
            created_at: utc(row.created_at),
        }
    }
}

page_of!(HistoryPage, StatusEvent);

/// Declares which step a request records and what of it goes into the step's record.
macro_rules! records_step {
    ($request:ty, $event:ident, $date:ident, |$b:ident| reason: $reason:expr, reference: $reference:expr) => {
        impl StepRequest for $request {
            const EVENT: LifecycleEvent = LifecycleEvent::$event;
            const DATE_FIELD: &'static str = stringify!($date);
            fn details(self) -> StepDetails {
                let $b = self;
                StepDetails {
                    occurred_on: $b.$date,
                    reason: $reason,
                    reference: $reference,
                    evidence: None,
                }
            }
        }
    };
}

records_step!(ProposeExit, ProposeExit, village_review_on,
    |b| reason: None, reference: Some(b.minutes_reference));
records_step!(VerifyExit, VerifyExit, verified_on, |b| reason: b.note, reference: None);
records_step!(StartNotice, StartNotice, notice_started_on, |b| reason: None, reference: None);
records_step!(RejectExit, RejectExit, rejected_on, |b| reason: Some(b.reason), reference: None);
records_step!(ReturnToPoverty, ReturnToPoverty, returned_on,
    |b| reason: b.note, reference: Some(b.cause.as_str().to_owned()));
records_step!(RemoveHousehold, Remove, removed_on,
    |b| reason: Some(b.reason), reference: Some(b.kind.as_str().to_owned()));
