//! `/api/v1/indicators`: the indicator map (挂图作战): thresholds, each region's value and
//! colour, and the households behind a value.

use actix_web::http::header;
use actix_web::{get, put};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_domain::indicator::{Thresholds, INDICATORS};
use fupin_domain::region::RegionCode;
use fupin_persistence::indicators::{self as store, ThresholdRow};
use fupin_persistence::regions;
use utoipa_actix_web::service_config::ServiceConfig;

use super::narrow_to;
use crate::acting::Acting;
use crate::auth::{forbidden_region, ManageReferenceData, ReadRegistry};
use crate::etag;
use crate::extract::{optional_if_match, JsonBody};
use crate::problem::{AppError, Kind, Problem, ProblemBody, Text};
use fupin_app::indicators::{cell, definition, for_each_standing, in_force, thresholds_of};
use fupin_app::models::indicators::{
    DrillDown, DrillHousehold, DrillParams, Indicator, IndicatorMap, MapParams, SetThresholds,
};
use fupin_app::rollup::{level_of, RegionRows};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_indicators)
        .service(indicator_map)
        .service(drill_down)
        .service(set_thresholds);
}

/// Every indicator with its direction and the thresholds in force.
#[utoipa::path(tag = "indicators",
    responses((status = 200, description = "The indicators", body = [Indicator])))]
#[get("/api/v1/indicators")]
pub async fn list_indicators(acting: Acting<ReadRegistry>) -> Result<HttpResponse, Problem> {
    let rows = acting.read(|conn, _| Ok(store::all(conn)?)).await?;
    let indicators: Vec<Indicator> = INDICATORS
        .iter()
        .map(|def| in_force(def, rows.iter().find(|r| r.indicator == def.id).cloned()))
        .collect();
    Ok(HttpResponse::Ok().json(indicators))
}

/// Set an indicator's green and yellow thresholds (its direction is fixed). The first change
/// needs no `If-Match`; later ones need the current `ETag` (428 without, 412 when stale).
#[utoipa::path(tag = "indicators", request_body = SetThresholds,
    params(("id" = String, Path, description = "Indicator id", format = "indicator"),
        ("If-Match" = Option<String>, Header, description = "Required once the thresholds were set", pattern = r#"^(W/)?"[0-9]+"$"#)),
    responses(
        (status = 200, description = "The indicator with its new thresholds", body = Indicator, headers(("ETag" = String))),
        (status = 428, description = "The thresholds were set before: send If-Match", body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/indicators/{id}/thresholds")]
pub async fn set_thresholds(
    acting: Acting<ManageReferenceData>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<SetThresholds>,
) -> Result<HttpResponse, Problem> {
    let def = definition(&id)?;
    let proposed = Thresholds {
        direction: def.default.direction,
        green: body.value.green,
        yellow: body.value.yellow,
    };
    def.check_thresholds(&proposed).map_err(|e| {
        AppError::invalid_field(
            "green",
            "invalid_thresholds",
            Text::new(e.to_string(), format!("阈值无效: {e}")),
        )
    })?;
    let expected = optional_if_match(&req)?;
    let indicator = acting
        .write(move |conn, ctx| {
            let current = store::find(conn, def.id)?;
            let mut row = ThresholdRow {
                indicator: def.id.to_owned(),
                green: proposed.green,
                yellow: proposed.yellow,
                version: 1,
                updated_by: ctx.caller.name.clone(),
                updated_at: ctx.now,
            };
            match (&current, expected) {
                (None, _) => store::insert(conn, &row)?,
                (Some(_), None) => return Err(AppError::new(Kind::IfMatchRequired)),
                (Some(_), Some(version)) => {
                    store::update(conn, &row, version)?;
                    row.version = version + 1;
                }
            }
            let before = current.map(|c| in_force(def, Some(c)));
            let after = in_force(def, Some(row));
            ctx.audit(
                conn,
                "set_thresholds",
                ("indicator", def.id),
                None,
                before.as_ref(),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of_version(indicator.version)))
        .json(indicator))
}

/// Each town or village of the region with its value of one indicator and its colour, and the
/// region's own value.
#[utoipa::path(tag = "indicators", params(MapParams),
    responses((status = 200, description = "The coloured map", body = IndicatorMap)))]
#[get("/api/v1/indicators/map")]
pub async fn indicator_map(
    acting: Acting<ReadRegistry>,
    params: web::Query<MapParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let def = definition(&params.indicator)?;
    let level = level_of(params.level.as_deref())?;
    let scope =
        narrow_to(&acting.scope(), params.region.as_deref())?.ok_or_else(forbidden_region)?;
    let (today, keys) = (acting.today, acting.keys.clone());
    let overall_code = scope
        .root()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let code = overall_code.clone();
    let (row, places, (all_numerator, all_denominator), name) = acting
        .read(move |conn, _ctx| {
            let mut places = RegionRows::<(i64, i64)>::load(conn, &scope, level)?;
            let name = regions::find_by_code(conn, &scope, &code)?.map(|r| r.name);
            let mut all = (0, 0);
            for_each_standing(conn, &keys, &scope, today, |household| {
                let (numerator, denominator, _) = household.counts(def.id);
                all.0 += numerator;
                all.1 += denominator;
                if let Some(counts) = places.row_of(&household.region_code) {
                    counts.0 += numerator;
                    counts.1 += denominator;
                }
            })?;
            Ok((store::find(conn, def.id)?, places, all, name))
        })
        .await?;
    let indicator = in_force(def, row);
    let thresholds = thresholds_of(&indicator);
    let cells = places
        .into_rows()
        .into_iter()
        .map(|(code, name, (n, d))| cell(code, name, n, d, &thresholds))
        .collect();
    Ok(HttpResponse::Ok().json(IndicatorMap {
        overall: cell(
            overall_code,
            name.unwrap_or_default(),
            all_numerator,
            all_denominator,
            &thresholds,
        ),
        indicator,
        level: level.as_str().to_owned(),
        cells,
    }))
}

/// The households of a region (town or village) that hold its value down for one indicator:
/// those not meeting 两不愁三保障, not exited, with data-quality errors, or with an overdue
/// loan — what to work on to turn red to green.
#[utoipa::path(tag = "indicators",
    params(("region" = String, Path, description = "Region code (12 digits)", format = "region-code"), DrillParams),
    responses((status = 200, description = "The region's value and the households behind it", body = DrillDown)))]
