//! ETags are the resource's version, quoted: `"3"`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

pub fn of_version(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version in one ETag (`"3"` or `W/"3"`).
pub fn parse(value: &str) -> Option<i64> {
    let value = value.trim();
    let value = value.strip_prefix("W/").unwrap_or(value);
    value.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}

/// True when the client's `If-None-Match` already names this version.
pub fn client_has(req: &HttpRequest, version: i64) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "*" || v.split(',').filter_map(parse).any(|n| n == version))
}

/// A resource answer: 304 with no body when the client has this version, else 200 with it.
pub fn respond<T: serde::Serialize>(req: &HttpRequest, version: i64, body: &T) -> HttpResponse {
    tagged(req, version, |mut ok| ok.json(body))
}

/// `respond` for a body already rendered to JSON.
pub fn respond_rendered(req: &HttpRequest, version: i64, json: String) -> HttpResponse {
    tagged(req, version, |mut ok| {
        ok.insert_header(header::ContentType::json()).body(json)
    })
}

/// 304 when the client has this version, else `ok`'s answer; both carry the ETag.
fn tagged(
    req: &HttpRequest,
    version: i64,
    ok: impl FnOnce(HttpResponseBuilder) -> HttpResponse,
) -> HttpResponse {
    if client_has(req, version) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, of_version(version)))
            .finish();
    }
    let mut builder = HttpResponse::Ok();
    builder.insert_header((header::ETAG, of_version(version)));
    ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strong_and_weak_tags() {
        assert_eq!(parse("\"3\""), Some(3));
        assert_eq!(parse(" W/\"12\" "), Some(12));
        assert_eq!(parse("3"), None);
        assert_eq!(parse("\"x\""), None);
        assert_eq!(parse("*"), None);
    }
}
