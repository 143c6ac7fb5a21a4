//! `/api/v1/households/{id}/exit/*`, `/return`, `/removal`, `/monitoring`, `/history`: the steps
//! of a household's life, each with its own permission.

use actix_web::http::header;
use actix_web::{get, post};
use actix_web::{web, HttpResponse};
use fupin_domain::lifecycle::LifecycleEvent;
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::DbPool;
use utoipa_actix_web::service_config::ServiceConfig;

use super::context;
use crate::auth::{
    Allowed, ApproveExit as MayApprove, ReadRegistry, VerifyExit as MayVerify, WriteRegistry,
};
use crate::extract::JsonBody;
use crate::problem::{Problem, ProblemBody};
use crate::{etag, ProcedureSettings};
use fupin_app::context::Context;
use fupin_app::lifecycle::{self as workflow, StepDetails};
use fupin_app::models::households::Household;
use fupin_app::models::lifecycle::{
    ApproveExit, ClearMonitoring, FlagMonitoring, HistoryPage, ProposeExit, RejectExit,
    RemoveHousehold, ReturnToPoverty, StartNotice, VerifyExit,
};
use fupin_app::run as db;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(propose_exit)
        .service(verify_exit)
        .service(start_notice)
        .service(approve_exit)
        .service(reject_exit)
        .service(return_to_poverty)
        .service(remove_household)
        .service(flag_monitoring)
        .service(clear_monitoring)
        .service(household_history);
}

fn answer(household: Household) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of_version(household.version)))
        .json(household)
}

async fn run_step(
    pool: &DbPool,
    ctx: Context,
    id: String,
    event: LifecycleEvent,
    date_field: &'static str,
    details: StepDetails,
) -> Result<HttpResponse, Problem> {
    let household = db::write(pool, move |conn| {
        workflow::step(conn, &ctx, &id, event, date_field, details, None)
    })
    .await?;
    Ok(answer(household))
}

/// Village review (民主评议) proposes the exit; the minutes are referenced.
#[utoipa::path(tag = "lifecycle", request_body = ProposeExit,
    params(("id" = String, Path, description = "Household id")),
    responses(
        (status = 200, description = "The household, exit stage `proposed`", body = Household),
        (status = 409, description = "Not allowed now; `allowed_next_steps` lists what is", body = ProblemBody,
            content_type = "application/problem+json"),
    ))]
#[post("/api/v1/households/{id}/exit/proposal")]
pub async fn propose_exit(
    caller: Allowed<WriteRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
    body: JsonBody<ProposeExit>,
) -> Result<HttpResponse, Problem> {
    let b = body.value;
    let details = StepDetails {
        occurred_on: b.village_review_on,
        reason: None,
        reference: Some(b.minutes_reference),
        evidence: None,
    };
    run_step(
        &pool,
        context(caller.caller, &keys),
        id.into_inner(),
        LifecycleEvent::ProposeExit,
        "village_review_on",
        details,
    )
    .await
}

/// The town or subdistrict verifies the proposal.
#[utoipa::path(tag = "lifecycle", request_body = VerifyExit,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The household, exit stage `verified`", body = Household)))]
#[post("/api/v1/households/{id}/exit/verification")]
pub async fn verify_exit(
    caller: Allowed<MayVerify>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
    body: JsonBody<VerifyExit>,
) -> Result<HttpResponse, Problem> {
    let b = body.value;
    let details = StepDetails {
        occurred_on: b.verified_on,
        reason: b.note,
        reference: None,
        evidence: None,
    };
    run_step(
        &pool,
        context(caller.caller, &keys),
        id.into_inner(),
        LifecycleEvent::VerifyExit,
        "verified_on",
        details,
    )
    .await
}

/// The public notice (公示) starts; approval can follow once it has run its days.
#[utoipa::path(tag = "lifecycle", request_body = StartNotice,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The household, exit stage `noticed`", body = Household)))]
#[post("/api/v1/households/{id}/exit/notice")]
pub async fn start_notice(
    caller: Allowed<MayVerify>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
    body: JsonBody<StartNotice>,
) -> Result<HttpResponse, Problem> {
    let details = StepDetails {
        occurred_on: body.value.notice_started_on,
        reason: None,
        reference: None,
        evidence: None,
    };
    run_step(
        &pool,
        context(caller.caller, &keys),
        id.into_inner(),
        LifecycleEvent::StartNotice,
        "notice_started_on",
        details,
    )
    .await
}

/// The district approves the exit (district officers and admins). Refused with 409 unless the
/// notice has run its days and the exit evaluation of `exit_year` passes now; the refusal
/// carries `notice_ends_on` or the `evaluation`.
#[utoipa::path(tag = "lifecycle", request_body = ApproveExit,
    params(("id" = String, Path, description = "Household id")),
    responses(
        (status = 200, description = "The household, `exited` with its exit year", body = Household),
        (status = 409, description = "Not at the notice stage, notice still running, or evaluation fails", body = ProblemBody,
            content_type = "application/problem+json"),
    ))]
