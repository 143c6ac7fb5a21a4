//! `/api/v1/households/{id}/assessments` and `/api/v1/households/{id}/exit-evaluation`.

use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::Acting;
use crate::auth::{ReadRegistry, WriteRegistry};
use crate::extract::{JsonBody, ValidQuery};
use crate::idempotency::Outcome;
use crate::problem::Problem;
use fupin_app::assessments as workflow;
use fupin_app::models::assessments::{
    Assessment, AssessmentPage, CreateAssessment, EvaluationParams, ExitEvaluation,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_assessments)
        .service(record_assessment)
        .service(exit_evaluation);
}

/// Record a 两不愁三保障 assessment. Compulsory education and basic medical care are derived
/// from the members; overriding a derived failure needs a reason and is audited.
#[utoipa::path(tag = "incomes", request_body = CreateAssessment,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 201, description = "Recorded, with every item's result", body = Assessment)))]
#[post("/api/v1/households/{id}/assessments")]
pub async fn record_assessment(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<CreateAssessment>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let assessment = workflow::record(conn, ctx, &id, body.value)?;
            let location = format!("/api/v1/households/{}/assessments", assessment.household_id);
            Ok(Outcome::new(StatusCode::CREATED, &assessment)?.with_location(location))
        })
        .await
}

/// A household's assessments, latest first, each item evaluated.
#[utoipa::path(tag = "incomes",
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "Latest first (one page)", body = AssessmentPage)))]
#[get("/api/v1/households/{id}/assessments")]
pub async fn list_assessments(
    acting: Acting<ReadRegistry>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let items = acting
        .read(move |conn, ctx| workflow::list(conn, ctx, &id))
        .await?;
    Ok(HttpResponse::Ok().json(AssessmentPage::whole(items)))
}

/// Explain, criterion by criterion, whether the household may exit: per-capita income above the
/// year's line (the record and line used), each item of 两不愁三保障 from the latest assessment,
/// and blockers (unsafe house, school-age dropout, serious illness without cover).
#[utoipa::path(tag = "incomes",
    params(("id" = String, Path, description = "Household id"), EvaluationParams),
    responses((status = 200, description = "The evaluation", body = ExitEvaluation)))]
#[get("/api/v1/households/{id}/exit-evaluation")]
pub async fn exit_evaluation(
    acting: Acting<ReadRegistry>,
    id: web::Path<String>,
    params: ValidQuery<EvaluationParams>,
) -> Result<HttpResponse, Problem> {
    let (id, year) = (id.into_inner(), params.year);
    let evaluation = acting
        .read(move |conn, ctx| workflow::evaluate_exit(conn, ctx, &id, year))
        .await?;
    Ok(HttpResponse::Ok().json(evaluation))
}
