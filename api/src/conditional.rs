//! Clients on weak signal: `HEAD` wherever `GET` works, and a weak ETag on every `GET` answer
//! that has none of its own (lists, reports), so `If-None-Match` gets a 304 without the body.
//! A resource's own ETag is its version (see `etag.rs`); its handler answers the 304 itself.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};
use sha2::{Digest, Sha256};

/// The largest answer given a content ETag; longer ones (exports) stream and carry none.
const MAX_TAGGED_BYTES: u64 = 4 * 1024 * 1024;

pub async fn conditional_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Routed as GET. The HTTP layer read the request as HEAD before routing: it sends the
    // headers, Content-Length included, and never the body.
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    let is_get = req.method() == Method::GET;
    let response = next.call(req).await?.map_into_boxed_body();
    if !is_get {
        return Ok(response);
    }
    match needs_content_tag(&response) {
        true => tag_by_content(response).await,
        false => Ok(response),
    }
}

fn needs_content_tag(response: &ServiceResponse<BoxBody>) -> bool {
    response.status() == StatusCode::OK
        && !response.headers().contains_key(header::ETAG)
        && matches!(response.response().body().size(),
            body::BodySize::Sized(n) if n <= MAX_TAGGED_BYTES)
}

/// Tags the answer `W/"<hash of its body>"`; a client that already has it gets 304.
async fn tag_by_content(
    response: ServiceResponse<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let (request, response) = response.into_parts();
    let (mut head, body) = response.into_parts();
    let bytes = body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("the answer could not be read"))?;
    let digest = Sha256::digest(&bytes);
    let tag = format!("W/\"{}\"", hex_prefix(&digest[..12]));
    let client_has = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| names(v, &tag));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        head.headers_mut().insert(header::ETAG, value);
    }
    if client_has {
        let mut not_modified = HttpResponse::NotModified();
        for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
            if let Some(value) = head.headers().get(&name) {
                not_modified.insert_header((name.clone(), value.clone()));
            }
        }
        return Ok(ServiceResponse::new(request, not_modified.finish()));
    }
    Ok(ServiceResponse::new(
        request,
        head.set_body(BoxBody::new(bytes)),
    ))
}

/// Weak comparison (RFC 9110 §8.8.3.2): `*`, or any listed tag with the same opaque part.
fn names(if_none_match: &str, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| opaque(t) == opaque(tag))
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn weak_comparison_ignores_the_weak_prefix() {
        assert!(names("W/\"ab\"", "W/\"ab\""));
        assert!(names("\"x\", \"ab\"", "W/\"ab\""));
        assert!(names("*", "W/\"ab\""));
        assert!(!names("W/\"abc\"", "W/\"ab\""));
    }
}
