//! `/api/v1/entities`: business entities, their links with households, dividend rounds.

use actix_web::{web, HttpResponse};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::DbPool;
use utoipa::OpenApi;

use super::context;
use crate::auth::{Allowed, ReadRegistry, WriteRegistry};
use crate::extract::JsonBody;
use crate::problem::{Problem, ProblemBody};
use fupin_app::entities as workflow;
use fupin_app::models::entities::{
    CreateEntity, CreateLink, CreateRound, DividendPart, DividendRound, Entity, EntityPage, Link,
    LinkPage, RoundPage,
};
use fupin_app::run as db;

#[derive(OpenApi)]
#[openapi(
    paths(
        create_entity,
        list_entities,
        add_link,
        list_links,
        pay_dividend,
        list_dividends
    ),
    components(schemas(
        CreateEntity,
        Entity,
        EntityPage,
        CreateLink,
        Link,
        LinkPage,
        CreateRound,
        DividendRound,
        DividendPart,
        RoundPage,
        fupin_domain::dividend::EntityKind,
        fupin_domain::dividend::LinkKind,
    ))
)]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/entities")
            .route(web::get().to(list_entities))
            .route(web::post().to(create_entity)),
    )
    .service(
        web::resource("/api/v1/entities/{id}/links")
            .route(web::get().to(list_links))
            .route(web::post().to(add_link)),
    )
    .service(
        web::resource("/api/v1/entities/{id}/links/{link_id}/rent-payments")
            .route(web::post().to(pay_rent)),
    )
    .service(
        web::resource("/api/v1/entities/{id}/dividends")
            .route(web::get().to(list_dividends))
            .route(web::post().to(pay_dividend)),
    );
}

/// Register a business entity (its unified social credit code is checked).
#[utoipa::path(post, path = "/api/v1/entities", tag = "money", request_body = CreateEntity,
    responses((status = 201, description = "Registered", body = Entity),
        (status = 409, description = "The credit code is registered already", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_entity(
    caller: Allowed<WriteRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    body: JsonBody<CreateEntity>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let created = db::write(&pool, move |conn| workflow::create(conn, &ctx, body.value)).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The entities in your scope.
#[utoipa::path(get, path = "/api/v1/entities", tag = "money",
    responses((status = 200, description = "The entities (one page)", body = EntityPage)))]
pub async fn list_entities(
    caller: Allowed<ReadRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let items = db::read(&pool, move |conn| workflow::list(conn, &ctx)).await?;
    Ok(HttpResponse::Ok().json(EntityPage {
        items,
        next_cursor: None,
    }))
}

/// Link a household: shares (a stake), land leased (area and rent per mu) or jobs, dated.
#[utoipa::path(post, path = "/api/v1/entities/{id}/links", tag = "money", request_body = CreateLink,
    params(("id" = String, Path, description = "Entity id")),
    responses((status = 201, description = "Linked", body = Link)))]
pub async fn add_link(
    caller: Allowed<WriteRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
    body: JsonBody<CreateLink>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let id = id.into_inner();
    let created = db::write(&pool, move |conn| {
        workflow::add_link(conn, &ctx, &id, body.value)
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

/// The entity's links; land links show the yearly rent owed.
#[utoipa::path(get, path = "/api/v1/entities/{id}/links", tag = "money",
    params(("id" = String, Path, description = "Entity id")),
    responses((status = 200, description = "The links (one page)", body = LinkPage)))]
pub async fn list_links(
    caller: Allowed<ReadRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let id = id.into_inner();
    let items = db::read(&pool, move |conn| workflow::links(conn, &ctx, &id)).await?;
    Ok(HttpResponse::Ok().json(LinkPage {
        items,
        next_cursor: None,
    }))
}

/// Pay a dividend round: the pool is shared by stake among households with a shares link on the
/// record date, exactly to the fen (largest remainder; ties to the smaller household id).
#[utoipa::path(post, path = "/api/v1/entities/{id}/dividends", tag = "money", request_body = CreateRound,
    params(("id" = String, Path, description = "Entity id")),
    responses((status = 201, description = "Paid, with each household's part", body = DividendRound),
        (status = 409, description = "No stakes on the record date, or the period was paid", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn pay_dividend(
    caller: Allowed<WriteRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
    body: JsonBody<CreateRound>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let id = id.into_inner();
    let paid = db::write(&pool, move |conn| {
        workflow::pay_round(conn, &ctx, &id, body.value)
    })
    .await?;
    Ok(HttpResponse::Created().json(paid))
}

/// The entity's dividend rounds with their parts.
#[utoipa::path(get, path = "/api/v1/entities/{id}/dividends", tag = "money",
    params(("id" = String, Path, description = "Entity id")),
    responses((status = 200, description = "The rounds (one page)", body = RoundPage)))]
pub async fn list_dividends(
    caller: Allowed<ReadRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let id = id.into_inner();
    let items = db::read(&pool, move |conn| workflow::rounds(conn, &ctx, &id)).await?;
    Ok(HttpResponse::Ok().json(RoundPage {
        items,
        next_cursor: None,
    }))
}

/// Record land rent paid to the household of a land link; the link shows rent paid per year
/// beside the yearly rent owed.
#[utoipa::path(post, path = "/api/v1/entities/{id}/links/{link_id}/rent-payments", tag = "money",
    request_body = fupin_app::models::entities::PayRent,
    params(("id" = String, Path, description = "Entity id"), ("link_id" = String, Path, description = "Land link id")),
    responses((status = 201, description = "Recorded; the link with rent paid", body = Link),
        (status = 409, description = "Not a land link, or the reference is recorded", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn pay_rent(
    caller: Allowed<WriteRegistry>,
    pool: web::Data<DbPool>,
    keys: web::Data<PersonalDataKeys>,
    path: web::Path<(String, String)>,
    body: JsonBody<fupin_app::models::entities::PayRent>,
) -> Result<HttpResponse, Problem> {
    let ctx = context(caller.caller, &keys);
    let (id, link_id) = path.into_inner();
    let shown = db::write(&pool, move |conn| {
        workflow::pay_rent(conn, &ctx, &id, &link_id, body.value)
    })
    .await?;
    Ok(HttpResponse::Created().json(shown))
}
