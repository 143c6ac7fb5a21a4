//! Events from before a household was registered here (补录): an exit decided on paper in 2016
//! is recorded as what it is, with its date, the document it rests on and a reason, marked as
//! history in the household's history, the change feed and the statistics. It takes none of the
//! live procedure's steps, and its record lists each check the registry could not make.

use chrono::Datelike;
use fupin_domain::lifecycle::{historical_next_state, HistoricalEvent, Unchecked};
use fupin_persistence::status_events::DocumentRef;
use fupin_persistence::DbConn;

use super::context::Context;
use super::lifecycle::{
    date_refused, load, state_of, step_date_bounds, transition_refused, write_step, HistoryRecord,
    StepDetails,
};
use crate::error::{AppError, Text};
use crate::models::households::Household;
use crate::models::lifecycle::RecordHistory;
use crate::models::stored;

/// Records one historical event of household `id`.
pub fn record(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    input: RecordHistory,
) -> Result<Household, AppError> {
    let row = load(conn, ctx, id)?;
    let state = state_of(&row)?;
    let next = historical_next_state(stored(&row.kind)?, state, input.event)
        .map_err(transition_refused)?;
    step_date_bounds(conn, ctx, &row)?
        .check_historical(input.occurred_on)
        .map_err(|refused| date_refused("occurred_on", refused))?;
    if input.document.issued_on > ctx.today {
        return Err(AppError::invalid_field(
            "document.issued_on",
            "out_of_range",
            Text::new(
                "the document's date cannot be in the future",
                "文件日期不能晚于今天",
            ),
        ));
    }
    let exit_year = match (input.event, input.exit_year) {
        (HistoricalEvent::Exit, None) => {
            return Err(AppError::invalid_field(
                "exit_year",
                "required",
                Text::new("an exit says the year it counts for", "退出须填写退出年份"),
            ))
        }
        (HistoricalEvent::Exit, Some(year))
            if year < row.identified_year || year > input.occurred_on.year() =>
        {
            return Err(AppError::invalid_field(
                "exit_year",
                "out_of_range",
                Text::new(
                    format!(
                        "the exit year is between the identification year {} and the year it was decided",
                        row.identified_year
                    ),
                    format!("退出年份应在识别年份 {} 与决定之年之间", row.identified_year),
                ),
            ))
        }
        (_, year) => year,
    };
    let mut unchecked = input.event.unchecked_steps();
    let evidence = match (input.event, exit_year) {
        (HistoricalEvent::Exit, Some(year)) => {
            let evaluation = super::assessments::evaluate_exit(conn, ctx, id, year)?;
            if !evaluation.eligible {
                let blockers: Vec<String> = evaluation
                    .blockers
                    .iter()
                    .map(|b| b.explanation.clone())
                    .chain(
                        evaluation
                            .criteria
                            .iter()
                            .filter(|c| !c.satisfied)
                            .map(|c| c.explanation.clone()),
                    )
                    .collect();
                unchecked.push(Unchecked {
                    check: "exit_evaluation".to_owned(),
                    explanation: format!(
                        "The registry's own evidence for {year} does not show the exit: {}",
                        blockers.join("; ")
                    ),
                });
            }
            serde_json::to_value(&evaluation).ok()
        }
        _ => None,
    };
    let reference = match input.event {
        HistoricalEvent::Exit => Some(input.document.number.trim().to_owned()),
        HistoricalEvent::ReturnToPoverty => input.cause.map(|c| c.as_str().to_owned()),
        HistoricalEvent::Remove => input.removal_kind.map(|k| k.as_str().to_owned()),
    };
    let details = StepDetails {
        occurred_on: input.occurred_on,
        reason: Some(input.reason.trim().to_owned()),
        reference,
        evidence,
        history: Some(HistoryRecord {
            document: DocumentRef {
                number: input.document.number.trim().to_owned(),
                issuer: input.document.issuer.trim().to_owned(),
                issued_on: input.document.issued_on,
            },
            unchecked,
        }),
    };
    write_step(
        conn,
        ctx,
        row,
        input.event.as_step(),
        (state, next),
        details,
        exit_year,
    )
}
