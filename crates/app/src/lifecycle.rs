//! Steps of a household's life. Each checks the state machine, writes the new state under the
//! household's version, and records a dated, attributed event with its evidence.

use chrono::{Datelike, NaiveDate};
use fupin_domain::household::HouseholdStatus;
use fupin_domain::lifecycle::{
    next_state_for, notice_ends_on, ExitStage, LifecycleEvent, LifecycleState, StepDateBounds,
    StepDateRefused, TransitionRefused, Unchecked,
};
use fupin_persistence::households::{self, HouseholdRow, LifecycleChange, MonitoringChange};
use fupin_persistence::status_events::{self, DocumentRef, StatusEventRow};
use fupin_persistence::DbConn;
use serde_json::json;

use super::context::{Context, Disclosure};
use super::households::not_found_as_household;
use super::new_id;
use crate::error::{AppError, Kind, Text};
use crate::models::households::Household;
use crate::models::lifecycle::{FlagMonitoring, StatusEvent};
use crate::models::stored;

/// What a step says besides its event.
pub struct StepDetails {
    pub occurred_on: NaiveDate,
    pub reason: Option<String>,
    pub reference: Option<String>,
    pub evidence: Option<serde_json::Value>,
    /// For an event recorded as history: its document and what was not checked.
    pub history: Option<HistoryRecord>,
}

/// What marks a step as history in its record.
pub struct HistoryRecord {
    pub document: DocumentRef,
    pub unchecked: Vec<Unchecked>,
}

/// A request that records one step of a household's life, with the date of the meeting or
/// document the step rests on.
pub trait StepRequest {
    const EVENT: LifecycleEvent;
    /// The body's field that holds that date, named in a refusal of it.
    const DATE_FIELD: &'static str;
    fn details(self) -> StepDetails;
}

/// Records the step `request` asks for.
pub fn record<R: StepRequest>(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    request: R,
) -> Result<Household, AppError> {
    step(
        conn,
        ctx,
        id,
        R::EVENT,
        R::DATE_FIELD,
        request.details(),
        None,
    )
}

pub(crate) fn load(conn: &mut DbConn, ctx: &Context, id: &str) -> Result<HouseholdRow, AppError> {
    households::find(conn, &ctx.scope(), id).map_err(|e| not_found_as_household(e.into()))
}

/// What bounds the dates of the household's next step.
pub(crate) fn step_date_bounds(
    conn: &mut DbConn,
    ctx: &Context,
    row: &HouseholdRow,
) -> Result<StepDateBounds, AppError> {
    Ok(StepDateBounds {
        today: ctx.today,
        previous_step_on: status_events::latest_occurred_on(conn, &row.id)?,
        registered_on: row.created_at.date(),
        identified_year: row.identified_year,
    })
}

/// A step date refused, as a 422 on the body's field that carried it.
pub(crate) fn date_refused(field: &str, refused: StepDateRefused) -> AppError {
    let zh = match refused {
        StepDateRefused::InTheFuture => "日期不能晚于今天".to_owned(),
        StepDateRefused::BeforeThePreviousStep(on) => format!("日期不能早于上一步骤（{on}）"),
        StepDateRefused::BeforeRegistration(on) => {
            format!("日期不能早于该户在本系统登记之日（{on}）；此前的事项请按历史补录")
        }
        StepDateRefused::BeforeIdentification(year) => format!("日期不能早于识别年份 {year}"),
        StepDateRefused::NotBeforeRegistration(on) => {
            format!("历史补录仅限该户在本系统登记（{on}）之前的事项")
        }
    };
    AppError::invalid_field(field, "out_of_range", Text::new(refused.to_string(), zh))
}

