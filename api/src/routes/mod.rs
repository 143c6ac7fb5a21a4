//! Thin handlers, one file per resource: parse, call a workflow, answer.

pub mod health;
pub mod households;
pub mod members;
pub mod regions;

use actix_web::web;
use chrono::{NaiveDate, NaiveDateTime, SubsecRound, Utc};
use fupin_domain::region::RegionCode;
use fupin_domain::scope::RegionScope;

use crate::problem::Problem;

pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    regions::configure(cfg);
    households::configure(cfg);
    members::configure(cfg);
}

/// The scope requests act in. Until accounts exist every request sees the whole registry;
/// handlers already pass it to every query so that scoping callers changes only this.
pub fn request_scope() -> RegionScope {
    RegionScope::Everything
}

/// The request's clock reading, taken once: rows carry `now`, domain rules get `today`.
/// Microseconds, the finest PostgreSQL stores, so a write's answer equals a later read.
pub fn clock() -> (NaiveDateTime, NaiveDate) {
    let now = Utc::now().trunc_subsecs(6);
    (now.naive_utc(), now.date_naive())
}

/// Narrows the scope to a `region` query filter; `None` means nothing can match.
pub fn narrow_to(
    scope: &RegionScope,
    region: Option<&str>,
) -> Result<Option<RegionScope>, Problem> {
    match region {
        None => Ok(Some(scope.clone())),
        Some(raw) => {
            let code = RegionCode::parse(raw).map_err(|e| {
                Problem::bad_request(format!("region: {e}"), format!("region 参数无效: {e}"))
            })?;
            Ok(scope.narrow(&code))
        }
    }
}
