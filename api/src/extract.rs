//! Extractors that turn the raw request into typed input or a problem answer: the JSON body,
//! `If-Match`, `Idempotency-Key`, and query strings.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{PayloadError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::problem::{FieldError, Kind, Problem, Text};

/// The largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A JSON request body: `application/json`, at most [`MAX_BODY_BYTES`], no unknown fields,
/// each invalid field named in the problem answer.
pub struct JsonBody<T> {
    pub value: T,
    /// SHA-256 of the raw body, to tell a retried request from a different one.
    pub fingerprint: String,
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for JsonBody<T> {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = is_json(req);
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(Problem::new(Kind::UnsupportedMediaType).with_detail(
                    "The request body must be application/json",
                    "请求体必须是 application/json",
                ));
            }
            if declared_length.is_some_and(|n| n > MAX_BODY_BYTES) {
                return Err(too_large());
            }
            let bytes = body.await.map_err(|e| match e.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => too_large(),
                _ => Problem::bad_request("The request body could not be read", "无法读取请求体"),
            })?;
            let value = parse_json::<T>(&bytes)?;
            value.validate().map_err(validation_problem)?;
            Ok(JsonBody {
                value,
                fingerprint: format!("{:x}", Sha256::digest(&bytes)),
            })
        })
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn too_large() -> Problem {
    Problem::new(Kind::PayloadTooLarge).with_detail(
        format!("The body may be at most {MAX_BODY_BYTES} bytes"),
        format!("请求体最多 {MAX_BODY_BYTES} 字节"),
    )
}

/// Parses JSON, naming the field of a type error: syntax errors are 400, a well-formed body
/// with a wrong, missing or unknown field is 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = result.map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if !inner.is_data() {
            let message = strip_position(&inner.to_string());
            return Problem::new(Kind::MalformedJson).with_detail(message.clone(), message);
        }
        Problem::invalid_fields(vec![field_error_from_serde(
            &path,
            &strip_position(&inner.to_string()),
        )])
    })?;
    deserializer.end().map_err(|e| {
        let message = strip_position(&e.to_string());
        Problem::new(Kind::MalformedJson).with_detail(message.clone(), message)
    })?;
    Ok(value)
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn field_error_from_serde(path: &str, message: &str) -> FieldError {
    let named = message.split('`').nth(1).unwrap_or("");
    let join = |name: &str| {
        if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let (field, code, zh) = if message.starts_with("unknown field") {
        (join(named), "unknown_field", "不允许的字段")
    } else if message.starts_with("missing field") {
        (join(named), "required", "必填字段")
    } else if message.starts_with("unknown variant") {
        (path.to_owned(), "invalid_choice", "不是允许的取值之一")
    } else if message.starts_with("invalid type") {
        (path.to_owned(), "invalid_type", "类型错误")
    } else {
        (path.to_owned(), "invalid_value", "取值无效")
    };
    FieldError::new(field, code, Text::new(message, format!("{zh}: {message}")))
}

/// Turns `validator`'s findings into one field error each.
pub fn validation_problem(errors: ValidationErrors) -> Problem {
    let mut found = Vec::new();
    collect_validation(&errors, "", &mut found);
    Problem::invalid_fields(found)
}

fn collect_validation(errors: &ValidationErrors, prefix: &str, found: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let message = error
                        .message
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| describe_rule(error));
                    let zh = match error.code.as_ref() {
                        "length" => "长度不符合要求",
                        "range" => "超出允许范围",
                        _ => "取值无效",
                    };
                    found.push(FieldError::new(
                        path.clone(),
                        validation_code(&error.code),
                        Text::new(message.clone(), format!("{zh}: {message}")),
                    ));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_validation(inner, &path, found),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_validation(inner, &format!("{path}[{index}]"), found);
                }
            }
        }
    }
}

fn validation_code(code: &str) -> &'static str {
    match code {
        "length" => "length",
        "range" => "out_of_range",
        _ => "invalid_value",
    }
}

fn describe_rule(error: &validator::ValidationError) -> String {
    let param = |name: &str| error.params.get(name).map(ToString::to_string);
    match (param("min"), param("max")) {
        (Some(min), Some(max)) if error.code == "length" => {
            format!("length must be between {min} and {max}")
        }
        (Some(min), Some(max)) => format!("must be between {min} and {max}"),
        (None, Some(max)) if error.code == "length" => format!("length must be at most {max}"),
        (Some(min), None) if error.code == "length" => format!("length must be at least {min}"),
        _ => format!("fails the `{}` rule", error.code),
    }
}

/// The version a write expects, from `If-Match: "N"`.
pub fn if_match(req: &HttpRequest) -> Result<i64, Problem> {
    let raw = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or_else(|| Problem::new(Kind::IfMatchRequired))?;
    crate::etag::parse(raw.to_str().unwrap_or("")).ok_or_else(|| {
        Problem::bad_request(
            "If-Match must be one ETag such as \"3\"",
            "If-Match 必须是一个 ETag，例如 \"3\"",
        )
    })
}

/// The version a state-changing action expects, when the client sent `If-Match`.
pub fn optional_if_match(req: &HttpRequest) -> Result<Option<i64>, Problem> {
    if req.headers().contains_key(header::IF_MATCH) {
        if_match(req).map(Some)
    } else {
        Ok(None)
    }
}

/// The `Idempotency-Key` header, if sent: 1 to 200 visible ASCII characters.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, Problem> {
    let Some(raw) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match raw.to_str() {
        Ok(key)
            if !key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(key.to_owned()))
        }
        _ => Err(Problem::bad_request(
            "Idempotency-Key must be 1 to 200 visible ASCII characters",
            "Idempotency-Key 必须是 1 到 200 个可见 ASCII 字符",
        )),
    }
}

/// Makes a bad query string a 400 problem that names the parameter.
pub fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = strip_position(&error.to_string());
    Problem::bad_request(
        format!("Bad query parameter: {message}"),
        format!("查询参数无效: {message}"),
    )
    .into()
}
