//! The token endpoint as OAuth 2.0 clients expect it (RFC 6749): the request as
//! `application/x-www-form-urlencoded` (§4.3, §4.4, §6) or JSON, a client's secret in the body
//! or by HTTP Basic (§2.3.1), and errors that carry `error` and `error_description` (§5.2)
//! besides the problem details every other answer has.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::percent_decode_str;
use validator::Validate;

use crate::extract::{media_type, JsonBody, MAX_BODY_BYTES};
use crate::problem::{AppError, FieldError, Kind, Problem, Text};
use fupin_app::input::{parse_json_value, validation_problem};
use fupin_app::models::accounts::{GrantType, TokenRequest};

pub const FORM: &str = "application/x-www-form-urlencoded";

/// A token request, from a form or JSON body, with a client's HTTP Basic credentials merged in.
pub struct TokenBody(pub TokenRequest);

impl FromRequest for TokenBody {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let basic = basic_credentials(req);
        let is_form = media_type(req).as_deref() == Some(FORM);
        let bytes = is_form.then(|| web::Bytes::from_request(req, payload));
        let json = (!is_form).then(|| JsonBody::<TokenRequest>::from_request(req, payload));
        Box::pin(async move {
            let mut value = match (bytes, json) {
                (Some(bytes), _) => {
                    let bytes = bytes.await.map_err(|_| too_large_or_unreadable())?;
                    parse_form(&bytes)?
                }
                (None, Some(json)) => json.await.map_err(rfc6749)?.value,
                (None, None) => return Err(AppError::internal().into()),
            };
            // Client authentication matters to the client-credentials grant only: whatever a
            // person's login sends besides (Swagger UI sends an empty Basic pair) is ignored.
            let for_client = value.grant_type == GrantType::ClientCredentials;
            if let (Some(basic), true) = (basic, for_client) {
                let (id, secret) = basic?;
                if value.client_id.is_some() || value.client_secret.is_some() {
                    return Err(invalid_request(
                        "The client authenticated both by HTTP Basic and in the body",
                    )
                    .into());
                }
                (value.client_id, value.client_secret) = (Some(id), Some(secret));
            }
            Ok(TokenBody(value))
        })
    }
}

fn too_large_or_unreadable() -> Problem {
    invalid_request(&format!(
        "The body could not be read or is over {MAX_BODY_BYTES} bytes"
    ))
    .into()
}

/// A form body: every parameter at most once (§3.2), an empty one as if left out (§3.1).
fn parse_form(bytes: &[u8]) -> Result<TokenRequest, Problem> {
    let mut fields = serde_json::Map::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        if fields.contains_key(name.as_ref()) {
            return Err(rfc6749(
                AppError::invalid_field(
                    &name,
                    "duplicate_field",
                    Text::new("sent more than once", "重复发送"),
                )
                .into(),
            ));
        }
        if !value.is_empty() {
            fields.insert(
                name.into_owned(),
                serde_json::Value::String(value.into_owned()),
            );
        }
    }
    let value: TokenRequest =
        parse_json_value(serde_json::Value::Object(fields)).map_err(|e| rfc6749(e.into()))?;
    value
        .validate()
        .map_err(|e| rfc6749(validation_problem(e).into()))?;
    Ok(value)
}

/// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`, when sent.
fn basic_credentials(req: &HttpRequest) -> Option<Result<(String, String), Problem>> {
    let raw = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = raw.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decode = |part: &str| {
        let spaced = part.replace('+', " ");
        percent_decode_str(&spaced)
            .decode_utf8()
            .ok()
            .map(|s| s.into_owned())
    };
    let credentials = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            let (id, secret) = text.split_once(':')?;
            Some((decode(id)?, decode(secret)?))
        });
    Some(
        credentials.ok_or_else(|| {
            Problem::from(invalid_client("The HTTP Basic credentials cannot be read"))
        }),
    )
}

fn invalid_request(description: &str) -> AppError {
    with_oauth_members(
        AppError::new(Kind::InvalidTokenRequest).with_detail(description, "令牌请求无效"),
    )
}

/// A client system's id or secret is wrong, or the client is disabled (401, with
/// `WWW-Authenticate: Basic`).
pub fn invalid_client(description: &str) -> AppError {
    with_oauth_members(
        AppError::new(Kind::InvalidClient).with_detail(description, "客户端或密钥无效，或已停用"),
    )
}

/// An error of the token endpoint in RFC 6749's terms: a malformed request is 400
/// `invalid_request` (its `errors` still name each field), an unknown grant 400
/// `unsupported_grant_type`; the others keep their kind and gain `error`.
pub fn rfc6749(problem: Problem) -> Problem {
    let error = problem.0;
    let unknown_grant = |e: &FieldError| e.field == "grant_type" && e.code == "invalid_choice";
    let kind = match error.kind {
        Kind::ValidationFailed if error.errors.iter().any(unknown_grant) => {
            Kind::UnsupportedGrantType
        }
        Kind::ValidationFailed
        | Kind::MalformedJson
        | Kind::BadRequest
        | Kind::UnsupportedMediaType
        | Kind::PayloadTooLarge => Kind::InvalidTokenRequest,
        other => other,
    };
    with_oauth_members(AppError { kind, ..error }).into()
}

/// Adds `error` (RFC 6749 §5.2's code) and `error_description` (ASCII, as §5.2 requires).
fn with_oauth_members(error: AppError) -> AppError {
    let code = match error.kind {
        Kind::InvalidTokenRequest => "invalid_request",
        Kind::InvalidClient => "invalid_client",
        Kind::InvalidGrant => "invalid_grant",
        Kind::UnsupportedGrantType => "unsupported_grant_type",
        Kind::RateLimited | Kind::Unavailable => "temporarily_unavailable",
        _ => "server_error",
    };
    let description: String = error
        .detail
        .as_ref()
        .map_or(error.kind.titles().0, |d| d.en.as_str())
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control() && *c != '"' && *c != '\\')
        .collect();
    error
        .with_extension("error", serde_json::json!(code))
        .with_extension("error_description", serde_json::json!(description))
}

/// A person's username or password is wrong, the account disabled, or the refresh token
/// unusable (400 `invalid_grant`).
pub fn invalid_grant() -> AppError {
    with_oauth_members(AppError::new(Kind::InvalidGrant).with_detail(
        "The username, password or refresh token is not valid, or the account is disabled",
        "用户名、密码或刷新令牌无效，或账号已停用",
    ))
}

/// A grant's parameter is missing: 400 `invalid_request` naming it.
pub fn required(field: &str, value: Option<String>) -> Result<String, AppError> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| {
        let error = AppError::invalid_field(
            field,
            "required",
            Text::new(
                format!("{field} is required for this grant"),
                format!("此授权方式需要 {field}"),
            ),
        );
        with_oauth_members(AppError {
            kind: Kind::InvalidTokenRequest,
            ..error
        })
    })
}
