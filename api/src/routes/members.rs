//! `/api/v1/households/{id}/members` and `/api/v1/members`: the people in households.

use actix_web::http::header;
use actix_web::{get, patch, post};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_domain::ids::{HouseholdId, MemberId};
use fupin_persistence::members::{self as member_store, MemberFilter};
use fupin_persistence::DbPool;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{disclosure, narrow_to, village_ordered_page};
use crate::acting::Acting;
use crate::auth::{ReadRegistry, WriteRegistry};
use crate::etag;
use crate::extract::{if_match, optional_if_match, CheckedBody, JsonBody};
use crate::idempotency::Outcome;
use crate::problem::{Problem, ProblemBody};
use fupin_app::context::Disclosure;
use fupin_app::members as workflow;
use fupin_app::models::members::{
    member_problem, LeaveBody, Member, MemberListParams, MemberPage, NewMemberBody, UpdateMember,
};
use fupin_app::models::RevealParams;
use fupin_app::pagination::PageParams;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_members)
        .service(add_member)
        .service(get_member)
        .service(update_member)
        .service(record_leaving);
}

/// List members of households in a region (and everything under it), by village, then in the order they were added.
#[utoipa::path(tag = "members", params(MemberListParams),
    responses((status = 200, description = "One page of members", body = MemberPage)))]
#[get("/api/v1/members")]
pub async fn list_members(
    acting: Acting<ReadRegistry>,
    pool: web::Data<DbPool>,
    params: web::Query<MemberListParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let filter = MemberFilter {
        current: params.current,
    };
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor.clone(),
    }
    .resolve(&format!("{:?}|{filter:?}", params.region))?;
    // Every parameter is checked (above) before a region outside the scope short-cuts to an
    // empty page: a bad `limit` or `cursor` is a 400 wherever the region lies.
    let Some(scope) = narrow_to(&acting.scope(), params.region.as_deref())? else {
        return Ok(HttpResponse::Ok().json(MemberPage::empty()));
    };
    let (rows, next_cursor) = village_ordered_page(
        &pool,
        &page,
        move |conn, after, fetch| member_store::list(conn, &scope, &filter, after, fetch),
        |r| (&r.region_code, &r.id),
    )
    .await?;
    let items = rows
        .into_iter()
        .map(|row| Member::from_row(row, &acting.keys, Disclosure::Masked))
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(MemberPage { items, next_cursor }))
}

/// Add a member to a household. `relation` is required; a second `head` is a 409.
#[utoipa::path(tag = "members",
    request_body = NewMemberBody,
    params(("household_id" = String, Path, description = "Household id")),
    responses(
        (status = 201, description = "Added", body = Member, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The resident ID number belongs to a current member (`resident_id_registered`), \
            or the household has a head already (`state_conflict`)", body = ProblemBody,
            content_type = "application/problem+json"),
    ))]
#[post("/api/v1/households/{household_id}/members")]
pub async fn add_member(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    household_id: web::Path<HouseholdId>,
    body: CheckedBody<NewMemberBody>,
) -> Result<HttpResponse, Problem> {
    let fingerprint = body.fingerprint.clone();
    let today = acting.today;
    let member = body.check(|new| new.check(today, None).map_err(|f| member_problem(f, None)))?;
    let household_id = household_id.into_inner();
    acting
        .write_once(&req, fingerprint, move |conn, ctx| {
            let member = workflow::add(conn, ctx, &household_id, member)?;
            let location = format!("/api/v1/households/{household_id}/members/{}", member.id);
            Outcome::created(&member, member.version, location)
        })
        .await
}

/// Get one member of a household.
#[utoipa::path(tag = "members",
    params(("household_id" = String, Path, description = "Household id"), ("id" = String, Path, description = "Member id")),
    responses(
        (status = 200, description = "The member", body = Member, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
    ))]
#[get("/api/v1/households/{household_id}/members/{id}")]
pub async fn get_member(
    acting: Acting<ReadRegistry>,
    req: HttpRequest,
    path: web::Path<(HouseholdId, MemberId)>,
    reveal: web::Query<RevealParams>,
) -> Result<HttpResponse, Problem> {
    let disclosure = disclosure(&acting.caller, reveal.reveal)?;
    let (household_id, id) = path.into_inner();
    let find = move |conn: &mut fupin_persistence::DbConn, ctx: &fupin_app::Context| {
        workflow::find(conn, ctx, &household_id, &id, disclosure)
    };
    let member = if disclosure == Disclosure::Full {
        acting.write(find).await?
    } else {
        acting.read(find).await?
    };
    Ok(etag::respond(&req, member.version, &member))
}

/// Edit a current member (requires `If-Match`).
#[utoipa::path(tag = "members",
    request_body = UpdateMember,
    params(("household_id" = String, Path, description = "Household id"), ("id" = String, Path, description = "Member id"),
        ("If-Match" = String, Header, description = "The ETag you last read", pattern = r#"^(W/)?"[0-9]+"$"#)),
    responses(
        (status = 200, description = "Edited", body = Member, headers(("ETag" = String))),
        (status = 409, description = "The member has left, the relation change needs a headship transfer, \
            or the new resident ID number is registered", body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[patch("/api/v1/households/{household_id}/members/{id}")]
pub async fn update_member(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    path: web::Path<(HouseholdId, MemberId)>,
    body: JsonBody<UpdateMember>,
) -> Result<HttpResponse, Problem> {
    let expected = if_match(&req)?;
    let (household_id, id) = path.into_inner();
    let member = acting
        .write(move |conn, ctx| {
            workflow::update(conn, ctx, &household_id, &id, expected, body.value)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of_version(member.version)))
        .json(member))
}

/// Record that a member left the household (death, marriage, moved, other). The record stays.
#[utoipa::path(tag = "members",
    request_body = LeaveBody,
    params(("household_id" = String, Path, description = "Household id"), ("id" = String, Path, description = "Member id"),
        ("If-Match" = Option<String>, Header, description = "When given, the member's ETag you last read", pattern = r#"^(W/)?"[0-9]+"$"#)),
    responses(
        (status = 200, description = "The member, now former", body = Member, headers(("ETag" = String))),
        (status = 409, description = "The member left already, or is the head", body = ProblemBody,
            content_type = "application/problem+json"),
    ))]
#[post("/api/v1/households/{household_id}/members/{id}/leave")]
pub async fn record_leaving(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    path: web::Path<(HouseholdId, MemberId)>,
    body: JsonBody<LeaveBody>,
) -> Result<HttpResponse, Problem> {
    let expected = optional_if_match(&req)?;
    let (household_id, id) = path.into_inner();
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let member = workflow::leave(conn, ctx, &household_id, &id, expected, body.value)?;
            Outcome::ok(&member, member.version)
        })
        .await
}
