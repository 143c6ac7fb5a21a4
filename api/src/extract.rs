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
use validator::Validate;

use crate::problem::{AppError, FieldError, Kind, Problem};
use fupin_app::input::{
    lies_within, parse_valid, parse_valid_faults, serde_message_in_chinese, strip_position, Parsed,
};

/// The fingerprint of a POST that takes no body (SHA-256 of nothing), for `Idempotency-Key`.
pub const EMPTY_BODY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A JSON request body: `application/json`, at most [`MAX_BODY_BYTES`], no unknown fields,
/// every invalid field (type or length) named in one problem answer.
pub struct JsonBody<T> {
    pub value: T,
    /// SHA-256 of the raw body, to tell a retried request from a different one.
    pub fingerprint: String,
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for JsonBody<T> {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_bytes(req, payload);
        Box::pin(async move {
            let (bytes, fingerprint) = body.await?;
            Ok(JsonBody {
                value: parse_valid::<T>(&bytes)?,
                fingerprint,
            })
        })
    }
}

/// A JSON body whose domain rules run beside its type and length rules, so that one answer
/// names every fault. Its value is reached only through [`CheckedBody::check`], which never
/// hands out a body with a fault (nor the stand-ins put where the faults were).
pub struct CheckedBody<T> {
    parsed: Parsed<T>,
    pub fingerprint: String,
}

impl<T> CheckedBody<T> {
    /// Runs the domain `rules` (when the body could be typed) and answers every fault found.
    pub fn check<U>(self, rules: impl FnOnce(T) -> Result<U, AppError>) -> Result<U, AppError> {
        let Parsed {
            value,
            mut faults,
            stand_ins,
        } = self.parsed;
        let Some(value) = value else {
            return Err(AppError::invalid_fields(faults));
        };
        match rules(value) {
            Ok(checked) if faults.is_empty() => Ok(checked),
            Err(error) if error.kind == Kind::ValidationFailed => {
                // One entry per field: a rule about a field already at fault adds nothing.
                let new: Vec<FieldError> = error
                    .errors
                    .into_iter()
                    .filter(|f| !lies_within(&stand_ins, &f.field))
                    .filter(|f| !faults.iter().any(|known| known.field == f.field))
                    .collect();
                faults.extend(new);
                Err(AppError::invalid_fields(faults))
            }
            Err(error) if faults.is_empty() => Err(error),
            _ => Err(AppError::invalid_fields(faults)),
        }
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for CheckedBody<T> {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_bytes(req, payload);
        Box::pin(async move {
            let (bytes, fingerprint) = body.await?;
            Ok(CheckedBody {
                parsed: parse_valid_faults::<T>(&bytes)?,
                fingerprint,
            })
        })
    }
}

/// The bytes of a JSON body and their SHA-256: 415 for another media type, 413 when too large.
fn json_bytes(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<(web::Bytes, String), Problem>> {
    let content_type_ok = is_json(req);
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let body = web::Bytes::from_request(req, payload);
    async move {
        if !content_type_ok {
            return Err(AppError::new(Kind::UnsupportedMediaType)
                .with_detail(
                    "The request body must be application/json",
                    "请求体必须是 application/json",
                )
                .into());
        }
        if declared_length.is_some_and(|n| n > MAX_BODY_BYTES) {
            return Err(too_large().into());
        }
        let bytes = body.await.map_err(|e| match e.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => too_large(),
            _ => AppError::bad_request("The request body could not be read", "无法读取请求体"),
        })?;
        let fingerprint = format!("{:x}", Sha256::digest(&bytes));
        Ok((bytes, fingerprint))
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

fn too_large() -> AppError {
    AppError::new(Kind::PayloadTooLarge).with_detail(
        format!("The body may be at most {MAX_BODY_BYTES} bytes"),
        format!("请求体最多 {MAX_BODY_BYTES} 字节"),
    )
}

/// The version a write expects, from `If-Match: "N"`.
pub fn if_match(req: &HttpRequest) -> Result<i64, AppError> {
    let raw = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or_else(|| AppError::new(Kind::IfMatchRequired))?;
    crate::etag::parse(raw.to_str().unwrap_or("")).ok_or_else(|| {
        AppError::bad_request(
            "If-Match must be one ETag such as \"3\"",
            "If-Match 必须是一个 ETag，例如 \"3\"",
        )
    })
}

/// The version a state-changing action expects, when the client sent `If-Match`.
pub fn optional_if_match(req: &HttpRequest) -> Result<Option<i64>, AppError> {
    if req.headers().contains_key(header::IF_MATCH) {
        if_match(req).map(Some)
    } else {
        Ok(None)
    }
}

/// The `Idempotency-Key` header, if sent: 1 to 200 visible ASCII characters.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(raw) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match raw.to_str() {
        Ok(key)
            if !key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(key.to_owned()))
        }
        _ => Err(AppError::bad_request(
            "Idempotency-Key must be 1 to 200 visible ASCII characters",
            "Idempotency-Key 必须是 1 到 200 个可见 ASCII 字符",
        )),
    }
}

/// Makes a bad query string a 400 problem that names the parameter.
pub fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = strip_position(&error.to_string());
    let cause = message.trim_start_matches("Query deserialize error: ");
    Problem::from(AppError::bad_request(
        format!("Bad query parameter: {message}"),
        format!("查询参数无效：{}", serde_message_in_chinese(cause)),
    ))
    .into()
}
