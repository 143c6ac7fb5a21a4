//! `/api/v1/statistics`: figures of a region and per town or village, reconciled by construction.

use actix_web::get;
use actix_web::HttpResponse;
use fupin_domain::scope::RegionScope;
use utoipa_actix_web::service_config::ServiceConfig;

use super::narrow_to;
use crate::acting::Acting;
use crate::auth::{forbidden_region, ReadRegistry};
use crate::extract::ValidQuery;
use crate::problem::{AppError, Problem};
use fupin_app::models::statistics::{
    ByRegion, ByRegionParams, Figures, RegionRow, Summary, SummaryParams,
};
use fupin_app::rollup::{level_of, RegionRows};
use fupin_app::statistics::{absorb, per_village, Period};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(summary).service(by_region);
}

/// The scope narrowed to `region`; a region outside the caller's scope is a 403.
fn scope_for(caller: &crate::auth::Caller, region: Option<&str>) -> Result<RegionScope, AppError> {
    narrow_to(&caller.scope(), region)?.ok_or_else(forbidden_region)
}

/// Households and persons by status, attribute, main cause and monitoring kind; students in
/// compulsory education; loans; subsidies by category; dividends and land rent paid; exits by
/// year — for a region and everything under it. Equal to the sum of `by-region` rows.
#[utoipa::path(tag = "statistics", params(SummaryParams),
    responses((status = 200, description = "The region's figures", body = Summary)))]
#[get("/api/v1/statistics/summary")]
pub async fn summary(
    acting: Acting<ReadRegistry>,
    params: ValidQuery<SummaryParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let scope = scope_for(&acting.caller, params.region.as_deref())?;
    let period = Period::new(params.year, acting.caller.now.date_naive());
    let region_code = scope.root().map(|code| code.as_str().to_owned());
    let villages = acting
        .read(move |conn, _ctx| per_village(conn, &scope, period))
        .await?;
    let mut figures = Figures::default();
    for village in villages.values() {
        absorb(&mut figures, village)?;
    }
    Ok(HttpResponse::Ok().json(Summary {
        region_code,
        year: period.year,
        as_of: period.as_of,
        figures,
    }))
}

/// The same figures for every town or village of the region (regions with nothing show
/// zeros), and their total.
#[utoipa::path(tag = "statistics", params(ByRegionParams),
    responses((status = 200, description = "One row per region", body = ByRegion)))]
#[get("/api/v1/statistics/by-region")]
pub async fn by_region(
    acting: Acting<ReadRegistry>,
    params: ValidQuery<ByRegionParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let level = level_of(params.level.as_deref())?;
    let scope = scope_for(&acting.caller, params.region.as_deref())?;
    let period = Period::new(params.year, acting.caller.now.date_naive());
    let (villages, mut places) = acting
        .read(move |conn, _ctx| {
            let places = RegionRows::<Figures>::load(conn, &scope, level)?;
            Ok((per_village(conn, &scope, period)?, places))
        })
        .await?;
    for (village, figures) in &villages {
        if let Some(row) = places.row_of(village) {
            absorb(row, figures)?;
        }
    }
    let rows: Vec<RegionRow> = places
        .into_rows()
        .into_iter()
        .map(|(region_code, name, figures)| RegionRow {
            region_code,
            name,
            figures,
        })
        .collect();
    let mut total = Figures::default();
    for row in &rows {
        absorb(&mut total, &row.figures)?;
    }
    Ok(HttpResponse::Ok().json(ByRegion {
        level: level.as_str().to_owned(),
        year: period.year,
        as_of: period.as_of,
        rows,
        total,
    }))
}