fn not_in_future(date: NaiveDate, field: &str, ctx: &Context) -> Result<(), AppError> {
    if date > ctx.today {
        return Err(AppError::invalid_field(
            field,
            "out_of_range",
            Text::new("the date cannot be in the future", "日期不能晚于今天"),
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn record_event(
    conn: &mut DbConn,
    ctx: &Context,
    row: &HouseholdRow,
    event: &str,
    from: (&str, &str),
    to: (&str, &str),
    details: &StepDetails,
) -> Result<StatusEvent, AppError> {
    let event_row = StatusEventRow {
        id: new_id(),
        household_id: row.id.clone(),
        county_code: row.county_code.clone(),
        region_code: row.region_code.clone(),
        event: event.to_owned(),
        from_status: from.0.to_owned(),
        from_stage: from.1.to_owned(),
        to_status: to.0.to_owned(),
        to_stage: to.1.to_owned(),
        occurred_on: details.occurred_on,
        reason: details.reason.clone(),
        reference: details.reference.clone(),
        evidence_json: details.evidence.as_ref().map(|e| e.to_string()),
        actor_id: ctx.caller.subject.clone(),
        actor_name: ctx.caller.name.clone(),
        role: ctx.caller.role.as_str().to_owned(),
        request_id: ctx.caller.request_id.clone(),
        created_at: ctx.now,
        historical: details.history.is_some(),
        document_json: details
            .history
            .as_ref()
            .and_then(|h| status_events::as_json(&h.document)),
        unchecked_json: details
            .history
            .as_ref()
            .and_then(|h| status_events::as_json(&h.unchecked)),
    };
    status_events::insert(conn, &event_row)?;
    Ok(StatusEvent::from(event_row))
}

/// Takes a lifecycle step. `field` names the date field for errors; `approve` carries the exit
/// year and the notice length when the step is an approval.
pub fn step(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    event: LifecycleEvent,
    date_field: &str,
    details: StepDetails,
    exit_year: Option<i32>,
) -> Result<Household, AppError> {
    let row = load(conn, ctx, id)?;
    step_date_bounds(conn, ctx, &row)?
        .check_live(details.occurred_on)
        .map_err(|refused| date_refused(date_field, refused))?;
    let state = state_of(&row)?;
    let next = next_state_for(stored(&row.kind)?, state, event).map_err(transition_refused)?;
    write_step(conn, ctx, row, event, (state, next), details, exit_year)
}

pub(crate) fn state_of(row: &HouseholdRow) -> Result<LifecycleState, AppError> {
    Ok(LifecycleState {
        status: stored(&row.status)?,
        stage: stored(&row.exit_stage)?,
    })
}

/// A 409 naming the steps the household's state allows.
pub(crate) fn transition_refused(refused: TransitionRefused) -> AppError {
    let allowed: Vec<&str> = refused.allowed.iter().map(|e| e.as_str()).collect();
    AppError::new(Kind::StateConflict)
        .with_detail(
            format!(
                "{refused}; allowed next steps: {}",
                if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed.join(", ")
                }
            ),
            format!("当前状态不允许“{}”", refused.event.chinese()),
        )
        .with_extension("allowed_next_steps", json!(allowed))
}

/// Writes a step the state machine allowed: the household's new state under its version, the
/// step's record, and the audit entry (`record_history` for history, else the step's name).
pub(crate) fn write_step(
    conn: &mut DbConn,
    ctx: &Context,
    row: HouseholdRow,
    event: LifecycleEvent,
    (state, next): (LifecycleState, LifecycleState),
    details: StepDetails,
    exit_year: Option<i32>,
) -> Result<Household, AppError> {
    let id = row.id.as_str();
    let before = Household::from_row(row.clone(), &ctx.keys, Disclosure::Masked)?;
    let historical = details.history.is_some();
    let change = LifecycleChange {
        exit_recorded_as_history: match event {
            LifecycleEvent::ApproveExit => historical,
            LifecycleEvent::ReturnToPoverty => false,
            _ => row.exit_recorded_as_history,
        },
        status: next.status.as_str().to_owned(),
        exit_stage: next.stage.as_str().to_owned(),
        exit_year: match event {
            LifecycleEvent::ApproveExit => exit_year,
            _ => row.exit_year,
        },
        // The notice runs from the day the server recorded its start, whatever date the
        // notice document carries: a backdated notice cannot shorten it.
        notice_started_on: match (event, next.stage) {
            (LifecycleEvent::StartNotice, _) => Some(ctx.today),
            (_, ExitStage::Noticed) => row.notice_started_on,
            _ => None,
        },
    };
    households::apply_lifecycle(conn, id, row.version, &change, ctx.now)?;
    record_event(
        conn,
        ctx,
        &row,
        event.as_str(),
        (state.status.as_str(), state.stage.as_str()),
        (next.status.as_str(), next.stage.as_str()),
        &details,
    )?;
    let after = Household::from_row(load(conn, ctx, id)?, &ctx.keys, Disclosure::Masked)?;
    ctx.audit(
        conn,
        if historical {
            "record_history"
        } else {
            event.as_str()
        },
        ("household", id),
        Some(&after.region_code),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Approval: the notice must have run its days and the exit evaluation must pass now.
pub fn approve(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    approved_on: NaiveDate,
    exit_year: i32,
    notice_days: u64,
) -> Result<Household, AppError> {
    let row = load(conn, ctx, id)?;
    if exit_year < row.identified_year || exit_year > ctx.today.year() {
        return Err(AppError::invalid_field(
            "exit_year",
            "out_of_range",
            Text::new(
                format!(
                    "the exit year is between the identification year {} and this year",
                    row.identified_year
                ),
                format!("退出年份应在识别年份 {} 与今年之间", row.identified_year),
            ),
        ));
    }
    if row.exit_stage == ExitStage::Noticed.as_str() {
        if let Some(started) = row.notice_started_on {
            let ends = notice_ends_on(started, notice_days);
            if ctx.today < ends || approved_on < ends {
                return Err(AppError::new(Kind::StateConflict)
                    .with_detail(
                        format!("The public notice started on {started} runs {notice_days} days: approval is possible from {ends}"),
                        format!("公示自 {started} 起需满 {notice_days} 天，{ends} 起方可批准"),
                    )
                    .with_extension("notice_ends_on", json!(ends)));
            }
        }
        let evaluation = super::assessments::evaluate_exit(conn, ctx, id, exit_year)?;
        if !evaluation.eligible {
            let evidence = serde_json::to_value(&evaluation).unwrap_or_default();
            return Err(AppError::new(Kind::StateConflict)
                .with_detail(
                    format!("The exit evaluation for {exit_year} does not pass: see `evaluation`"),
                    format!("{exit_year} 年退出评估未通过"),
                )
                .with_extension("evaluation", evidence));
        }
        let evidence = serde_json::to_value(&evaluation).ok();
        return step(
            conn,
            ctx,
            id,
            LifecycleEvent::ApproveExit,
            "approved_on",
            StepDetails {
                occurred_on: approved_on,
                reason: None,
                reference: None,
                evidence,
                history: None,
            },
            Some(exit_year),
        );
    }
    // Not at the notice stage: the state machine refuses with the allowed steps.
    step(
        conn,
        ctx,
        id,
        LifecycleEvent::ApproveExit,
        "approved_on",
        StepDetails {
            occurred_on: approved_on,
            reason: None,
            reference: None,
            evidence: None,
            history: None,
        },
        Some(exit_year),
    )
}

/// Flags (or, with `None`, clears) the household's monitoring.
pub fn set_monitoring(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    flag: Option<FlagMonitoring>,
    cleared: Option<(NaiveDate, String)>,
) -> Result<Household, AppError> {
    let row = load(conn, ctx, id)?;
    if row.status == HouseholdStatus::Removed.as_str() {
        return Err(AppError::new(Kind::StateConflict)
            .with_detail("The household was removed", "该户已剔除"));
    }
    let before = Household::from_row(row.clone(), &ctx.keys, Disclosure::Masked)?;
    let (change, event, details) = match (flag, cleared) {
        (Some(flag), _) => {
            not_in_future(flag.identified_on, "identified_on", ctx)?;
            (
                MonitoringChange {
                    monitoring_kind: Some(flag.kind.as_str().to_owned()),
                    monitoring_risk: Some(flag.risk.trim().to_owned()),
                    monitoring_since: Some(flag.identified_on),
                },
                "flag_monitoring",
                StepDetails {
                    occurred_on: flag.identified_on,
                    reason: Some(flag.risk),
                    reference: Some(flag.kind.as_str().to_owned()),
                    evidence: None,
                    history: None,
                },
            )
        }
        (None, Some((cleared_on, reason))) => {
            not_in_future(cleared_on, "cleared_on", ctx)?;
            if row.monitoring_kind.is_none() {
                return Err(AppError::new(Kind::StateConflict)
                    .with_detail("The household is not monitored", "该户不是监测户"));
            }
            (
                MonitoringChange {
                    monitoring_kind: None,
                    monitoring_risk: None,
                    monitoring_since: None,
                },
                "clear_monitoring",
                StepDetails {
                    occurred_on: cleared_on,
                    reason: Some(reason),
                    reference: None,
                    evidence: None,
                    history: None,
                },
            )
        }
        (None, None) => return Err(AppError::internal()),
    };
    households::apply_monitoring(conn, id, row.version, &change, ctx.now)?;
    let state = (row.status.as_str(), row.exit_stage.as_str());
    record_event(conn, ctx, &row, event, state, state, &details)?;
    let after = Household::from_row(load(conn, ctx, id)?, &ctx.keys, Disclosure::Masked)?;
    ctx.audit(
        conn,
        event,
        ("household", id),
        Some(&after.region_code),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

pub fn history(conn: &mut DbConn, ctx: &Context, id: &str) -> Result<Vec<StatusEvent>, AppError> {
    load(conn, ctx, id)?;
    Ok(status_events::for_household(conn, &ctx.scope(), id)?
        .into_iter()
        .map(StatusEvent::from)
        .collect())
}
