//! `/api/v1/audit`: the audit trail and its verification.

use actix_web::get;
use actix_web::{web, HttpResponse};
use fupin_persistence::audit::{self as store, AuditFilter};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::Acting;
use crate::auth::ReadAudit;
use crate::problem::{AppError, Problem};
use fupin_app::models::accounts::{AuditEntry, AuditListParams, AuditPage, ChainStatus};
use fupin_app::pagination::PageParams;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit).service(verify_audit);
}

/// The audit trail in your scope, newest first.
#[utoipa::path(tag = "audit", params(AuditListParams),
    responses((status = 200, description = "One page of entries", body = AuditPage)))]
#[get("/api/v1/audit")]
pub async fn list_audit(
    acting: Acting<ReadAudit>,
    params: web::Query<AuditListParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let filter = AuditFilter {
        entity_type: params.entity_type,
        entity_id: params.entity_id,
        actor_id: params.actor_id,
        action: params.action,
        from: params.from.map(|t| t.naive_utc()),
        to: params.to.map(|t| t.naive_utc()),
    };
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    }
    .resolve(&format!("{filter:?}"))?;
    let before = match page.after.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| AppError::new(crate::problem::Kind::InvalidCursor))?,
        ),
    };
    let (scope, fetch) = (acting.scope(), page.fetch());
    // Failed logins under unknown names belong to no region: administrators see them.
    let regionless = acting.caller.role == fupin_domain::access::Role::Admin;
    let rows = acting
        .read(move |conn, _ctx| {
            Ok(store::list(
                conn, &scope, regionless, &filter, before, fetch,
            )?)
        })
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.seq.to_string());
    Ok(HttpResponse::Ok().json(AuditPage {
        items: rows.into_iter().map(AuditEntry::from).collect(),
        next_cursor,
    }))
}

/// Recompute the whole chain with the audit key (which the database does not hold), check its
/// sealed head, and report the first entry that does not hold: an entry edited, removed, or
/// cut from the end of the chain.
#[utoipa::path(tag = "audit",
    responses((status = 200, description = "The chain's state", body = ChainStatus)))]
#[get("/api/v1/audit/verify")]
pub async fn verify_audit(acting: Acting<ReadAudit>) -> Result<HttpResponse, Problem> {
    let report = acting
        .read(|conn, ctx| Ok(store::verify(conn, &ctx.keys)?))
        .await?;
    Ok(HttpResponse::Ok().json(ChainStatus::from(report)))
}
