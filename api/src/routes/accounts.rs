//! `/api/v1/users` and `/api/v1/clients`: account management, for admins, within their scope.

use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::Acting;
use crate::auth::{ManageAccounts, SubjectStatus};
use crate::extract::{JsonBody, EMPTY_BODY};
use crate::idempotency::Outcome;
use crate::problem::{AppError, Problem, ProblemBody, Text};
use crate::Logins;
use fupin_app::accounts::{self as workflow, hash_secret, parse_region, random_token};
use fupin_app::models::accounts::{
    Client, ClientPage, CreateClient, CreateUser, ResetPassword, User, UserPage,
};
use fupin_app::pagination::PageParams;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(disable_user)
        .service(enable_user)
        .service(reset_password)
        .service(list_clients)
        .service(create_client)
        .service(disable_client);
}

fn region_field(raw: &str) -> Result<fupin_domain::region::RegionCode, AppError> {
    parse_region(raw).ok_or_else(|| {
        AppError::invalid_field(
            "region_code",
            "invalid_region_code",
            Text::new(
                "a 12-digit region code or a 6-digit county code",
                "区划代码应为 12 位，或 6 位县级代码",
            ),
        )
    })
}

/// The argon2 hash of a new password or secret, made on the bounded pool logins use (it takes
/// a while and much memory by design).
async fn hashed(logins: &Logins, secret: String) -> Result<String, AppError> {
    logins.checks.run(move || hash_secret(&secret)).await?
}

/// List the users in your scope.
#[utoipa::path(tag = "accounts", params(PageParams),
    responses((status = 200, description = "One page of users", body = UserPage)))]
#[get("/api/v1/users")]
pub async fn list_users(
    acting: Acting<ManageAccounts>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, Problem> {
    let page = page.resolve("users")?;
    let (fetch, after) = (page.fetch(), page.after.clone());
    let rows = acting
        .read(move |conn, ctx| workflow::list::<User>(conn, ctx, after.as_deref(), fetch))
        .await?;
    let (items, next_cursor) = page.finish(rows, |r| r.id.clone());
    Ok(HttpResponse::Ok().json(UserPage { items, next_cursor }))
}

/// Create a person's account, within your scope.
#[utoipa::path(tag = "accounts", request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = User),
        (status = 403, description = "The region is outside your scope", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "The username is taken", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many password checks at once; see `Retry-After`", body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/users")]
pub async fn create_user(
    acting: Acting<ManageAccounts>,
    logins: web::Data<Logins>,
    req: HttpRequest,
    body: JsonBody<CreateUser>,
) -> Result<HttpResponse, Problem> {
    let request = body.value;
    let region = region_field(&request.region_code)?;
    workflow::check_password_strength(&request.password, request.username.trim())?;
    let password = request.password;
    let hash = hashed(&logins, password).await?;
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let user = workflow::create_user(
                conn,
                ctx,
                request.username.trim(),
                hash,
                request.role,
                &region,
            )?;
            let location = format!("/api/v1/users/{}", user.id);
            Ok(Outcome::new(StatusCode::CREATED, &user)?.with_location(location))
        })
        .await
}

async fn set_user_disabled(
    acting: Acting<ManageAccounts>,
    subjects: web::Data<SubjectStatus>,
    req: HttpRequest,
    id: String,
    disabled: bool,
) -> Result<HttpResponse, Problem> {
    let target = id.clone();
    let answer = acting
        .write_once(&req, EMPTY_BODY.to_owned(), move |conn, ctx| {
            let user = workflow::set_disabled::<User>(conn, ctx, &target, disabled)?;
            Outcome::new(StatusCode::OK, &user)
        })
        .await?;
    subjects.forget(&id);
    Ok(answer)
}

/// Disable a user: their tokens stop working within seconds and their refresh tokens are revoked.
#[utoipa::path(tag = "accounts",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "Disabled", body = User)))]
#[post("/api/v1/users/{id}/disable")]
pub async fn disable_user(
    acting: Acting<ManageAccounts>,
    subjects: web::Data<SubjectStatus>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    set_user_disabled(acting, subjects, req, id.into_inner(), true).await
}

