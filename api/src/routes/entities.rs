//! `/api/v1/entities`: business entities, their links with households, dividend rounds.

use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_domain::ids::{EntityId, LinkId};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::Acting;
use crate::auth::{ReadRegistry, RecordSubsidies, WriteRegistry};
use crate::extract::JsonBody;
use crate::idempotency::Outcome;
use crate::problem::{Problem, ProblemBody};
use fupin_app::entities as workflow;
use fupin_app::models::entities::{
    CreateEntity, CreateLink, CreateRound, DividendRound, Entity, EntityPage, Link, LinkPage,
    RoundPage,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_entities)
        .service(create_entity)
        .service(list_links)
        .service(add_link)
        .service(pay_rent)
        .service(list_dividends)
        .service(pay_dividend);
}

/// Register a business entity (its unified social credit code is checked).
#[utoipa::path(tag = "money", request_body = CreateEntity,
    responses((status = 201, description = "Registered", body = Entity),
        (status = 409, description = "The credit code is registered already", body = ProblemBody, content_type = "application/problem+json")))]
#[post("/api/v1/entities")]
pub async fn create_entity(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    body: JsonBody<CreateEntity>,
) -> Result<HttpResponse, Problem> {
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let created = workflow::create(conn, ctx, body.value)?;
            Outcome::new(StatusCode::CREATED, &created)
        })
        .await
}

/// The entities in your scope.
#[utoipa::path(tag = "money",
    responses((status = 200, description = "The entities (one page)", body = EntityPage)))]
#[get("/api/v1/entities")]
pub async fn list_entities(acting: Acting<ReadRegistry>) -> Result<HttpResponse, Problem> {
    let items = acting.read(workflow::list).await?;
    Ok(HttpResponse::Ok().json(EntityPage::whole(items)))
}

/// Link a household: shares (a stake), land leased (area and rent per mu) or jobs, dated.
#[utoipa::path(tag = "money", request_body = CreateLink,
    params(("id" = String, Path, description = "Entity id")),
    responses((status = 201, description = "Linked", body = Link)))]
#[post("/api/v1/entities/{id}/links")]
pub async fn add_link(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    id: web::Path<EntityId>,
    body: JsonBody<CreateLink>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let created = workflow::add_link(conn, ctx, &id, body.value)?;
            Outcome::new(StatusCode::CREATED, &created)
        })
        .await
}

/// The entity's links; land links show the yearly rent owed.
#[utoipa::path(tag = "money",
    params(("id" = String, Path, description = "Entity id")),
    responses((status = 200, description = "The links (one page)", body = LinkPage)))]
#[get("/api/v1/entities/{id}/links")]
pub async fn list_links(
    acting: Acting<ReadRegistry>,
    id: web::Path<EntityId>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let items = acting
        .read(move |conn, ctx| workflow::links(conn, ctx, &id))
        .await?;
    Ok(HttpResponse::Ok().json(LinkPage::whole(items)))
}

/// Pay a dividend round: the pool is shared by stake among households with a shares link on the
/// record date, exactly to the fen (largest remainder; ties to the smaller household id).
#[utoipa::path(tag = "money", request_body = CreateRound,
    params(("id" = String, Path, description = "Entity id")),
    responses((status = 201, description = "Paid, with each household's part", body = DividendRound),
        (status = 409, description = "No stakes on the record date, or the period was paid", body = ProblemBody, content_type = "application/problem+json")))]
#[post("/api/v1/entities/{id}/dividends")]
pub async fn pay_dividend(
    acting: Acting<RecordSubsidies>,
    req: HttpRequest,
    id: web::Path<EntityId>,
    body: JsonBody<CreateRound>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let paid = workflow::pay_round(conn, ctx, &id, body.value)?;
            Outcome::new(StatusCode::CREATED, &paid)
        })
        .await
}

/// The entity's dividend rounds with their parts.
#[utoipa::path(tag = "money",
    params(("id" = String, Path, description = "Entity id")),
    responses((status = 200, description = "The rounds (one page)", body = RoundPage)))]
#[get("/api/v1/entities/{id}/dividends")]
pub async fn list_dividends(
    acting: Acting<ReadRegistry>,
    id: web::Path<EntityId>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let items = acting
        .read(move |conn, ctx| workflow::rounds(conn, ctx, &id))
        .await?;
    Ok(HttpResponse::Ok().json(RoundPage::whole(items)))
}

/// Record land rent paid to the household of a land link; the link shows rent paid per year
/// beside the yearly rent owed.
#[utoipa::path(tag = "money",
    request_body = fupin_app::models::entities::PayRent,
    params(("id" = String, Path, description = "Entity id"), ("link_id" = String, Path, description = "Land link id")),
    responses((status = 201, description = "Recorded; the link with rent paid", body = Link),
        (status = 409, description = "Not a land link, or the reference is recorded", body = ProblemBody, content_type = "application/problem+json")))]
#[post("/api/v1/entities/{id}/links/{link_id}/rent-payments")]
pub async fn pay_rent(
    acting: Acting<RecordSubsidies>,
    req: HttpRequest,
    path: web::Path<(EntityId, LinkId)>,
    body: JsonBody<fupin_app::models::entities::PayRent>,
) -> Result<HttpResponse, Problem> {
    let (id, link_id) = path.into_inner();
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let shown = workflow::pay_rent(conn, ctx, &id, &link_id, body.value)?;
            Outcome::new(StatusCode::CREATED, &shown)
        })
        .await
}
