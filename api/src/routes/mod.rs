//! Thin handlers, one file per resource: parse, call a workflow, answer.

pub mod accounts;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod entities;
pub mod exchange_bulk;
pub mod health;
pub mod households;
pub mod incomes;
pub mod indicators;
pub mod lifecycle;
pub mod loan_policies;
pub mod loans;
pub mod members;
pub mod quality;
pub mod regions;
pub mod statistics;
pub mod subsidies;

use actix_web::dev::ResourceDef;
use actix_web::http::{header, Method};
use actix_web::{web, App, HttpRequest, HttpResponse};
use fupin_domain::region::RegionCode;
use fupin_domain::scope::RegionScope;
use utoipa::openapi::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;

use fupin_domain::access::Action;

use crate::auth::{forbidden_action, Caller};
use crate::problem::AppError;
use fupin_app::context::Disclosure;

/// The route table. Each `service(handler)` routes the handler by its actix route macro and
/// documents it by its `utoipa::path`, so nothing is routed without being documented (a handler
/// without a `utoipa::path` does not compile here). The router tries operations in this order,
/// matching each path template in turn: the most requested, households, come first; a static
/// path comes before a template that would also match it (`/loans/interest-subsidies` before
/// `/loans/{id}`).
pub fn configure(cfg: &mut ServiceConfig) {
    households::configure(cfg);
    health::configure(cfg);
    auth::configure(cfg);
    accounts::configure(cfg);
    audit::configure(cfg);
    changes::configure(cfg);
    regions::configure(cfg);
    members::configure(cfg);
    incomes::configure(cfg);
    assessments::configure(cfg);
    lifecycle::configure(cfg);
    subsidies::configure(cfg);
    statistics::configure(cfg);
    quality::configure(cfg);
    indicators::configure(cfg);
    loans::configure(cfg);
    loan_policies::configure(cfg);
    entities::configure(cfg);
    exchange_bulk::configure(cfg);
}

/// The operations of the route table, as OpenAPI paths and the schemas they use.
pub fn operations() -> OpenApi {
    App::new()
        .into_utoipa_app()
        .configure(configure)
        .split_for_parts()
        .1
}

/// The methods of each documented path, for the answer to a request no route takes.
pub struct Unrouted {
    paths: Vec<(ResourceDef, Vec<Method>)>,
}

impl Unrouted {
    pub fn of(document: &OpenApi) -> Self {
        let paths = document
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    (item.get.is_some(), Method::GET),
                    (item.get.is_some(), Method::HEAD),
                    (item.post.is_some(), Method::POST),
                    (item.put.is_some(), Method::PUT),
                    (item.patch.is_some(), Method::PATCH),
                    (item.delete.is_some(), Method::DELETE),
                ]
                .into_iter()
                .filter_map(|(has, method)| has.then_some(method))
                .collect();
                (ResourceDef::new(template.as_str()), methods)
            })
            .collect();
        Self { paths }
    }
}

/// A path some operation has, asked with another method: 405 with `Allow`; else 404.
pub async fn unrouted(req: HttpRequest, table: web::Data<Unrouted>) -> HttpResponse {
    let allowed: Vec<&str> = table
        .paths
        .iter()
        .filter(|(template, _)| template.is_match(req.path()))
        .flat_map(|(_, methods)| methods.iter().map(Method::as_str))
        .collect();
    if allowed.is_empty() {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, allowed.join(", ")))
        .finish()
}

/// Full personal data for `reveal=true` when the role may read it (403 otherwise).
pub fn disclosure(caller: &Caller, reveal: Option<bool>) -> Result<Disclosure, AppError> {
    match reveal {
        Some(true) if caller.may(Action::ReadPersonalData) => Ok(Disclosure::Full),
        Some(true) => Err(forbidden_action(caller.role, Action::ReadPersonalData)),
        _ => Ok(Disclosure::Masked),
    }
}

/// Narrows the scope to a `region` query filter; `None` means nothing can match.
pub fn narrow_to(
    scope: &RegionScope,
    region: Option<&str>,
) -> Result<Option<RegionScope>, AppError> {
    match region {
        None => Ok(Some(scope.clone())),
        Some(raw) => {
            let code = RegionCode::parse(raw).map_err(|e| {
                AppError::bad_request(format!("region: {e}"), format!("region 参数无效: {e}"))
            })?;
            Ok(scope.narrow(&code))
        }
    }
}

/// Loads one page of a list kept in (village, id) order: the cursor's key is decoded for the
/// query, one extra row tells whether another page follows, and the last row's key seals the
/// next cursor.
pub async fn village_ordered_page<R, L>(
    pool: &fupin_persistence::DbPool,
    page: &fupin_app::pagination::PageRequest,
    load: L,
    key_of: impl Fn(&R) -> (&str, &str),
) -> Result<(Vec<R>, Option<String>), AppError>
where
    R: Send + 'static,
    L: FnOnce(
            &mut fupin_persistence::DbConn,
            Option<fupin_persistence::ListKey<'_>>,
            i64,
        ) -> Result<Vec<R>, fupin_persistence::StoreError>
        + Send
        + 'static,
{
    use fupin_persistence::ListKey;
    let (fetch, after) = (page.fetch(), page.after_key()?);
    let rows = fupin_app::run::read(pool, move |conn| {
        Ok(load(
            conn,
            after.as_deref().and_then(ListKey::decode),
            fetch,
        )?)
    })
    .await?;
    Ok(page.finish_by_village(rows, key_of))
}
