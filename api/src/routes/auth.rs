//! `/api/v1/auth`: tokens for people and client systems, and logout.

use std::time::Instant;

use actix_web::post;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use chrono::{SubsecRound, Utc};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::DbPool;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::TokenService;
use crate::extract::JsonBody;
use crate::middleware::RequestId;
use crate::oauth::{self, invalid_client, invalid_grant, required, TokenBody};
use crate::problem::{AppError, Kind, OAuthProblemBody, Problem};
use crate::throttle::{Attempt, LoginThrottle};
use crate::Logins;
use fupin_app::accounts::{self as workflow, Holder, LoginOutcome};
use fupin_app::models::accounts::{GrantType, LogoutRequest, TokenRequest, TokenResponse};
use fupin_app::run as db;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue_token).service(logout);
}

/// Get an access token (OAuth 2.0, RFC 6749): `password` (people, §4.3), `client_credentials`
/// (client systems, §4.4; the secret in the body or by HTTP Basic, §2.3.1) or `refresh_token`
/// (people, §6; the refresh token is rotated). The body is `application/x-www-form-urlencoded`,
/// as OAuth 2.0 libraries send it; the same fields as a JSON object (`application/json`) are
/// accepted too. (Only the form is declared: openapi-python-client 0.29 cannot generate an
/// operation offering both.) `scope` is accepted and ignored: a person's role or
/// a client's grants decide what the token allows. Client credentials sent with the other
/// grants are ignored.
///
/// Errors carry RFC 6749's `error` and `error_description` besides the problem details: 400
/// `invalid_request` (a missing or repeated parameter, a bad body; `errors` names each field),
/// 400 `unsupported_grant_type`, 400 `invalid_grant` (a wrong username or password, a disabled
/// account, an unusable refresh token), 401 `invalid_client` (a wrong client id or secret, a
/// disabled client; with `WWW-Authenticate: Basic`).
///
/// Attempts are limited per (username or client, address) and per address (429 with
/// `Retry-After`): each reserves its place before the secret is checked, so a burst of guesses
/// is refused at once, and a stranger's failures from another address never lock an account's
/// owner out. Secrets are checked on a pool of one check per core; when it is full the answer
/// is 429 at once. Answers never tell whether a username exists. Token requests are not
/// replayed for an `Idempotency-Key`: a token is never stored.
#[utoipa::path(tag = "auth", security(()),
    request_body(content((TokenRequest = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "Tokens", body = TokenResponse),
        (status = 400, description = "`invalid_request`, `unsupported_grant_type` or `invalid_grant`",
            body = OAuthProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_client`", body = OAuthProblemBody,
            content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"fupin\"`"))),
        (status = 429, description = "Too many attempts from this address or for this name, or too \
            many logins at once; see `Retry-After`", body = OAuthProblemBody,
            content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
#[post("/api/v1/auth/token")]
pub async fn issue_token(
    pool: web::Data<DbPool>,
    tokens: web::Data<TokenService>,
    logins: web::Data<Logins>,
    keys: web::Data<PersonalDataKeys>,
    req: HttpRequest,
    body: TokenBody,
) -> Result<HttpResponse, Problem> {
    let request = body.0;
    let holder = match request.grant_type {
        GrantType::ClientCredentials => Holder::Client,
        GrantType::Password | GrantType::RefreshToken => Holder::Person,
    };
    token(pool, tokens, logins, keys, req, request)
        .await
        .map_err(|problem| match problem.0.kind {
            Kind::InvalidGrant if holder == Holder::Client => {
                invalid_client("The client or its secret is not valid, or the client is disabled")
                    .into()
            }
            _ => oauth::rfc6749(problem),
        })
}

async fn token(
    pool: web::Data<DbPool>,
    tokens: web::Data<TokenService>,
    logins: web::Data<Logins>,
    keys: web::Data<PersonalDataKeys>,
    req: HttpRequest,
    request: TokenRequest,
) -> Result<HttpResponse, Problem> {
    let now = Utc::now().trunc_subsecs(6);
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let address = req
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    let (throttle, checks, lifetime) = (&logins.throttle, &logins.checks, logins.refresh_lifetime);
    let (holder, name, secret) = match request.grant_type {
        GrantType::Password => (
            Holder::Person,
            required("username", request.username)?,
            required("password", request.password)?,
        ),
        GrantType::ClientCredentials => (
            Holder::Client,
            required("client_id", request.client_id)?,
            required("client_secret", request.client_secret)?,
        ),
        GrantType::RefreshToken => {
            let presented = required("refresh_token", request.refresh_token)?;
            let attempt = reserve(throttle, None, &address)?;
            let keys = keys.clone();
            let outcome = db::write(&pool, move |conn| {
                workflow::refresh(
                    conn,
                    &keys,
                    &presented,
                    now.naive_utc(),
                    lifetime,
                    request_id,
                )
            })
            .await;
            return answer(throttle, attempt, outcome, &tokens, now);
        }
    };
    let attempt = reserve(throttle, Some(&name), &address)?;
    let outcome = async {
        let candidate = db::read(&pool, move |conn| {
            workflow::find_candidate(conn, holder, &name)
        })
        .await?;
        let (candidate, matched) = checks
            .run(move || {
                let matched = candidate.secret_matches(&secret);
                (candidate, matched)
            })
            .await?;
        db::write(&pool, move |conn| {
            workflow::finish_login(
                conn,
                &keys,
                candidate,
                matched,
                now.naive_utc(),
                lifetime,
                request_id,
            )
        })
        .await
    }
    .await;
    answer(throttle, attempt, outcome, &tokens, now)
}

/// Settles the attempt by its outcome and answers.
fn answer(
    throttle: &LoginThrottle,
    attempt: Attempt,
    outcome: Result<LoginOutcome, AppError>,
    tokens: &TokenService,
    now: chrono::DateTime<Utc>,
) -> Result<HttpResponse, Problem> {
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(problem) => {
            // Not the client's failure: the server failed or was too busy to judge.
            throttle.forget(attempt);
            return Err(problem.into());
        }
    };
    let LoginOutcome::Accepted {
        subject,
        refresh_token,
    } = outcome
    else {
        // The reserved place stays: it counts as the failure.
        return Err(invalid_grant().into());
    };
    throttle.succeeded(attempt);
    let access_token = tokens.issue(
        &subject.id,
        &subject.name,
        (subject.role, &subject.grants),
        &subject.region,
        now,
    )?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: tokens.access_lifetime.as_secs(),
        refresh_token,
        role: subject.role,
        permissions: subject.grants,
        region_code: subject.region,
    }))
}

fn reserve(
    throttle: &LoginThrottle,
    name: Option<&str>,
    address: &str,
) -> Result<Attempt, AppError> {
    throttle
        .reserve(name, address, Instant::now())
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
    keys: web::Data<PersonalDataKeys>,
    req: HttpRequest,
    body: JsonBody<LogoutRequest>,
) -> Result<HttpResponse, Problem> {
    let now = Utc::now().trunc_subsecs(6).naive_utc();
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let token = body.value.refresh_token;
    db::write(&pool, move |conn| {
        workflow::logout(conn, &keys, &token, now, request_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
