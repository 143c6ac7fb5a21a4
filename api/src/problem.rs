//! The one error type of the API, rendered as RFC 9457 problem details.
//!
//! A handler returns `Err(Problem)`; actix renders it in English. The `finish_problems`
//! middleware then adds the request's id and path, switches to Chinese when the client
//! prefers it, and turns actix's own plain-text errors (404, 405, ...) into the same shape.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use fupin_persistence::{StoreError, UniqueRule};
use serde::Serialize;
use utoipa::ToSchema;

/// The content type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// What kind of problem this is: its stable `type`, its status and its titles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    MalformedJson,
    BadRequest,
    Unauthorized,
    InvalidCredentials,
    Forbidden,
    RateLimited,
    InvalidCursor,
    NotFound,
    MethodNotAllowed,
    ResidentIdRegistered,
    HouseholdNumberTaken,
    RegionCodeTaken,
    StateConflict,
    StaleVersion,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    IdempotencyKeyReused,
    IfMatchRequired,
    Internal,
    Unavailable,
}

impl Kind {
    pub fn slug(self) -> &'static str {
        match self {
            Kind::MalformedJson => "malformed_json",
            Kind::BadRequest => "bad_request",
            Kind::Unauthorized => "unauthorized",
            Kind::InvalidCredentials => "invalid_credentials",
            Kind::Forbidden => "forbidden",
            Kind::RateLimited => "rate_limited",
            Kind::InvalidCursor => "invalid_cursor",
            Kind::NotFound => "not_found",
            Kind::MethodNotAllowed => "method_not_allowed",
            Kind::ResidentIdRegistered => "resident_id_registered",
            Kind::HouseholdNumberTaken => "household_number_taken",
            Kind::RegionCodeTaken => "region_code_taken",
            Kind::StateConflict => "state_conflict",
            Kind::StaleVersion => "stale_version",
            Kind::PayloadTooLarge => "payload_too_large",
            Kind::UnsupportedMediaType => "unsupported_media_type",
            Kind::ValidationFailed => "validation_failed",
            Kind::IdempotencyKeyReused => "idempotency_key_reused",
            Kind::IfMatchRequired => "if_match_required",
            Kind::Internal => "internal_error",
            Kind::Unavailable => "service_unavailable",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Kind::MalformedJson | Kind::BadRequest | Kind::InvalidCursor => StatusCode::BAD_REQUEST,
            Kind::Unauthorized | Kind::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Kind::ResidentIdRegistered
            | Kind::HouseholdNumberTaken
            | Kind::RegionCodeTaken
            | Kind::StateConflict => StatusCode::CONFLICT,
            Kind::StaleVersion => StatusCode::PRECONDITION_FAILED,
            Kind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::ValidationFailed | Kind::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::IfMatchRequired => StatusCode::PRECONDITION_REQUIRED,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// (English, Chinese) titles.
    pub fn titles(self) -> (&'static str, &'static str) {
        match self {
            Kind::MalformedJson => (
                "The request body is not valid JSON",
                "请求体不是有效的 JSON",
            ),
            Kind::BadRequest => ("The request is not valid", "请求无效"),
            Kind::InvalidCursor => ("The pagination cursor is not valid", "分页游标无效"),
            Kind::Unauthorized => ("Authentication is required", "需要身份认证"),
            Kind::InvalidCredentials => ("The credentials are not valid", "用户名或密码错误"),
            Kind::Forbidden => ("Not allowed", "无权操作"),
            Kind::RateLimited => (
                "Too many attempts; try again later",
                "尝试次数过多，请稍后再试",
            ),
            Kind::NotFound => ("Not found", "未找到"),
            Kind::MethodNotAllowed => ("Method not allowed", "不支持该请求方法"),
            Kind::ResidentIdRegistered => (
                "The resident ID number is already registered",
                "该身份证号码已登记",
            ),
            Kind::HouseholdNumberTaken => ("The household number is taken", "户编号已存在"),
            Kind::RegionCodeTaken => ("The region code is taken", "区划代码已存在"),
            Kind::StateConflict => (
                "The request conflicts with the current state",
                "请求与当前状态冲突",
            ),
            Kind::StaleVersion => (
                "The resource changed since you read it",
                "数据已被他人修改，请刷新后重试",
            ),
            Kind::PayloadTooLarge => ("The request body is too large", "请求体过大"),
            Kind::UnsupportedMediaType => (
                "The request body's media type is not accepted here",
                "此处不接受该请求体的媒体类型",
            ),
            Kind::ValidationFailed => ("The request has invalid fields", "请求中有无效字段"),
            Kind::IdempotencyKeyReused => (
                "The Idempotency-Key was used with a different request",
                "该幂等键已用于不同的请求",
            ),
            Kind::IfMatchRequired => (
                "An If-Match header with the current ETag is required",
                "需要携带当前 ETag 的 If-Match 请求头",
            ),
            Kind::Internal => ("Internal error", "服务器内部错误"),
            Kind::Unavailable => ("The service is unavailable", "服务暂不可用"),
        }
    }

    /// The problem a bare status code stands for, for errors actix produced itself.
    pub fn for_status(status: StatusCode) -> Kind {
        match status.as_u16() {
            401 => Kind::Unauthorized,
            403 => Kind::Forbidden,
            404 => Kind::NotFound,
            405 => Kind::MethodNotAllowed,
            409 => Kind::StateConflict,
            412 => Kind::StaleVersion,
            413 => Kind::PayloadTooLarge,
            415 => Kind::UnsupportedMediaType,
            422 => Kind::ValidationFailed,
            429 => Kind::RateLimited,
            428 => Kind::IfMatchRequired,
            503 => Kind::Unavailable,
            400..=499 => Kind::BadRequest,
            _ => Kind::Internal,
        }
    }
}

/// A text in both languages the API speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            zh: zh.into(),
        }
    }

    pub fn pick(&self, chinese: bool) -> &str {
        if chinese {
            &self.zh
        } else {
            &self.en
        }
    }
}

