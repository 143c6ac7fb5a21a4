//! `/api/v1/auth`: tokens for people and client systems, and logout.

use std::time::Instant;

use actix_web::post;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use chrono::{SubsecRound, Utc};
use fupin_persistence::DbPool;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::TokenService;
use crate::extract::JsonBody;
use crate::middleware::RequestId;
use crate::problem::{AppError, Kind, Problem, ProblemBody, Text};
use crate::throttle::LoginThrottle;
use crate::RefreshLifetime;
use fupin_app::accounts::{self as workflow, LoginOutcome};
use fupin_app::models::accounts::{GrantType, LogoutRequest, TokenRequest, TokenResponse};
use fupin_app::run as db;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue_token).service(logout);
}

fn required(field: &str, value: Option<String>) -> Result<String, AppError> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| {
        AppError::invalid_field(
            field,
            "required",
            Text::new(
                format!("{field} is required for this grant"),
                format!("此授权方式需要 {field}"),
            ),
        )
    })
}

fn refused() -> AppError {
    AppError::new(Kind::InvalidCredentials).with_detail(
        "The username, client or secret is not valid, or the account is disabled",
        "用户名、客户端或密码无效，或账号已停用",
    )
}

/// Get an access token: `password` (people), `client_credentials` (client systems) or
/// `refresh_token` (people; the refresh token is rotated).
///
/// Failed attempts are limited per username and per client address (429 with `Retry-After`).
/// Answers never tell whether a username exists.
#[utoipa::path(tag = "auth", request_body = TokenRequest, security(()),
    responses(
        (status = 200, description = "Tokens", body = TokenResponse),
        (status = 401, description = "Wrong credentials, disabled account, or an unusable refresh token \
            (`invalid_credentials`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = ProblemBody,
            content_type = "application/problem+json"),
    ))]
#[post("/api/v1/auth/token")]
pub async fn issue_token(
    pool: web::Data<DbPool>,
    tokens: web::Data<TokenService>,
    throttle: web::Data<LoginThrottle>,
    refresh_lifetime: web::Data<RefreshLifetime>,
    req: HttpRequest,
    body: JsonBody<TokenRequest>,
) -> Result<HttpResponse, Problem> {
    let request = body.value;
    let now = Utc::now().trunc_subsecs(6);
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let lifetime = refresh_lifetime.0;
    let (throttled_name, outcome) = match request.grant_type {
        GrantType::Password => {
            let username = required("username", request.username)?;
            let password = required("password", request.password)?;
            check_throttle(&throttle, &username, &address)?;
            let name = username.clone();
            let outcome = db::write(&pool, move |conn| {
                workflow::login_with_password(
                    conn,
                    &username,
                    &password,
                    now.naive_utc(),
                    lifetime,
                    request_id,
                )
            })
            .await?;
            (name, outcome)
        }
        GrantType::ClientCredentials => {
            let client_id = required("client_id", request.client_id)?;
            let secret = required("client_secret", request.client_secret)?;
            check_throttle(&throttle, &client_id, &address)?;
            let name = client_id.clone();
            let outcome = db::write(&pool, move |conn| {
                workflow::login_with_client_secret(
                    conn,
                    &client_id,
                    &secret,
                    now.naive_utc(),
                    request_id,
                )
            })
            .await?;
            (name, outcome)
        }
        GrantType::RefreshToken => {
            let presented = required("refresh_token", request.refresh_token)?;
            check_throttle(&throttle, "", &address)?;
            let outcome = db::write(&pool, move |conn| {
                workflow::refresh(conn, &presented, now.naive_utc(), lifetime, request_id)
            })
            .await?;
            (String::new(), outcome)
        }
    };
    match outcome {
        LoginOutcome::Refused => {
            throttle.record_failure(&throttled_name, &address, Instant::now());
            Err(refused().into())
        }
        LoginOutcome::Accepted {
            subject,
            refresh_token,
        } => {
            throttle.record_success(&throttled_name);
            let access_token = tokens.issue(
                &subject.id,
                &subject.name,
                subject.role,
                &subject.region,
                now,
            )?;
            Ok(HttpResponse::Ok().json(TokenResponse {
                access_token,
                token_type: "Bearer".into(),
                expires_in: tokens.access_lifetime.as_secs(),
                refresh_token,
                role: subject.role,
                region_code: subject.region,
            }))
        }
    }
}

fn check_throttle(throttle: &LoginThrottle, name: &str, address: &str) -> Result<(), AppError> {
    throttle
        .check(name, address, Instant::now())
        .map_err(|seconds| AppError {
            retry_after: Some(seconds),
            ..AppError::new(Kind::RateLimited).with_detail(
                format!("Too many failed attempts; try again in {seconds} s"),
                format!("失败次数过多，请 {seconds} 秒后再试"),
            )
        })
}

/// Log out: revoke a refresh token (an unknown one is ignored).
#[utoipa::path(tag = "auth", request_body = LogoutRequest, security(()),
    responses((status = 204, description = "Revoked")))]
#[post("/api/v1/auth/logout")]
pub async fn logout(
    pool: web::Data<DbPool>,
    req: HttpRequest,
    body: JsonBody<LogoutRequest>,
) -> Result<HttpResponse, Problem> {
    let now = Utc::now().trunc_subsecs(6).naive_utc();
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let token = body.value.refresh_token;
    db::write(&pool, move |conn| {
        workflow::logout(conn, &token, now, request_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
