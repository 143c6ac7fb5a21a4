//! `/api/v1/poverty-lines` and `/api/v1/households/{id}/incomes`.

use actix_web::http::header;
use actix_web::{get, put};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_persistence::incomes as store;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::Acting;
use crate::auth::{ManageReferenceData, ReadRegistry, WriteRegistry};
use crate::etag;
use crate::extract::{optional_if_match, JsonBody};
use crate::problem::{AppError, Problem, ProblemBody};
use fupin_app::incomes as workflow;
use fupin_app::models::incomes::{
    IncomePage, IncomeRecord, NationalPovertyLine, NationalPovertyLinePage, PovertyLine,
    PovertyLinePage, RecordIncome, SetPovertyLine,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_poverty_lines)
        .service(list_national_poverty_lines)
        .service(get_poverty_line)
        .service(set_poverty_line)
        .service(list_incomes)
        .service(get_income)
        .service(record_income)
        .service(income_history);
}

fn with_etag<T: serde::Serialize>(
    status: actix_web::http::StatusCode,
    version: i64,
    body: &T,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag::of_version(version)))
        .json(body)
}

/// The national rural poverty standard of each year 2014–2020 at that year's prices, each with
/// the publication that states it (`exact` false where only a rounded figure was published).
/// A year without a line recorded by the district is judged by its exact national figure.
#[utoipa::path(tag = "incomes",
    responses((status = 200, description = "All years, oldest first (one page)", body = NationalPovertyLinePage)))]
#[get("/api/v1/national-poverty-lines")]
pub async fn list_national_poverty_lines(
    acting: Acting<ReadRegistry>,
) -> Result<HttpResponse, Problem> {
    let rows = acting
        .read(|conn, _| Ok(store::national_lines(conn)?))
        .await?;
    Ok(HttpResponse::Ok().json(NationalPovertyLinePage::whole(
        rows.into_iter().map(NationalPovertyLine::from).collect(),
    )))
}

/// The lines the district applies, each year's poverty line and monitoring line (a province
/// may apply a higher poverty line than the nation's, never a lower one). Set by the district
/// office or an admin with `PUT /poverty-lines/{year}`.
#[utoipa::path(tag = "incomes",
    responses((status = 200, description = "All years, oldest first (one page)", body = PovertyLinePage)))]
#[get("/api/v1/poverty-lines")]
pub async fn list_poverty_lines(acting: Acting<ReadRegistry>) -> Result<HttpResponse, Problem> {
    let rows = acting.read(|conn, _| Ok(store::all_lines(conn)?)).await?;
    Ok(HttpResponse::Ok().json(PovertyLinePage {
        items: rows.into_iter().map(PovertyLine::from).collect(),
        next_cursor: None,
    }))
}

/// One year's lines.
#[utoipa::path(tag = "incomes",
    params(("year" = i32, Path, description = "Year, from 2000 to next year", minimum = 2000, example = 2019)),
    responses((status = 200, description = "The year's lines", body = PovertyLine, headers(("ETag" = String)))))]
#[get("/api/v1/poverty-lines/{year}")]
pub async fn get_poverty_line(
    acting: Acting<ReadRegistry>,
    req: HttpRequest,
    year: web::Path<i32>,
) -> Result<HttpResponse, Problem> {
    let year = year.into_inner();
    let row = acting
        .read(move |conn, _ctx| Ok(store::line_for(conn, year)?))
        .await?;
    let line = PovertyLine::from(
        row.ok_or_else(|| AppError::not_found("poverty line for this year", "该年度贫困线"))?,
    );
    Ok(etag::respond(&req, line.version, &line))
}

