//! `/api/v1/changes`: every change to records in the caller's scope, in commit order.

use actix_web::get;
use actix_web::{web, HttpResponse};
use fupin_persistence::audit::AuditRow;
use fupin_persistence::changes as store;
use serde_json::Value;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::Acting;
use crate::auth::ReadChanges;
use crate::problem::{AppError, Problem};
use fupin_app::models::changes::{Change, ChangeFeed, ChangeFeedParams};
use fupin_app::models::utc;
use fupin_app::pagination::{open_feed_position, seal_feed_position};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_changes);
}

const MAX_FEED_LIMIT: u32 = 1000;

/// Changes (create, update, state change, removal) after your last cursor, oldest first.
/// Resuming from `next_cursor` never skips or repeats a change, also while others write: a
/// change's position is taken under a lock held until its transaction commits.
#[utoipa::path(tag = "exchange", params(ChangeFeedParams),
    responses((status = 200, description = "Changes and where to resume", body = ChangeFeed)))]
#[get("/api/v1/changes")]
pub async fn list_changes(
    acting: Acting<ReadChanges>,
    params: web::Query<ChangeFeedParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let limit = params.limit.unwrap_or(100);
    if !(1..=MAX_FEED_LIMIT).contains(&limit) {
        return Err(AppError::bad_request(
            format!("limit must be between 1 and {MAX_FEED_LIMIT}"),
            format!("limit 必须在 1 到 {MAX_FEED_LIMIT} 之间"),
        )
        .into());
    }
    let after = match params.after.as_deref() {
        None => 0,
        Some(cursor) => open_feed_position(cursor)?,
    };
    let scope = acting.scope();
    let entity = params.entity;
    let fetch = i64::from(limit) + 1;
    let mut rows = acting
        .read(move |conn, _ctx| Ok(store::after(conn, &scope, after, entity.as_deref(), fetch)?))
        .await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let last = rows.last().map_or(after, |row| row.seq);
    Ok(HttpResponse::Ok().json(ChangeFeed {
        items: rows.into_iter().map(change_of).collect(),
        next_cursor: seal_feed_position(last),
        has_more,
    }))
}

fn change_of(row: AuditRow) -> Change {
    let parse = |json: &Option<String>| {
        json.as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
    };
    let (before, after) = (parse(&row.before_json), parse(&row.after_json));
    // Some steps record the record beside a reason: {"loan": {...}, "reason": ...}.
    let record = |value: &Option<Value>| -> Option<Value> {
        let value = value.as_ref()?;
        value
            .get(&row.entity_type)
            .filter(|inner| inner.is_object())
            .cloned()
            .or_else(|| Some(value.clone()))
    };
    let (before, after) = (record(&before), record(&after));
    let field = |value: &Option<Value>, name: &str| -> Option<Value> {
        value.as_ref().and_then(|v| v.get(name)).cloned()
    };
    let change = if before.is_none() {
        "create"
    } else if row.action == "leave" || field(&after, "status").is_some_and(|s| s == "removed") {
        "removal"
    } else if field(&before, "status") != field(&after, "status")
        || field(&before, "exit_stage") != field(&after, "exit_stage")
    {
        "state_change"
    } else {
        "update"
    };
    Change {
        seq: row.seq,
        at: utc(row.at),
        version: field(&after, "version").and_then(|v| v.as_i64()),
        change: change.to_owned(),
        historical: row.action == "record_history",
        entity: row.entity_type,
        id: row.entity_id,
        action: row.action,
        region_code: row.region_code,
    }
}