#[get("/api/v1/indicators/map/{region}/households")]
pub async fn drill_down(
    acting: Acting<ReadRegistry>,
    region: web::Path<String>,
    params: web::Query<DrillParams>,
) -> Result<HttpResponse, Problem> {
    let def = definition(&params.indicator)?;
    let region = region.into_inner();
    RegionCode::parse(&region).map_err(|e| {
        AppError::bad_request(format!("region: {e}"), format!("region 参数无效: {e}"))
    })?;
    let scope = narrow_to(&acting.scope(), Some(&region))?.ok_or_else(forbidden_region)?;
    let (today, keys) = (acting.today, acting.keys.clone());
    let code = region.clone();
    let (row, (numerator, denominator), behind, name) = acting
        .read(move |conn, _ctx| {
            let name = regions::find_by_code(conn, &scope, &code)?
                .map(|r| r.name)
                .ok_or_else(|| AppError::not_found("region", "区划"))?;
            let mut counts = (0, 0);
            let mut behind = Vec::new();
            for_each_standing(conn, &keys, &scope, today, |household| {
                let (n, d, reason) = household.counts(def.id);
                counts.0 += n;
                counts.1 += d;
                if let Some(reason) = reason {
                    behind.push(DrillHousehold {
                        id: household.id,
                        household_number: household.household_number,
                        head_name: household.head_name,
                        region_code: household.region_code,
                        status: household.status,
                        reason: reason.to_owned(),
                    });
                }
            })?;
            Ok((store::find(conn, def.id)?, counts, behind, name))
        })
        .await?;
    let indicator = in_force(def, row);
    Ok(HttpResponse::Ok().json(DrillDown {
        indicator: indicator.id.clone(),
        cell: cell(
            region.clone(),
            name,
            numerator,
            denominator,
            &thresholds_of(&indicator),
        ),
        region_code: region,
        households: behind,
    }))
}
