//! `/api/v1/households/{id}/subsidies` and `/api/v1/subsidies`: the subsidy ledger.

use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_persistence::subsidies::{self as store, SubsidyFilter};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{narrow_to, village_ordered_page};
use crate::acting::Acting;
use crate::auth::{ReadRegistry, RecordSubsidies};
use crate::extract::JsonBody;
use crate::idempotency::Outcome;
use crate::problem::{Problem, ProblemBody};
use fupin_app::models::subsidies::{
    RecordSubsidy, ReverseSubsidy, SubsidyEntry, SubsidyPage, SubsidyParams, SubsidyTotals,
    SubsidyTotalsParams,
};
use fupin_app::pagination::PageParams;
use fupin_app::subsidies as workflow;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(record_subsidy)
        .service(household_ledger)
        .service(list_subsidies)
        .service(subsidy_totals)
        .service(reverse_subsidy);
}

fn filter_of(params: &SubsidyTotalsParams) -> SubsidyFilter {
    SubsidyFilter {
        household_id: params.household.clone(),
        category: params.category.map(|c| c.as_str().to_owned()),
        source: params.source.clone(),
        year: params.year,
    }
}

/// Record a payment to a household. The same reference from the same source twice is a 409
/// naming the entry that has it.
#[utoipa::path(tag = "money", request_body = RecordSubsidy,
    params(("id" = String, Path, description = "Household id")),
    responses(
        (status = 201, description = "Recorded", body = SubsidyEntry),
        (status = 409, description = "The source's reference is recorded already", body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/households/{id}/subsidies")]
pub async fn record_subsidy(
    acting: Acting<RecordSubsidies>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<RecordSubsidy>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let entry = workflow::record(conn, ctx, &id, body.value)?;
            Outcome::created(
                &entry,
                1,
                format!("/api/v1/subsidies?household={}", entry.household_id),
            )
        })
        .await
}

/// Reverse an entry: a new entry of the opposite amount points at it. Once per entry.
#[utoipa::path(tag = "money", request_body = ReverseSubsidy,
    params(("id" = String, Path, description = "Entry to reverse")),
    responses(
        (status = 201, description = "The reversing entry", body = SubsidyEntry),
        (status = 403, description = "The caller recorded the entry (`separation_of_duties`): someone else must reverse it", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Reversed already, or itself a reversal", body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/subsidies/{id}/reversal")]
pub async fn reverse_subsidy(
    acting: Acting<RecordSubsidies>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<ReverseSubsidy>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let entry = workflow::reverse(conn, ctx, &id, body.value)?;
            Outcome::created(
                &entry,
                1,
                format!("/api/v1/subsidies?household={}", entry.household_id),
            )
        })
        .await
}

/// The ledger, filtered, by village and then recording order.
#[utoipa::path(tag = "money", params(SubsidyParams),
    responses((status = 200, description = "One page of entries", body = SubsidyPage)))]
#[get("/api/v1/subsidies")]
pub async fn list_subsidies(
    acting: Acting<ReadRegistry>,
    params: web::Query<SubsidyParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let paging = PageParams {
        limit: params.limit,
        cursor: params.cursor.clone(),
    };
    let region = params.region.clone();
    let filter = filter_of(&SubsidyTotalsParams::from(params));
    let page = paging.resolve(&format!("{region:?}|{filter:?}"))?;
    // Every parameter is checked (above) before a region outside the scope short-cuts to an
    // empty page: a bad `limit` or `cursor` is a 400 wherever the region lies.
    let Some(scope) = narrow_to(&acting.scope(), region.as_deref())? else {
        return Ok(HttpResponse::Ok().json(SubsidyPage::empty()));
    };
    let (rows, next_cursor) = village_ordered_page(
        acting.pool(),
        &page,
        move |conn, after, fetch| store::list(conn, &scope, &filter, after, fetch),
        |r| (&r.region_code, &r.id),
    )
    .await?;
    let items = rows
        .into_iter()
        .map(SubsidyEntry::try_from)
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(SubsidyPage { items, next_cursor }))
}

/// Net totals per year and category, for a household (`household=`) or a region (`region=`).
#[utoipa::path(tag = "money", params(SubsidyTotalsParams),
    responses((status = 200, description = "Totals", body = SubsidyTotals)))]
#[get("/api/v1/subsidies/totals")]
pub async fn subsidy_totals(
    acting: Acting<ReadRegistry>,
    params: web::Query<SubsidyTotalsParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let Some(scope) = narrow_to(&acting.scope(), params.region.as_deref())? else {
        return Ok(HttpResponse::Ok().json(SubsidyTotals {
            by_year: Default::default(),
            total_fen: 0,
        }));
    };
    let filter = filter_of(&params);
    let totals = acting
        .read(move |conn, _ctx| workflow::totals(conn, &scope, &filter))
        .await?;
    Ok(HttpResponse::Ok().json(totals))
}

/// The household's money: every subsidy, loan movement and dividend in date order, with running
/// totals per kind and each year's totals by income kind (suggested transfer and property
/// income for the income record).
#[utoipa::path(tag = "money",
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The ledger", body = fupin_app::models::ledger::HouseholdLedger)))]
#[get("/api/v1/households/{id}/ledger")]
pub async fn household_ledger(
    acting: Acting<ReadRegistry>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let ledger = acting
        .read(move |conn, ctx| fupin_app::ledger::household_ledger(conn, ctx, &id))
        .await?;
    Ok(HttpResponse::Ok().json(ledger))
}
