//! `/api/v1/households`: registered poor households.

use actix_web::http::header;
use actix_web::{get, patch, post};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_persistence::households::{self as household_store, HouseholdFilter};
use fupin_persistence::{DbPool, ListKey};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{disclosure, narrow_to, village_ordered_page};
use crate::acting::Acting;
use crate::auth::{ReadRegistry, WriteRegistry};
use crate::etag;
use crate::extract::{if_match, optional_if_match, CheckedBody, JsonBody, ValidQuery};
use crate::idempotency::Outcome;
use crate::problem::{AppError, Problem, ProblemBody};
use fupin_app::context::Disclosure;
use fupin_app::households as workflow;
use fupin_app::models::households::{
    CreateHousehold, Household, HouseholdListParams, HouseholdPage, HouseholdWithMembers,
    TransferHeadship, UpdateHousehold,
};
use fupin_app::models::RevealParams;
use fupin_app::pagination::PageParams;
use fupin_app::{household_list, household_views};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_households)
        .service(create_household)
        .service(get_household)
        .service(update_household)
        .service(transfer_headship);
}

/// List households, filtered, by village and then in registration order.
#[utoipa::path(tag = "households", params(HouseholdListParams),
    responses((status = 200, description = "One page of households", body = HouseholdPage)))]
#[get("/api/v1/households")]
pub async fn list_households(
    acting: Acting<ReadRegistry>,
    pool: web::Data<DbPool>,
    reads: web::Data<fupin_app::reads::HouseholdReads>,
    params: ValidQuery<HouseholdListParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let text = params
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned);
    if text.as_ref().is_some_and(|q| q.chars().count() > 50) {
        return Err(
            AppError::bad_request("q may be at most 50 characters", "q 最多 50 个字符").into(),
        );
    }
    let filter = HouseholdFilter {
        status: params.status.map(|s| s.as_str().to_owned()),
        monitoring_kind: params.monitoring_kind.map(|k| k.as_str().to_owned()),
        exit_year: params.exit_year,
        kind: params.kind.map(|k| k.as_str().to_owned()),
        attribute: params.attribute.map(|a| a.as_str().to_owned()),
        main_cause: params.main_cause.map(|c| c.as_str().to_owned()),
        identified_year: params.identified_year,
        text,
    };
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor.clone(),
    }
    .resolve(&format!("{:?}|{filter:?}", params.region))?;
    // Every parameter is checked (above) before a region outside the scope short-cuts to an
    // empty page: a bad `limit` or `cursor` is a 400 wherever the region lies.
    let Some(scope) = narrow_to(&acting.scope(), params.region.as_deref())? else {
        return Ok(HttpResponse::Ok().json(HouseholdPage::empty()));
    };
    // On PostgreSQL the page of keys is read on the worker's async connection (no thread hop,
    // and nothing but three short columns a row to decode there); on SQLite on the blocking
    // pool, as a filter that matches few households may scan a whole region.
    let (listed, next_cursor) = match &reads.pg {
        Some(pg) => {
            let after = page.after_key()?;
            let after = after.as_deref().and_then(ListKey::decode);
            let rows = pg
                .list_household_versions(&scope, &filter, after, page.fetch())
                .await?;
            page.finish_by_village(rows, |h| (&h.region_code, &h.id))
        }
        None => {
            village_ordered_page(
                &pool,
                &page,
                move |conn, after, fetch| {
                    household_store::list_versions(conn, &scope, &filter, after, fetch)
                },
                |household| (&household.region_code, &household.id),
            )
            .await?
        }
    };
    let body = household_list::render_page(
        &pool,
        &acting.keys,
        &reads.kept.list_items,
        listed,
        next_cursor,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ContentType::json())
        .body(body))
}

/// Register a household in a village, with its head. Its status starts as `not_exited`.
#[utoipa::path(tag = "households", request_body = CreateHousehold,
    responses(
        (status = 201, description = "Registered", body = HouseholdWithMembers,
            headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The household number is taken (`household_number_taken`) or the head's \
            resident ID number belongs to a current member elsewhere (`resident_id_registered`)",
            body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/households")]
pub async fn create_household(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    body: CheckedBody<CreateHousehold>,
) -> Result<HttpResponse, Problem> {
    let fingerprint = body.fingerprint.clone();
    let today = acting.today;
    let new = body.check(|household| household.check(today))?;
    acting
        .write_once(&req, fingerprint, move |conn, ctx| {
            let created = workflow::register(conn, ctx, new)?;
            let location = format!("/api/v1/households/{}", created.household.id);
            Outcome::created(&created, created.household.version, location)
        })
        .await
}

/// Get a household with all its members (current and former).
#[utoipa::path(tag = "households",
    params(("id" = String, Path, description = "Household id"), RevealParams),
    responses(
        (status = 200, description = "The household", body = HouseholdWithMembers, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
    ))]
#[get("/api/v1/households/{id}")]
pub async fn get_household(
    acting: Acting<ReadRegistry>,
    pool: web::Data<DbPool>,
    reads: web::Data<fupin_app::reads::HouseholdReads>,
    req: HttpRequest,
    id: web::Path<String>,
    reveal: web::Query<RevealParams>,
) -> Result<HttpResponse, Problem> {
    let disclosure = disclosure(&acting.caller, reveal.reveal)?;
    let id = id.into_inner();
    if disclosure == Disclosure::Masked {
        let masked = household_views::read_masked(&pool, &reads, acting.into_context(), id).await?;
        return Ok(etag::respond_rendered(&req, masked.version, masked.body));
    }
    let household = acting
        .write(move |conn, ctx| workflow::find_with_members(conn, ctx, &id, disclosure))
        .await?;
    Ok(etag::respond(&req, household.household.version, &household))
}

/// Edit a household (requires `If-Match`). `status` is not editable here.
#[utoipa::path(tag = "households", request_body = UpdateHousehold,
    params(("id" = String, Path, description = "Household id"),
        ("If-Match" = String, Header, description = "The ETag you last read", pattern = r#"^(W/)?"[0-9]+"$"#)),
    responses(
        (status = 200, description = "Edited", body = Household, headers(("ETag" = String))),
        (status = 409, description = "The new household number is taken", body = ProblemBody,
            content_type = "application/problem+json"),
    ))]
#[patch("/api/v1/households/{id}")]
pub async fn update_household(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<UpdateHousehold>,
) -> Result<HttpResponse, Problem> {
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let household = acting
        .write(move |conn, ctx| workflow::update(conn, ctx, &id, expected, body.value))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of_version(household.version)))
        .json(household))
}

/// Make another current member the head of household.
#[utoipa::path(tag = "households", request_body = TransferHeadship,
    params(("id" = String, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "When given, the household's ETag you last read", pattern = r#"^(W/)?"[0-9]+"$"#)),
    responses(
        (status = 200, description = "The household with its new head", body = HouseholdWithMembers,
            headers(("ETag" = String))),
        (status = 409, description = "The member is the head already", body = ProblemBody,
            content_type = "application/problem+json"),
    ))]
#[post("/api/v1/households/{id}/head")]
pub async fn transfer_headship(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<TransferHeadship>,
) -> Result<HttpResponse, Problem> {
    let expected = optional_if_match(&req)?;
    let id = id.into_inner();
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let household = workflow::transfer_headship(conn, ctx, &id, expected, body.value)?;
            Outcome::ok(&household, household.household.version)
        })
        .await
}