/// Enable a disabled user again.
#[utoipa::path(tag = "accounts",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "Enabled", body = User)))]
#[post("/api/v1/users/{id}/enable")]
pub async fn enable_user(
    acting: Acting<ManageAccounts>,
    subjects: web::Data<SubjectStatus>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    set_user_disabled(acting, subjects, req, id.into_inner(), false).await
}

/// Set a user's password; their refresh tokens are revoked.
#[utoipa::path(tag = "accounts", request_body = ResetPassword,
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "Password set", body = User),
        (status = 429, description = "Too many password checks at once; see `Retry-After`", body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/users/{id}/password")]
pub async fn reset_password(
    acting: Acting<ManageAccounts>,
    logins: web::Data<Logins>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<ResetPassword>,
) -> Result<HttpResponse, Problem> {
    let password = body.value.password;
    let id = id.into_inner();
    let user_id = id.clone();
    let user = acting
        .read(move |conn, ctx| workflow::user(conn, ctx, &user_id))
        .await?;
    workflow::check_password_strength(&password, &user.username)?;
    let hash = hashed(&logins, password).await?;
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let user = workflow::reset_password(conn, ctx, &id, &hash)?;
            Outcome::new(StatusCode::OK, &user)
        })
        .await
}

/// List the client systems in your scope.
#[utoipa::path(tag = "accounts", params(PageParams),
    responses((status = 200, description = "One page of clients", body = ClientPage)))]
#[get("/api/v1/clients")]
pub async fn list_clients(
    acting: Acting<ManageAccounts>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, Problem> {
    let page = page.resolve("clients")?;
    let (fetch, after) = (page.fetch(), page.after.clone());
    let rows = acting
        .read(move |conn, ctx| workflow::list::<Client>(conn, ctx, after.as_deref(), fetch))
        .await?;
    let (items, next_cursor) = page.finish(rows, |r| r.id.clone());
    Ok(HttpResponse::Ok().json(ClientPage { items, next_cursor }))
}

/// Register a client system; the answer shows its secret, this once.
#[utoipa::path(tag = "accounts", request_body = CreateClient,
    responses(
        (status = 201, description = "Created, with `client_secret`", body = Client),
        (status = 409, description = "The client id is taken", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many password checks at once; see `Retry-After`", body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/clients")]
pub async fn create_client(
    acting: Acting<ManageAccounts>,
    logins: web::Data<Logins>,
    req: HttpRequest,
    body: JsonBody<CreateClient>,
) -> Result<HttpResponse, Problem> {
    let request = body.value;
    let region = region_field(&request.region_code)?;
    let secret = random_token();
    let hash = hashed(&logins, secret.clone()).await?;
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let mut client = workflow::create_client(
                conn,
                ctx,
                request.client_id.trim(),
                request.name.trim(),
                hash,
                &request.permissions,
                &region,
            )?;
            client.client_secret = Some(secret);
            let location = format!("/api/v1/clients/{}", client.id);
            Ok(Outcome::new(StatusCode::CREATED, &client)?.with_location(location))
        })
        .await
}

/// Disable a client system.
#[utoipa::path(tag = "accounts",
    params(("id" = String, Path, description = "Client record id")),
    responses((status = 200, description = "Disabled", body = Client)))]
#[post("/api/v1/clients/{id}/disable")]
pub async fn disable_client(
    acting: Acting<ManageAccounts>,
    subjects: web::Data<SubjectStatus>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let target = id.clone();
    let answer = acting
        .write_once(&req, EMPTY_BODY.to_owned(), move |conn, ctx| {
            let client = workflow::set_disabled::<Client>(conn, ctx, &target, true)?;
            Outcome::new(StatusCode::OK, &client)
        })
        .await?;
    subjects.forget(&id);
    Ok(answer)
}
