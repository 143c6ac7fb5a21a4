//! Liveness and readiness probes (no authentication).

use actix_web::get;
use actix_web::{web, HttpResponse};
use fupin_persistence::{probe_write, DbPool, StoreError};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::problem::{AppError, Kind, Problem, ProblemBody};

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

/// The service can write: the database takes a write (rolled back at once). Answered within
/// about a second, even while the database is down; another writer holding the lock does not
/// make the service unready, a read-only database does.
#[utoipa::path(tag = "operations", security(()),
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database does not answer or does not take writes",
            body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[get("/readyz")]
pub async fn readyz(pool: web::Data<DbPool>) -> Result<HttpResponse, Problem> {
    let pool = pool.get_ref().clone();
    let probed = web::block(move || -> Result<(), StoreError> {
        let mut conn = fupin_persistence::connection::checkout(&pool, READY_WITHIN)?;
        probe_write(&mut conn)
    })
    .await;
    match probed {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(HealthStatus {
            status: "ok".into(),
        })),
        Ok(Err(error)) => Err(AppError::from(error).into()),
        Err(_) => Err(AppError::new(Kind::Unavailable).into()),
    }
}

/// How long readiness waits for a connection: its answer, probe included, comes within a second.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_millis(700);
