//! Liveness and readiness probes (no authentication).

use actix_web::get;
use actix_web::{web, HttpResponse};
use fupin_persistence::{ping, DbPool};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::problem::{AppError, Kind, Problem, ProblemBody};
use fupin_app::run as db;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct HealthStatus {
    pub status: String,
}

/// The process is up.
#[utoipa::path(tag = "operations", security(()),
    responses((status = 200, description = "The process is up", body = HealthStatus)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
    })
}

/// The database answers a query.
#[utoipa::path(tag = "operations", security(()),
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database does not answer", body = ProblemBody,
            content_type = "application/problem+json"),
    ))]
#[get("/readyz")]
pub async fn readyz(pool: web::Data<DbPool>) -> Result<HttpResponse, Problem> {
    db::read(&pool, |conn| Ok(ping(conn)?))
        .await
        .map_err(|_| AppError::new(Kind::Unavailable))?;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
    }))
}
