//! The one error type of the units of work. It says what went wrong in terms a client can act
//! on (a stable kind, a detail in English and Chinese, one entry per invalid field); the API
//! crate renders it as RFC 9457 problem details at the edge.

use fupin_persistence::{StoreError, UniqueRule};

/// What kind of error this is: its stable `type`, its HTTP status and its titles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    MalformedJson,
    BadRequest,
    Unauthorized,
    /// The token endpoint's kinds, named as RFC 6749 §5.2 names them.
    InvalidTokenRequest,
    InvalidGrant,
    InvalidClient,
    UnsupportedGrantType,
    Forbidden,
    /// The caller's role allows the step, but the caller took the step before it (or decided
    /// the money it would undo): someone else must.
    SeparationOfDuties,
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
    /// Every kind, in declaration order: the document lists each with its status and title.
    pub const ALL: [Kind; 25] = [
        Kind::MalformedJson,
        Kind::BadRequest,
        Kind::Unauthorized,
        Kind::InvalidTokenRequest,
        Kind::InvalidGrant,
        Kind::InvalidClient,
        Kind::UnsupportedGrantType,
        Kind::Forbidden,
        Kind::SeparationOfDuties,
        Kind::RateLimited,
        Kind::InvalidCursor,
        Kind::NotFound,
        Kind::MethodNotAllowed,
        Kind::ResidentIdRegistered,
        Kind::HouseholdNumberTaken,
        Kind::RegionCodeTaken,
        Kind::StateConflict,
        Kind::StaleVersion,
        Kind::PayloadTooLarge,
        Kind::UnsupportedMediaType,
        Kind::ValidationFailed,
        Kind::IdempotencyKeyReused,
        Kind::IfMatchRequired,
        Kind::Internal,
        Kind::Unavailable,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Kind::MalformedJson => "malformed_json",
            Kind::BadRequest => "bad_request",
            Kind::Unauthorized => "unauthorized",
            Kind::InvalidTokenRequest => "invalid_request",
            Kind::InvalidGrant => "invalid_grant",
            Kind::InvalidClient => "invalid_client",
            Kind::UnsupportedGrantType => "unsupported_grant_type",
            Kind::Forbidden => "forbidden",
            Kind::SeparationOfDuties => "separation_of_duties",
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

    /// The HTTP status code of this kind.
    pub fn status(self) -> u16 {
        match self {
            Kind::MalformedJson
            | Kind::BadRequest
            | Kind::InvalidCursor
            | Kind::InvalidTokenRequest
            | Kind::InvalidGrant
            | Kind::UnsupportedGrantType => 400,
            Kind::Unauthorized | Kind::InvalidClient => 401,
            Kind::Forbidden | Kind::SeparationOfDuties => 403,
            Kind::RateLimited => 429,
            Kind::NotFound => 404,
            Kind::MethodNotAllowed => 405,
            Kind::ResidentIdRegistered
            | Kind::HouseholdNumberTaken
            | Kind::RegionCodeTaken
            | Kind::StateConflict => 409,
            Kind::StaleVersion => 412,
            Kind::PayloadTooLarge => 413,
            Kind::UnsupportedMediaType => 415,
            Kind::ValidationFailed | Kind::IdempotencyKeyReused => 422,
            Kind::IfMatchRequired => 428,
            Kind::Internal => 500,
            Kind::Unavailable => 503,
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
            Kind::InvalidTokenRequest => ("The token request is not valid", "令牌请求无效"),
            Kind::InvalidGrant => (
                "The username, password or refresh token is not valid",
                "用户名、密码或刷新令牌无效",
            ),
            Kind::InvalidClient => ("The client or its secret is not valid", "客户端或密钥无效"),
            Kind::UnsupportedGrantType => ("The grant type is not supported", "不支持该授权方式"),
            Kind::Forbidden => ("Not allowed", "无权操作"),
            Kind::SeparationOfDuties => {
                ("Someone else must take this step", "此步骤须由另一人办理")
            }
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

    /// The kind a bare status code stands for, for errors the web framework produced itself.
    pub fn for_status(status: u16) -> Kind {
        match status {
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

/// Why a unit of work (or a request) could not be done.
#[derive(Debug, Clone)]
pub struct AppError {
    pub kind: Kind,
    pub detail: Option<Text>,
    pub errors: Vec<FieldError>,
    /// Seconds until a rate-limited client may try again.
    pub retry_after: Option<u64>,
    /// More members of the answer, e.g. the allowed next steps of a refused transition.
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl AppError {
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
        AppError::new(Kind::NotFound).with_detail(
            format!("No {what} with this id"),
            format!("未找到该{zh_what}"),
        )
    }

    pub fn bad_request(en: impl Into<String>, zh: impl Into<String>) -> Self {
        AppError::new(Kind::BadRequest).with_detail(en, zh)
    }

    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        AppError {
            errors,
            ..AppError::new(Kind::ValidationFailed)
        }
    }

    pub fn invalid_field(field: &str, code: &'static str, message: Text) -> Self {
        AppError::invalid_fields(vec![FieldError::new(field, code, message)])
    }

    pub fn internal() -> Self {
        AppError::new(Kind::Internal)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind.slug())?;
        if let Some(detail) = &self.detail {
            write!(f, ": {}", detail.en)?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => AppError::new(Kind::NotFound),
            StoreError::Stale { current } => AppError::new(Kind::StaleVersion).with_detail(
                format!("The current ETag is \"{current}\"; read the resource again and reapply your change"),
                format!("当前 ETag 为 \"{current}\"，请重新读取后再修改"),
            ),
            StoreError::Unique(rule) => match rule {
                UniqueRule::HouseholdNumber => AppError::new(Kind::HouseholdNumberTaken),
                UniqueRule::RegionCode => AppError::new(Kind::RegionCodeTaken),
                UniqueRule::CurrentResidentId => AppError::new(Kind::ResidentIdRegistered),
                UniqueRule::CurrentHead => AppError::new(Kind::StateConflict)
                    .with_detail("The household already has a head", "该户已有户主"),
                UniqueRule::IdempotencyKey | UniqueRule::Other => AppError::new(Kind::StateConflict),
            },
            StoreError::Unavailable(reason) => {
                tracing::warn!(%reason, "database unavailable");
                AppError {
                    retry_after: Some(RETRY_UNAVAILABLE_AFTER_SECS),
                    ..AppError::new(Kind::Unavailable)
                }
            }
            StoreError::Corrupt(reason) => {
                tracing::error!(%reason, "stored value not valid");
                AppError::internal()
            }
            StoreError::Database(error) => {
                tracing::error!(%error, "database error");
                AppError::internal()
            }
        }
    }
}

/// What a 503 from the database asks the client to wait: long enough for a lock to pass or a
/// restarted server to come back.
pub const RETRY_UNAVAILABLE_AFTER_SECS: u64 = 5;

// Needed by Diesel's transaction(), which turns its own errors into the closure's error type.
impl From<fupin_persistence::DieselError> for AppError {
    fn from(error: fupin_persistence::DieselError) -> Self {
        AppError::from(StoreError::from(error))
    }
}

/// One invalid field as answers show it (problem details and import reports alike).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    /// Path of the field in the request, e.g. `head.id_number` or `other_causes[1]`.
    pub field: String,
    /// Stable code of the rule the field breaks.
    pub code: String,
    pub message: String,
}

impl FieldError {
    /// The field error in the language the client prefers.
    pub fn body(&self, chinese: bool) -> FieldErrorBody {
        FieldErrorBody {
            field: self.field.clone(),
            code: self.code.to_owned(),
            message: self.message.pick(chinese).to_owned(),
        }
    }
}

#[cfg(test)]
mod kind_tests {
    use super::Kind;

    /// The position of a kind in `Kind::ALL`. The match has no wildcard, so a new kind does not
    /// compile until it is given one, and the test below then fails until `ALL` holds it.
    fn position(kind: Kind) -> usize {
        match kind {
            Kind::MalformedJson => 0,
            Kind::BadRequest => 1,
            Kind::Unauthorized => 2,
            Kind::InvalidTokenRequest => 3,
            Kind::InvalidGrant => 4,
            Kind::InvalidClient => 5,
            Kind::UnsupportedGrantType => 6,
            Kind::Forbidden => 7,
            Kind::SeparationOfDuties => 8,
            Kind::RateLimited => 9,
            Kind::InvalidCursor => 10,
            Kind::NotFound => 11,
            Kind::MethodNotAllowed => 12,
            Kind::ResidentIdRegistered => 13,
            Kind::HouseholdNumberTaken => 14,
            Kind::RegionCodeTaken => 15,
            Kind::StateConflict => 16,
            Kind::StaleVersion => 17,
            Kind::PayloadTooLarge => 18,
            Kind::UnsupportedMediaType => 19,
            Kind::ValidationFailed => 20,
            Kind::IdempotencyKeyReused => 21,
            Kind::IfMatchRequired => 22,
            Kind::Internal => 23,
            Kind::Unavailable => 24,
        }
    }

    #[test]
    fn all_lists_every_kind_once() {
        for (i, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(position(*kind), i, "{kind:?}");
        }
    }
}
