//! `/api/v1/data-quality`: the rules, runs over the caller's scope, the findings that stand,
//! and scores per region.

use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_domain::indicator::share_bp;
use fupin_domain::quality::RULES;
use fupin_persistence::quality::{self as store, FindingFilter};
use fupin_persistence::regions;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{narrow_to, village_ordered_page};
use crate::acting::Acting;
use crate::auth::{forbidden_region, Allowed, ReadRegistry, RunDataQuality};
use crate::extract::JsonBody;
use crate::idempotency::Outcome;
use crate::problem::{AppError, Kind, Problem};
use fupin_app::models::quality::{
    Finding, FindingListParams, FindingPage, QualityRule, Run, RunPage, Score, ScoreParams, Scores,
    StartRun,
};
use fupin_app::pagination::PageParams;
use fupin_app::quality as workflow;
use fupin_app::rollup::{level_of, RegionRows};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_rules)
        .service(start_run)
        .service(list_runs)
        .service(get_run)
        .service(list_findings)
        .service(scores);
}

/// The rules every run applies, with their severity and names.
#[utoipa::path(tag = "data-quality",
    responses((status = 200, description = "Every rule", body = [QualityRule])))]
#[get("/api/v1/data-quality/rules")]
pub async fn list_rules(_caller: Allowed<ReadRegistry>) -> HttpResponse {
    let rules: Vec<QualityRule> = RULES
        .iter()
        .map(|r| QualityRule {
            id: r.id.to_owned(),
            severity: r.severity.as_str().to_owned(),
            name_zh: r.name_zh.to_owned(),
            name_en: r.name_en.to_owned(),
            description: r.description.to_owned(),
        })
        .collect();
    HttpResponse::Ok().json(rules)
}

/// Run every rule over your scope (`full`) or over the households changed since the last run
/// (`changed`). The answer is the recorded run with the error and warning findings standing in
/// your scope afterwards; a record fixed since the previous run has no findings any more.
#[utoipa::path(tag = "data-quality", request_body = StartRun,
    responses((status = 201, description = "The run, finished", body = Run, headers(("Location" = String)))))]
#[post("/api/v1/data-quality/runs")]
pub async fn start_run(
    acting: Acting<RunDataQuality>,
    req: HttpRequest,
    body: JsonBody<StartRun>,
) -> Result<HttpResponse, Problem> {
    let (mode, year) = (body.value.mode, body.value.year);
    let work = acting.read(move |conn, ctx| {
        let cap = fupin_app::loan_policies::in_force(conn, ctx.today)?.max_principal_fen;
        let run = workflow::run(conn, ctx, mode, year, cap)?;
        let location = format!("/api/v1/data-quality/runs/{}", run.id);
        Ok(Outcome::new(StatusCode::CREATED, &run)?.with_location(location))
    });
    acting.run_once(&req, body.fingerprint, work).await
}

/// The latest runs over regions within your scope, newest first (at most `limit`). A run over
/// the whole registry is listed to callers whose scope is the whole registry only.
#[utoipa::path(tag = "data-quality", params(PageParams),
    responses((status = 200, description = "Runs", body = RunPage)))]