/// Set a year's lines (administrators). Replacing existing lines needs `If-Match`.
#[utoipa::path(tag = "incomes", request_body = SetPovertyLine,
    params(("year" = i32, Path, description = "Year, from 2000 to next year", minimum = 2000, example = 2019),
        ("If-Match" = Option<String>, Header, description = "Required when the year has lines already", pattern = r#"^(W/)?"[0-9]+"$"#)),
    responses(
        (status = 201, description = "Created", body = PovertyLine, headers(("ETag" = String))),
        (status = 200, description = "Replaced", body = PovertyLine, headers(("ETag" = String))),
        (status = 428, description = "The year has lines: send If-Match", body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/poverty-lines/{year}")]
pub async fn set_poverty_line(
    acting: Acting<ManageReferenceData>,
    req: HttpRequest,
    year: web::Path<i32>,
    body: JsonBody<SetPovertyLine>,
) -> Result<HttpResponse, Problem> {
    let expected = optional_if_match(&req)?;
    let year = year.into_inner();
    let (line, created) = acting
        .write(move |conn, ctx| workflow::set_line(conn, ctx, year, expected, body.value))
        .await?;
    let status = if created {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(with_etag(status, line.version, &line))
}

/// The current income record of every year, with its computation.
#[utoipa::path(tag = "incomes",
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "Oldest year first (one page)", body = IncomePage)))]
#[get("/api/v1/households/{id}/incomes")]
pub async fn list_incomes(
    acting: Acting<ReadRegistry>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let items = acting
        .read(move |conn, ctx| workflow::current(conn, ctx, &id))
        .await?;
    Ok(HttpResponse::Ok().json(IncomePage::whole(items)))
}

/// Record a year's income, or correct it (`If-Match` with the current record's ETag). The
/// answer shows net income, the household size used, per-capita income and the year's lines.
#[utoipa::path(tag = "incomes", request_body = RecordIncome,
    params(("id" = String, Path, description = "Household id"), ("year" = i32, Path, description = "Income year, from 2014 to this year", minimum = 2014, example = 2019),
        ("If-Match" = Option<String>, Header, description = "Required to correct an existing record", pattern = r#"^(W/)?"[0-9]+"$"#)),
    responses(
        (status = 201, description = "The year's first record", body = IncomeRecord, headers(("ETag" = String))),
        (status = 200, description = "A correction: the new version", body = IncomeRecord, headers(("ETag" = String))),
        (status = 409, description = "The year has no poverty line yet", body = ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "The year has a record: send If-Match", body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/households/{id}/incomes/{year}")]
pub async fn record_income(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    path: web::Path<(String, i32)>,
    body: JsonBody<RecordIncome>,
) -> Result<HttpResponse, Problem> {
    let expected = optional_if_match(&req)?;
    let (id, year) = path.into_inner();
    let (record, first) = acting
        .write(move |conn, ctx| workflow::record(conn, ctx, &id, year, expected, body.value))
        .await?;
    let status = if first {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(with_etag(status, record.version, &record))
}

/// A year's current income record, with its computation.
#[utoipa::path(tag = "incomes",
    params(("id" = String, Path, description = "Household id"), ("year" = i32, Path, description = "Income year, from 2014 to this year", minimum = 2014, example = 2019)),
    responses((status = 200, description = "The current record", body = IncomeRecord, headers(("ETag" = String)))))]
#[get("/api/v1/households/{id}/incomes/{year}")]
pub async fn get_income(
    acting: Acting<ReadRegistry>,
    req: HttpRequest,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, Problem> {
    let (id, year) = path.into_inner();
    let mut versions = acting
        .read(move |conn, ctx| workflow::history(conn, ctx, &id, year))
        .await?;
    let current = versions.remove(0);
    Ok(etag::respond(&req, current.version, &current))
}

/// Every version of a year's income record, newest first.
#[utoipa::path(tag = "incomes",
    params(("id" = String, Path, description = "Household id"), ("year" = i32, Path, description = "Income year, from 2014 to this year", minimum = 2014, example = 2019)),
    responses((status = 200, description = "All versions (one page)", body = IncomePage)))]
#[get("/api/v1/households/{id}/incomes/{year}/history")]
pub async fn income_history(
    acting: Acting<ReadRegistry>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, Problem> {
    let (id, year) = path.into_inner();
    let items = acting
        .read(move |conn, ctx| workflow::history(conn, ctx, &id, year))
        .await?;
    Ok(HttpResponse::Ok().json(IncomePage::whole(items)))
}
