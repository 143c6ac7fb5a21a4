//! Bodies of the exit procedure, return to poverty, removal, monitoring and the history.

use chrono::{DateTime, NaiveDate, Utc};
use fupin_domain::household::PovertyCause;
use fupin_domain::lifecycle::{
    HistoricalEvent, LifecycleEvent, MonitoringKind, RemovalKind, Unchecked,
};
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

/// The document a historical event rests on: a decision, a list, minutes kept on paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"number": "高扶发〔2016〕27号", "issuer": "高陵区扶贫开发领导小组", "issued_on": "2016-12-20"}))]
pub struct HistoricalDocument {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub number: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub issuer: String,
    pub issued_on: NaiveDate,
}

/// An event from before the household was registered here (补录), recorded as history: it
/// carries its own date and the document it rests on, takes no live procedure, and its record
/// lists what the registry could not check.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"event": "exit", "occurred_on": "2016-12-20", "exit_year": 2016,
    "document": {"number": "高扶发〔2016〕27号", "issuer": "高陵区扶贫开发领导小组", "issued_on": "2016-12-20"},
    "reason": "2016年度脱贫户，据纸质档案补录"}))]
pub struct RecordHistory {
    pub event: HistoricalEvent,
    /// The day it was decided; before the household's registration here, not before its
    /// identification year nor its previous recorded event.
    pub occurred_on: NaiveDate,
    /// For an exit: the year it counts for, between the identification year and `occurred_on`'s.
    #[validate(range(min = 2014, max = 2100))]
    #[schema(minimum = 2014, maximum = 2100)]
    pub exit_year: Option<i32>,
    /// For a return to poverty: why.
    pub cause: Option<PovertyCause>,
    /// For a removal: which kind.
    pub removal_kind: Option<RemovalKind>,
    #[validate(nested)]
    pub document: HistoricalDocument,
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
    /// Recorded as history (补录): it happened before the household was registered here.
    pub historical: bool,
    /// For history, the document it rests on.
    pub document: Option<HistoricalDocument>,
    /// For history, what the registry could not check (empty for live steps).
    pub unchecked: Vec<Unchecked>,
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
            historical: row.historical,
            document: row
                .document_json
                .and_then(|text| serde_json::from_str(&text).ok()),
            unchecked: row
                .unchecked_json
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or_default(),
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
                    history: None,
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