/// One invalid field: where, a stable code, and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: Text) -> Self {
        Self {
            field: field.into(),
            code,
            message,
        }
    }
}

/// An error answer before it is rendered.
#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: Kind,
    pub detail: Option<Text>,
    pub errors: Vec<FieldError>,
    /// Seconds until a rate-limited client may try again.
    pub retry_after: Option<u64>,
    /// More members of the problem body, e.g. the allowed next steps of a refused transition.
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(kind: Kind) -> Self {
        Self {
            kind,
            detail: None,
            errors: Vec::new(),
            retry_after: None,
            extensions: serde_json::Map::new(),
        }
    }

    pub fn with_detail(mut self, en: impl Into<String>, zh: impl Into<String>) -> Self {
        self.detail = Some(Text::new(en, zh));
        self
    }

    pub fn with_extension(mut self, name: &str, value: serde_json::Value) -> Self {
        self.extensions.insert(name.to_owned(), value);
        self
    }

    pub fn not_found(what: &str, zh_what: &str) -> Self {
        Problem::new(Kind::NotFound).with_detail(
            format!("No {what} with this id"),
            format!("未找到该{zh_what}"),
        )
    }

    pub fn bad_request(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Problem::new(Kind::BadRequest).with_detail(en, zh)
    }

    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        Problem {
            errors,
            ..Problem::new(Kind::ValidationFailed)
        }
    }

    pub fn invalid_field(field: &str, code: &'static str, message: Text) -> Self {
        Problem::invalid_fields(vec![FieldError::new(field, code, message)])
    }

    pub fn internal() -> Self {
        Problem::new(Kind::Internal)
    }

    /// The JSON body, in Chinese when `chinese`; `instance` and `request_id` are known only
    /// to the middleware.
    pub fn body(
        &self,
        chinese: bool,
        instance: Option<&str>,
        request_id: Option<&str>,
    ) -> ProblemBody {
        let (en, zh) = self.kind.titles();
        ProblemBody {
            problem_type: format!("urn:fupin:problem:{}", self.kind.slug()),
            title: if chinese { zh } else { en }.to_owned(),
            status: self.kind.status().as_u16(),
            detail: self.detail.as_ref().map(|d| d.pick(chinese).to_owned()),
            instance: instance.map(str::to_owned),
            request_id: request_id.map(str::to_owned),
            errors: self
                .errors
                .iter()
                .map(|e| FieldErrorBody {
                    field: e.field.clone(),
                    code: e.code.to_owned(),
                    message: e.message.pick(chinese).to_owned(),
                })
                .collect(),
            extensions: self.extensions.clone(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind.slug())?;
        if let Some(detail) = &self.detail {
            write!(f, ": {}", detail.en)?;
        }
        Ok(())
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.retry_after {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        if self.kind == Kind::Unauthorized {
            response.insert_header((actix_web::http::header::WWW_AUTHENTICATE, "Bearer"));
        }
        response
            .content_type(PROBLEM_JSON)
            .json(self.body(false, None, None))
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
    /// Stable identifier of the kind of problem; clients key on it.
    #[serde(rename = "type")]
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

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorBody {
    /// Path of the field in the request, e.g. `head.id_number` or `other_causes[1]`.
    pub field: String,
    /// Stable code of the rule the field breaks.
    pub code: String,
    pub message: String,
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Problem::new(Kind::NotFound),
            StoreError::Stale { current } => Problem::new(Kind::StaleVersion).with_detail(
                format!("The current ETag is \"{current}\"; read the resource again and reapply your change"),
                format!("当前 ETag 为 \"{current}\"，请重新读取后再修改"),
            ),
            StoreError::Unique(rule) => match rule {
                UniqueRule::HouseholdNumber => Problem::new(Kind::HouseholdNumberTaken),
                UniqueRule::RegionCode => Problem::new(Kind::RegionCodeTaken),
                UniqueRule::CurrentResidentId => Problem::new(Kind::ResidentIdRegistered),
                UniqueRule::CurrentHead => Problem::new(Kind::StateConflict)
                    .with_detail("The household already has a head", "该户已有户主"),
                UniqueRule::IdempotencyKey | UniqueRule::Other => Problem::new(Kind::StateConflict),
            },
            StoreError::Unavailable(reason) => {
                tracing::warn!(%reason, "database unavailable");
                Problem::new(Kind::Unavailable)
            }
            StoreError::Corrupt(reason) => {
                tracing::error!(%reason, "stored value not valid");
                Problem::internal()
            }
            StoreError::Database(error) => {
                tracing::error!(%error, "database error");
                Problem::internal()
            }
        }
    }
}

// Needed by Diesel's transaction(), which turns its own errors into the closure's error type.
impl From<fupin_persistence::DieselError> for Problem {
    fn from(error: fupin_persistence::DieselError) -> Self {
        Problem::from(StoreError::from(error))
    }
}
