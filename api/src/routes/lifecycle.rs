//! `/api/v1/households/{id}/exit/*`, `/return`, `/removal`, `/monitoring`, `/history`: the steps
//! of a household's life, each with its own permission.

use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_app::lifecycle::{self as workflow, StepRequest};
use fupin_app::models::households::Household;
use fupin_app::models::lifecycle::{
    ApproveExit, ClearMonitoring, FlagMonitoring, HistoryPage, ProposeExit, RecordHistory,
    RejectExit, RemoveHousehold, ReturnToPoverty, StartNotice, VerifyExit,
};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::Acting;
use crate::auth::{
    ApproveExit as MayApprove, Permission, ReadRegistry, RecordHistory as MayRecordHistory,
    VerifyExit as MayVerify, WriteRegistry,
};
use crate::extract::JsonBody;
use crate::idempotency::Outcome;
use crate::problem::{AppError, Problem, ProblemBody};
use crate::ProcedureSettings;

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
        .service(household_history)
        .service(record_history);
}

/// The household after a step, with its new version as the ETag.
fn answer(household: Result<Household, AppError>) -> Result<Outcome, AppError> {
    let household = household?;
    Outcome::ok(&household, household.version)
}

async fn record_step<P: Permission, R: StepRequest + Send + 'static>(
    acting: Acting<P>,
    req: HttpRequest,
    id: String,
    body: JsonBody<R>,
) -> Result<HttpResponse, Problem> {
    let request = body.value;
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            answer(workflow::record(conn, ctx, &id, request))
        })
        .await
}

/// The steps that record what their request says (see `StepRequest`): one handler each, with
/// its path, the permission it needs, its body and what the household shows after it.
macro_rules! step_handlers {
    ($($(#[doc = $doc:literal])+ $name:ident: post $path:literal, $permission:ty, $body:ty, $after:literal;)+) => {$(
        $(#[doc = $doc])+
        #[utoipa::path(tag = "lifecycle", request_body = $body,
            params(("id" = String, Path, description = "Household id")),
            responses(
                (status = 200, description = $after, body = Household),
                (status = 409, description = "Not allowed now; `allowed_next_steps` lists what is",
                    body = ProblemBody, content_type = "application/problem+json"),
            ))]
        #[post($path)]
        pub async fn $name(
            acting: Acting<$permission>,
            req: HttpRequest,
            id: web::Path<String>,
            body: JsonBody<$body>,
        ) -> Result<HttpResponse, Problem> {
            record_step(acting, req, id.into_inner(), body).await
        }
    )+};
}

step_handlers! {
    /// Village review (民主评议) proposes the exit; the minutes are referenced.
    propose_exit: post "/api/v1/households/{id}/exit/proposal", WriteRegistry, ProposeExit,
        "The household, exit stage `proposed`";
    /// The town or subdistrict verifies the proposal.
    verify_exit: post "/api/v1/households/{id}/exit/verification", MayVerify, VerifyExit,
        "The household, exit stage `verified`";
    /// The public notice (公示) starts; approval can follow once it has run its days.
    start_notice: post "/api/v1/households/{id}/exit/notice", MayVerify, StartNotice,
        "The household, exit stage `noticed`";
    /// Send the procedure back to its start, with the reason (town officers and above).
    reject_exit: post "/api/v1/households/{id}/exit/rejection", MayVerify, RejectExit,
        "The household, exit stage `none`";
    /// An exited household fell back into poverty (返贫); it can enter the exit procedure again.
    return_to_poverty: post "/api/v1/households/{id}/return", WriteRegistry, ReturnToPoverty,
        "The household, `returned`";
    /// Remove the household from the registry (剔除 or natural decrease; district officers and
    /// admins). The record stays; lists leave it out unless asked for `status=removed`.
    remove_household: post "/api/v1/households/{id}/removal", MayApprove, RemoveHousehold,
        "The household, `removed`";
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
    acting: Acting<MayApprove>,
    procedure: web::Data<ProcedureSettings>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<ApproveExit>,
) -> Result<HttpResponse, Problem> {
    let (id, b, days) = (id.into_inner(), body.value, procedure.notice_days);
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            answer(workflow::approve(
                conn,
                ctx,
                &id,
                b.approved_on,
                b.exit_year,
                days,
            ))
        })
        .await
}

/// Flag the household for monitoring (防止返贫监测), with the risk and the date identified.
#[utoipa::path(tag = "lifecycle", request_body = FlagMonitoring,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The household, monitored", body = Household)))]
#[post("/api/v1/households/{id}/monitoring")]
pub async fn flag_monitoring(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<FlagMonitoring>,
) -> Result<HttpResponse, Problem> {
    let (id, flag) = (id.into_inner(), body.value);
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            answer(workflow::set_monitoring(conn, ctx, &id, Some(flag), None))
        })
        .await
}

/// Record that the monitored risk was eliminated, with the date and reason.
#[utoipa::path(tag = "lifecycle", request_body = ClearMonitoring,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The household, no longer monitored", body = Household)))]
#[post("/api/v1/households/{id}/monitoring/clearance")]
pub async fn clear_monitoring(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<ClearMonitoring>,
) -> Result<HttpResponse, Problem> {
    let (id, b) = (id.into_inner(), body.value);
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let cleared = Some((b.cleared_on, b.reason));
            answer(workflow::set_monitoring(conn, ctx, &id, None, cleared))
        })
        .await
}

/// Every step of the household's life with who, when, why and the evidence, oldest first.
#[utoipa::path(tag = "lifecycle",
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "Oldest first (one page)", body = HistoryPage)))]
#[get("/api/v1/households/{id}/history")]
pub async fn household_history(
    acting: Acting<ReadRegistry>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let items = acting
        .read(move |conn, ctx| workflow::history(conn, ctx, &id))
        .await?;
    Ok(HttpResponse::Ok().json(HistoryPage::whole(items)))
}

/// Record an event from before the household was registered here (补录): an exit, a return to
/// poverty or a removal decided on paper, with its date, the document it rests on and a
/// reason. It takes none of the live procedure's steps; it is marked as history in the
/// household's history (`historical`, `document`, `unchecked`: every check the registry could
/// not make, the exit evaluation of the year among them when it does not pass), in the change
/// feed (`record_history`) and in the statistics (`recorded_as_history`). Its date must come
/// before the household's registration here, and not before its identification year or its
/// previous recorded event.
#[utoipa::path(tag = "lifecycle", request_body = RecordHistory,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The household after the event", body = Household),
        (status = 409, description = "The household's state does not allow the event; `allowed_next_steps` lists what it allows", body = ProblemBody, content_type = "application/problem+json")))]
#[post("/api/v1/households/{id}/history")]
pub async fn record_history(
    acting: Acting<MayRecordHistory>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<RecordHistory>,
) -> Result<HttpResponse, Problem> {
    let (id, event) = (id.into_inner(), body.value);
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            answer(fupin_app::history::record(conn, ctx, &id, event))
        })
        .await
}
