//! `/api/v1/loan-policies`: the microloan policy's versions.

use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{HttpRequest, HttpResponse};
use fupin_app::loan_policies as workflow;
use fupin_app::models::loan_policies::{LoanPolicyPage, LoanPolicyVersion, RecordLoanPolicy};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::Acting;
use crate::auth::{ManageReferenceData, ReadRegistry};
use crate::extract::JsonBody;
use crate::idempotency::Outcome;
use crate::problem::{Problem, ProblemBody};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_loan_policies).service(record_loan_policy);
}

/// Every version of the microloan policy, oldest first: each is in force from its
/// `effective_from` until the next, and a loan is judged by the version in force on its
/// application date (cap per household, term, borrower ages, the treasury's interest share).
#[utoipa::path(tag = "money",
    responses((status = 200, description = "The versions (one page)", body = LoanPolicyPage)))]
#[get("/api/v1/loan-policies")]
pub async fn list_loan_policies(acting: Acting<ReadRegistry>) -> Result<HttpResponse, Problem> {
    let items = acting.read(|conn, _ctx| workflow::list(conn)).await?;
    Ok(HttpResponse::Ok().json(LoanPolicyPage::whole(items)))
}

/// Record a new version (district office or admin; audited as `record_loan_policy`), in
/// force from `effective_from`, today or later.
#[utoipa::path(tag = "money", request_body = RecordLoanPolicy,
    responses((status = 201, description = "Recorded", body = LoanPolicyVersion),
        (status = 409, description = "A version taking effect that day is recorded already", body = ProblemBody, content_type = "application/problem+json")))]
#[post("/api/v1/loan-policies")]
pub async fn record_loan_policy(
    acting: Acting<ManageReferenceData>,
    req: HttpRequest,
    body: JsonBody<RecordLoanPolicy>,
) -> Result<HttpResponse, Problem> {
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let version = workflow::record(conn, ctx, body.value)?;
            Outcome::new(StatusCode::CREATED, &version)
        })
        .await
}
