//! The edge of the error path: an [`AppError`] becomes RFC 9457 problem details.
//!
//! A handler returns `Err(Problem)`; actix renders it in English. The `finish_problems`
//! middleware then adds the request's id and path, switches to Chinese when the client
//! prefers it, and turns actix's own plain-text errors (404, 405, ...) into the same shape.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
pub use fupin_app::error::{AppError, FieldError, FieldErrorBody, Kind, Text};
use fupin_persistence::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The content type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error on its way out as an HTTP answer.
#[derive(Debug, Clone)]
pub struct Problem(pub AppError);

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        Problem(error)
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        Problem(error.into())
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

fn status_of(kind: Kind) -> StatusCode {
    StatusCode::from_u16(kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        status_of(self.0.kind)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.0.retry_after {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        let challenge = match self.0.kind {
            Kind::Unauthorized => Some("Bearer"),
            Kind::InvalidClient => Some("Basic realm=\"fupin\""),
            _ => None,
        };
        if let Some(challenge) = challenge {
            response.insert_header((actix_web::http::header::WWW_AUTHENTICATE, challenge));
        }
        response
            .content_type(PROBLEM_JSON)
            .json(body(&self.0, false, None, None))
    }
}

/// The stable `type` of a kind of problem: `urn:fupin:problem:<slug>`.
pub fn problem_type(kind: Kind) -> String {
    format!("urn:fupin:problem:{}", kind.slug())
}

/// The JSON body of `error`, in Chinese when `chinese`; `instance` and `request_id` are known
/// only to the middleware.
pub fn body(
    error: &AppError,
    chinese: bool,
    instance: Option<&str>,
    request_id: Option<&str>,
) -> ProblemBody {
    let (en, zh) = error.kind.titles();
    ProblemBody {
        problem_type: problem_type(error.kind),
        title: if chinese { zh } else { en }.to_owned(),
        status: error.kind.status(),
        detail: error.detail.as_ref().map(|d| d.pick(chinese).to_owned()),
        instance: instance.map(str::to_owned),
        request_id: request_id.map(str::to_owned),
        errors: error.errors.iter().map(|e| e.body(chinese)).collect(),
        extensions: error.extensions.clone(),
    }
}

/// RFC 9457 problem details, as every error answer carries them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:fupin:problem:validation_failed",
    "title": "The request has invalid fields",
    "status": 422,
    "instance": "/api/v1/households",
    "request_id": "0193a4c2-7a51-7c3e-9b0e-2f1d6c1e8a11",
    "errors": [{"field": "head.id_number", "code": "invalid_resident_id", "message": "the check character should be X"}]
}))]
pub struct ProblemBody {
    /// Stable identifier of the kind of problem; clients key on it. The document's description
    /// lists each with its status and meaning.
    #[serde(rename = "type")]
    #[schema(format = "problem-type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// One entry per invalid field (validation problems only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
    /// Problem-specific members, e.g. `allowed_next_steps` of a refused transition.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// The problem details of the token endpoint, with RFC 6749 §5.2's members.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:fupin:problem:invalid_grant",
    "title": "The username, password or refresh token is not valid",
    "status": 400,
    "error": "invalid_grant",
    "error_description": "The username, password or refresh token is not valid, or the account is disabled"
}))]
pub struct OAuthProblemBody {
    #[serde(rename = "type")]
    #[schema(format = "problem-type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// RFC 6749 §5.2's error code.
    pub error: OAuthError,
    /// For the developer, in English (ASCII).
    pub error_description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
}

/// RFC 6749 §5.2's error codes, and `temporarily_unavailable` for 429/503.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthError {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    TemporarilyUnavailable,
    ServerError,
}