#[post("/api/v1/households/{id}/exit/approval")]
pub async fn approve_exit(
    caller: Allowed<MayApprove>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    procedure: web::Data<ProcedureSettings>,
    id: web::Path<String>,
    body: JsonBody<ApproveExit>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let (id, b, days) = (id.into_inner(), body.value, procedure.notice_days);
    let household = db::write(&pool, move |conn| {
        workflow::approve(conn, &ctx, &id, b.approved_on, b.exit_year, days)
    })
    .await?;
    Ok(answer(household))
}

/// Send the procedure back to its start, with the reason (town officers and above).
#[utoipa::path(tag = "lifecycle", request_body = RejectExit,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The household, exit stage `none`", body = Household)))]
#[post("/api/v1/households/{id}/exit/rejection")]
pub async fn reject_exit(
    caller: Allowed<MayVerify>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
    body: JsonBody<RejectExit>,
) -> Result<HttpResponse, Problem> {
    let b = body.value;
    let details = StepDetails {
        occurred_on: b.rejected_on,
        reason: Some(b.reason),
        reference: None,
        evidence: None,
    };
    run_step(
        &pool,
        context(caller.caller, &keys),
        id.into_inner(),
        LifecycleEvent::RejectExit,
        "rejected_on",
        details,
    )
    .await
}

/// An exited household fell back into poverty (返贫); it can enter the exit procedure again.
#[utoipa::path(tag = "lifecycle", request_body = ReturnToPoverty,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The household, `returned`", body = Household)))]
#[post("/api/v1/households/{id}/return")]
pub async fn return_to_poverty(
    caller: Allowed<WriteRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
    body: JsonBody<ReturnToPoverty>,
) -> Result<HttpResponse, Problem> {
    let b = body.value;
    let details = StepDetails {
        occurred_on: b.returned_on,
        reason: b.note,
        reference: Some(b.cause.as_str().to_owned()),
        evidence: None,
    };
    run_step(
        &pool,
        context(caller.caller, &keys),
        id.into_inner(),
        LifecycleEvent::ReturnToPoverty,
        "returned_on",
        details,
    )
    .await
}

/// Remove the household from the registry (剔除 or natural decrease; district officers and
/// admins). The record stays; lists leave it out unless asked for `status=removed`.
#[utoipa::path(tag = "lifecycle", request_body = RemoveHousehold,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The household, `removed`", body = Household)))]
#[post("/api/v1/households/{id}/removal")]
pub async fn remove_household(
    caller: Allowed<MayApprove>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
    body: JsonBody<RemoveHousehold>,
) -> Result<HttpResponse, Problem> {
    let b = body.value;
    let details = StepDetails {
        occurred_on: b.removed_on,
        reason: Some(b.reason),
        reference: Some(b.kind.as_str().to_owned()),
        evidence: None,
    };
    run_step(
        &pool,
        context(caller.caller, &keys),
        id.into_inner(),
        LifecycleEvent::Remove,
        "removed_on",
        details,
    )
    .await
}

/// Flag the household for monitoring (防止返贫监测), with the risk and the date identified.
#[utoipa::path(tag = "lifecycle", request_body = FlagMonitoring,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The household, monitored", body = Household)))]
#[post("/api/v1/households/{id}/monitoring")]
pub async fn flag_monitoring(
    caller: Allowed<WriteRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
    body: JsonBody<FlagMonitoring>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let (id, flag) = (id.into_inner(), body.value);
    let household = db::write(&pool, move |conn| {
        workflow::set_monitoring(conn, &ctx, &id, Some(flag), None)
    })
    .await?;
    Ok(answer(household))
}

/// Record that the monitored risk was eliminated, with the date and reason.
#[utoipa::path(tag = "lifecycle", request_body = ClearMonitoring,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The household, no longer monitored", body = Household)))]
#[post("/api/v1/households/{id}/monitoring/clearance")]
pub async fn clear_monitoring(
    caller: Allowed<WriteRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
    body: JsonBody<ClearMonitoring>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let (id, b) = (id.into_inner(), body.value);
    let household = db::write(&pool, move |conn| {
        workflow::set_monitoring(conn, &ctx, &id, None, Some((b.cleared_on, b.reason)))
    })
    .await?;
    Ok(answer(household))
}

/// Every step of the household's life with who, when, why and the evidence, oldest first.
#[utoipa::path(tag = "lifecycle",
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "Oldest first (one page)", body = HistoryPage)))]
#[get("/api/v1/households/{id}/history")]
pub async fn household_history(
    caller: Allowed<ReadRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let id = id.into_inner();
    let items = db::read(&pool, move |conn| workflow::history(conn, &ctx, &id)).await?;
    Ok(HttpResponse::Ok().json(HistoryPage {
        items,
        next_cursor: None,
    }))
}