#[get("/api/v1/data-quality/runs")]
pub async fn list_runs(
    acting: Acting<ReadRegistry>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, Problem> {
    if params.cursor.is_some() {
        return Err(AppError::new(Kind::InvalidCursor).into());
    }
    let page = params.resolve("runs")?;
    let limit = i64::from(page.limit);
    let rows = acting
        .read(move |conn, ctx| Ok(store::runs(conn, &ctx.scope(), limit)?))
        .await?;
    Ok(HttpResponse::Ok().json(RunPage {
        items: rows.into_iter().map(Run::from).collect(),
        next_cursor: None,
    }))
}

/// One run over a region within your scope; 404 otherwise.
#[utoipa::path(tag = "data-quality",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "The run", body = Run)))]
#[get("/api/v1/data-quality/runs/{id}")]
pub async fn get_run(
    acting: Acting<ReadRegistry>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let row = acting
        .read(move |conn, ctx| {
            store::find_run(conn, &ctx.scope(), &id).map_err(|e| match AppError::from(e) {
                p if p.kind == Kind::NotFound => {
                    AppError::not_found("data-quality run", "数据质量检查")
                }
                p => p,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(Run::from(row)))
}

/// The findings standing in your scope, by village: each names the record, the rule and what is
/// wrong, so the record can be fixed.
#[utoipa::path(tag = "data-quality", params(FindingListParams),
    responses((status = 200, description = "One page of findings", body = FindingPage)))]
#[get("/api/v1/data-quality/findings")]
pub async fn list_findings(
    acting: Acting<ReadRegistry>,
    params: web::Query<FindingListParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    if let Some(rule) = &params.rule {
        if fupin_domain::quality::rule(rule).is_none() {
            return Err(AppError::bad_request(
                format!("there is no rule {rule}"),
                format!("没有规则 {rule}"),
            )
            .into());
        }
    }
    if let Some(severity) = &params.severity {
        if severity != "error" && severity != "warning" {
            return Err(AppError::bad_request(
                "severity is error or warning",
                "severity 只能是 error 或 warning",
            )
            .into());
        }
    }
    let filter = FindingFilter {
        rule: params.rule.clone(),
        severity: params.severity.clone(),
        household_id: params.household_id.clone(),
    };
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor.clone(),
    }
    .resolve(&format!("{:?}|{filter:?}", params.region))?;
    // Every parameter is checked (above) before a region outside the scope short-cuts to an
    // empty page: a bad `limit` or `cursor` is a 400 wherever the region lies.
    let Some(scope) = narrow_to(&acting.scope(), params.region.as_deref())? else {
        return Ok(HttpResponse::Ok().json(FindingPage::empty()));
    };
    let (rows, next_cursor) = village_ordered_page(
        acting.pool(),
        &page,
        move |conn, after, fetch| store::findings_page(conn, &scope, &filter, after, fetch),
        |r| (&r.region_code, &r.id),
    )
    .await?;
    Ok(HttpResponse::Ok().json(FindingPage {
        items: rows.into_iter().map(Finding::from).collect(),
        next_cursor,
    }))
}

fn score(region_code: String, name: String, checked: i64, failing: i64) -> Score {
    Score {
        region_code,
        name,
        records_checked: checked,
        records_with_errors: failing,
        score_bp: share_bp(checked - failing, checked),
        rank: None,
    }
}

/// Per town or village of the region: households checked by the latest runs, those with an
/// error finding, the share passing, and the rank (best first); and the region's own score.
#[utoipa::path(tag = "data-quality", params(ScoreParams),
    responses((status = 200, description = "Scores", body = Scores)))]
#[get("/api/v1/data-quality/scores")]
pub async fn scores(
    acting: Acting<ReadRegistry>,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, Problem> {
    let level = level_of(params.level.as_deref())?;
    let scope =
        narrow_to(&acting.scope(), params.region.as_deref())?.ok_or_else(forbidden_region)?;
    let overall_code = scope
        .root()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let code = overall_code.clone();
    let (villages, mut places, overall_name) = acting
        .read(move |conn, _ctx| {
            let places = RegionRows::<(i64, i64)>::load(conn, &scope, level)?;
            let name = regions::find_by_code(conn, &scope, &code)?.map(|r| r.name);
            Ok((store::village_scores(conn, &scope)?, places, name))
        })
        .await?;
    let (mut all_checked, mut all_failing) = (0, 0);
    for (village, checked, failing) in villages {
        all_checked += checked;
        all_failing += failing;
        if let Some(row) = places.row_of(&village) {
            row.0 += checked;
            row.1 += failing;
        }
    }
    let mut rows: Vec<Score> = places
        .into_rows()
        .into_iter()
        .map(|(code, name, (checked, failing))| score(code, name, checked, failing))
        .collect();
    // Best score first; equal scores share a rank (1, 2, 2, 4); unchecked regions come last.
    rows.sort_by(|a, b| {
        b.score_bp
            .cmp(&a.score_bp)
            .then_with(|| a.region_code.cmp(&b.region_code))
    });
    let scored: Vec<Option<i64>> = rows.iter().map(|r| r.score_bp).collect();
    for row in rows.iter_mut().filter(|r| r.score_bp.is_some()) {
        let better = scored.iter().filter(|s| **s > row.score_bp).count();
        row.rank = Some(i64::try_from(better).unwrap_or(0) + 1);
    }
    Ok(HttpResponse::Ok().json(Scores {
        level: level.as_str().to_owned(),
        rows,
        overall: score(
            overall_code,
            overall_name.unwrap_or_default(),
            all_checked,
            all_failing,
        ),
    }))
}
