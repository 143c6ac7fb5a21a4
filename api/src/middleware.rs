//! Cross-cutting answers: request ids and the access log, and the problem shape of every error.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};

use crate::problem::{AppError, Kind, Problem, PROBLEM_JSON};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, from `X-Request-Id` or made here.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn usable_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    (!text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| text.to_owned())
}

/// Gives every request an id (echoed in `X-Request-Id`) and logs one line per request.
/// Only the path is logged: query strings and bodies may hold personal data.
pub async fn request_id_and_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(usable_request_id)
        // No shared context: ids made in the same millisecond need no order among themselves,
        // and the shared one is a lock both workers take on every request.
        .unwrap_or_else(|| uuid::Uuid::new_v7(uuid::Timestamp::now(uuid::NoContext)).to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let started = Instant::now();
    let mut response = next.call(req).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (method, path) = (response.request().method(), response.request().path());
    tracing::info!(request_id = %id, %method, %path, status, latency_ms, "request");
    Ok(response)
}

/// Refuses an address holding an encoded NUL (`%00`) in its path or query: PostgreSQL cannot
/// hold NUL in text, and no id, code or search of the registry needs it, so every backend
/// answers 422 alike before a handler sees it.
pub async fn refuse_nul_in_address(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let address = req.uri().path_and_query().map_or("", |p| p.as_str());
    if address.contains("%00") {
        let problem = AppError::new(Kind::ValidationFailed).with_detail(
            "The address may not contain the NUL character (%00)",
            "地址不能包含 NUL 字符 (%00)",
        );
        return Ok(req.error_response(Problem::from(problem)));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// True when the client's `Accept-Language` ranks Chinese above English.
pub fn prefers_chinese(accept_language: Option<&str>) -> bool {
    let Some(header) = accept_language else {
        return false;
    };
    let mut best: Option<(bool, f32)> = None;
    for part in header.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = pieces
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let chinese = tag == "zh" || tag.starts_with("zh-");
        let english = tag == "en" || tag.starts_with("en-") || tag == "*";
        if (chinese || english) && best.is_none_or(|(_, q)| quality > q) {
            best = Some((chinese, quality));
        }
    }
    best.is_some_and(|(chinese, quality)| chinese && quality > 0.0)
}

/// Renders every error answer as problem+json: the handler's own problem, or one made from
/// the status of actix's built-in errors (unknown route, wrong method, ...).
pub async fn finish_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = next.call(req).await?;
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return Ok(response.map_into_boxed_body());
    }
    let chinese = prefers_chinese(
        response
            .request()
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let instance = response.request().path().to_owned();
    let request_id = response
        .request()
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone());
    let problem = match response.response().error() {
        Some(error) => match error.as_error::<Problem>() {
            Some(problem) => problem.0.clone(),
            None => {
                if status.is_server_error() {
                    tracing::error!(request_id = request_id.as_deref().unwrap_or(""), %error, "unhandled error");
                }
                AppError::new(Kind::for_status(status.as_u16()))
            }
        },
        None => AppError::new(Kind::for_status(status.as_u16())),
    };
    let mut body = crate::problem::body(&problem, chinese, Some(&instance), request_id.as_deref());
    body.status = status.as_u16();
    let (req, old) = response.into_parts();
    let mut fresh = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fresh.append_header((name.clone(), value.clone()));
        }
    }
    let fresh = fresh.content_type(PROBLEM_JSON).json(body);
    Ok(ServiceResponse::new(req, fresh))
}

#[cfg(test)]
mod tests {
    use super::prefers_chinese;

    #[test]
    fn language_preference_follows_quality() {
        assert!(prefers_chinese(Some("zh-CN,zh;q=0.9,en;q=0.8")));
        assert!(prefers_chinese(Some("zh")));
        assert!(!prefers_chinese(Some("en-US,en;q=0.9,zh;q=0.8")));
        assert!(!prefers_chinese(Some("fr")));
        assert!(!prefers_chinese(None));
        assert!(prefers_chinese(Some("en;q=0.5, zh-Hans;q=0.7")));
    }
}
