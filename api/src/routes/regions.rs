//! `/api/v1/regions`: the district → town → village tree.

use actix_web::{get, patch, post};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_persistence::regions::{self as region_store, RegionFilter};
use utoipa_actix_web::service_config::ServiceConfig;

use super::narrow_to;
use crate::acting::Acting;
use crate::auth::{ManageRegions, ReadRegistry};
use crate::etag;
use crate::extract::{if_match, CheckedBody, JsonBody};
use crate::idempotency::Outcome;
use crate::problem::{AppError, Problem};
use fupin_app::models::regions::{
    CreateRegion, Region, RegionListParams, RegionPage, UpdateRegion,
};
use fupin_app::pagination::PageParams;
use fupin_app::regions::{self as workflow, not_found_as_region};
use fupin_domain::region::RegionCode;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regions)
        .service(create_region)
        .service(get_region)
        .service(update_region);
}

/// List regions, in creation order.
#[utoipa::path(tag = "regions", params(RegionListParams),
    responses((status = 200, description = "One page of regions", body = RegionPage)))]
#[get("/api/v1/regions")]
pub async fn list_regions(
    acting: Acting<ReadRegistry>,
    params: web::Query<RegionListParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    if let Some(parent) = params.parent.as_deref() {
        RegionCode::parse(parent).map_err(|e| {
            AppError::bad_request(format!("parent: {e}"), format!("parent 参数无效: {e}"))
        })?;
    }
    let filter = RegionFilter {
        parent_code: params.parent.clone(),
        level: params.level.map(|l| l.as_str().to_owned()),
    };
    let query_key = format!("{:?}|{:?}|{:?}", params.region, params.parent, params.level);
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    }
    .resolve(&query_key)?;
    // Every parameter is checked (above) before a region outside the scope short-cuts to an
    // empty page: a bad `limit` or `cursor` is a 400 wherever the region lies.
    let Some(scope) = narrow_to(&acting.scope(), params.region.as_deref())? else {
        return Ok(HttpResponse::Ok().json(RegionPage::empty()));
    };
    let (fetch, after) = (page.fetch(), page.after.clone());
    let rows = acting
        .read(move |conn, _ctx| {
            Ok(region_store::list(
                conn,
                &scope,
                &filter,
                after.as_deref(),
                fetch,
            )?)
        })
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.id.clone());
    let items = rows
        .into_iter()
        .map(Region::try_from)
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(RegionPage { items, next_cursor }))
}

/// Create a region. A town's or village's parent must exist; the code must extend it.
#[utoipa::path(tag = "regions", request_body = CreateRegion,
    responses(
        (status = 201, description = "Created", body = Region,
            headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The code is taken (`region_code_taken`)", body = crate::problem::ProblemBody,
            content_type = "application/problem+json"),
    ))]
#[post("/api/v1/regions")]
pub async fn create_region(
    acting: Acting<ManageRegions>,
    req: HttpRequest,
    body: CheckedBody<CreateRegion>,
) -> Result<HttpResponse, Problem> {
    let fingerprint = body.fingerprint.clone();
    let new = body.check(CreateRegion::check)?;
    acting
        .write_once(&req, fingerprint, move |conn, ctx| {
            let region = workflow::create(conn, ctx, new)?;
            let location = format!("/api/v1/regions/{}", region.id);
            Outcome::created(&region, region.version, location)
        })
        .await
}

/// Get one region.
#[utoipa::path(tag = "regions",
    params(("id" = String, Path, description = "Region id")),
    responses(
        (status = 200, description = "The region", body = Region, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
    ))]
#[get("/api/v1/regions/{id}")]
pub async fn get_region(
    acting: Acting<ReadRegistry>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let scope = acting.scope();
    let row = acting
        .read(move |conn, _ctx| {
            region_store::find(conn, &scope, &id).map_err(|e| not_found_as_region(e.into()))
        })
        .await?;
    let region = Region::try_from(row)?;
    Ok(etag::respond(&req, region.version, &region))
}

/// Rename a region (requires `If-Match`).
#[utoipa::path(tag = "regions", request_body = UpdateRegion,
    params(("id" = String, Path, description = "Region id"),
        ("If-Match" = String, Header, description = "The ETag you last read", pattern = r#"^(W/)?"[0-9]+"$"#)),
    responses((status = 200, description = "Renamed", body = Region, headers(("ETag" = String)))))]
#[patch("/api/v1/regions/{id}")]
pub async fn update_region(
    acting: Acting<ManageRegions>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<UpdateRegion>,
) -> Result<HttpResponse, Problem> {
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let region = acting
        .write(move |conn, ctx| workflow::rename(conn, ctx, &id, expected, &body.value.name))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::ETAG,
            etag::of_version(region.version),
        ))
        .json(region))
}
