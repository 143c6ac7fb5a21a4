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

/// The essence of the body's media type (`Content-Type` without parameters), lower-case.
pub fn media_type(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

fn is_json(req: &HttpRequest) -> bool {
    media_type(req).is_some_and(|essence| {
        essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
    })
}

fn too_large() -> AppError {
    AppError::new(Kind::PayloadTooLarge).with_detail(
        format!("The body may be at most {MAX_BODY_BYTES} bytes"),
        format!("请求体最多 {MAX_BODY_BYTES} 字节"),
    )
}

/// The version a write expects, from `If-Match: "N"`.
///
/// If-Match compares strongly (RFC 9110 §13.1.1): a weak tag (`W/"3"`) never matches, and
/// neither does a tag of digits no version can have (beyond `i64`); both are a 412, as any
/// well-formed tag that is not the current one. Only a value that is not one ETag is a 400.
pub fn if_match(req: &HttpRequest) -> Result<i64, AppError> {
    let raw = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or_else(|| AppError::new(Kind::IfMatchRequired))?;
    let raw = raw.to_str().unwrap_or("").trim();
    let (weak, tag) = match raw.strip_prefix("W/") {
        Some(tag) => (true, tag),
        None => (false, raw),
    };
    let digits = tag
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            AppError::bad_request(
                "If-Match must be one ETag such as \"3\"",
                "If-Match 必须是一个 ETag，例如 \"3\"",
            )
        })?;
    if weak {
        return Err(AppError::new(Kind::StaleVersion).with_detail(
            "A weak ETag never matches If-Match; send the strong ETag, such as \"3\"",
            "弱 ETag 不能用于 If-Match，请使用强 ETag，例如 \"3\"",
        ));
    }
    digits.parse().map_err(|_| {
        AppError::new(Kind::StaleVersion).with_detail(
            "No version has this ETag; read the resource again and reapply your change",
            "没有此 ETag 的版本，请重新读取后再修改",
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

/// A query string parsed as `web::Query` parses it, whose documented bounds (`validator`
/// rules beside the `#[param]` ones) are then enforced: a value out of bounds is a 400 naming
/// the parameter, as a value of the wrong type is.
pub struct ValidQuery<T>(pub T);

impl<T> ValidQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for ValidQuery<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidQuery<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let query = web::Query::<T>::from_request(req, payload);
        Box::pin(async move {
            let value = query.await?.into_inner();
            value.validate().map_err(|errors| {
                let mut fields: Vec<String> = errors
                    .field_errors()
                    .iter()
                    .map(|(field, faults)| {
                        let bounds = faults.iter().find_map(|f| {
                            Some(format!(
                                "{}..={}",
                                f.params.get("min")?,
                                f.params.get("max")?
                            ))
                        });
                        match bounds {
                            Some(bounds) => format!("{field} must be in {bounds}"),
                            None => format!("{field} is out of range"),
                        }
                    })
                    .collect();
                fields.sort();
                let message = fields.join("; ");
                actix_web::Error::from(Problem::from(AppError::bad_request(
                    format!("Bad query parameter: {message}"),
                    format!("查询参数无效: {message}"),
                )))
            })?;
            Ok(ValidQuery(value))
        })
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
