//! Liveness and readiness probes (no authentication).

use actix_web::{web, HttpResponse};
use fupin_persistence::{ping, DbPool};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::problem::{AppError, Kind, Problem, ProblemBody};
use fupin_app::run as db;

#[derive(OpenApi)]
#[openapi(paths(healthz, readyz), components(schemas(HealthStatus)))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)));
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct HealthStatus {
    pub status: String,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, description = "The process is up", body = HealthStatus)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
    })
}

/// The database answers a query.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database does not answer", body = ProblemBody,
            content_type = "application/problem+json"),
    ))]
pub async fn readyz(pool: web::Data<DbPool>) -> Result<HttpResponse, Problem> {
    db::read(&pool, |conn| Ok(ping(conn)?))
        .await
        .map_err(|_| AppError::new(Kind::Unavailable))?;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
    }))
}
