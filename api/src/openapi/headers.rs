//! The conditional and retry headers, declared on every operation that honours them, so a
//! generated client can send them: `Idempotency-Key` on each POST that changes something,
//! `If-None-Match` (and the 304 it earns) on each GET.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{Object, OpenApi as Document, RefOr, Required, Type};

use crate::idempotency::KEY_LIFETIME_HOURS;

/// POSTs that change nothing a retry could repeat: a token is issued afresh each time, and
/// revoking a refresh token twice revokes it once.
pub(super) const NOT_REPLAYED: [&str; 2] = ["/api/v1/auth/token", "/api/v1/auth/logout"];

pub fn add_retry_headers(doc: &mut Document) {
    for (path, item) in doc.paths.paths.iter_mut() {
        if let Some(post) = item.post.as_mut() {
            if !NOT_REPLAYED.contains(&path.as_str()) {
                add_header(post, idempotency_key());
            }
        }
        if let Some(get) = item.get.as_mut() {
            add_header(get, if_none_match());
            get.responses
                .responses
                .entry("304".to_owned())
                .or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(
                                "`If-None-Match` names the current ETag: nothing changed, no body",
                            )
                            .build(),
                    )
                });
        }
    }
}

fn add_header(operation: &mut Operation, header: utoipa::openapi::path::Parameter) {
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    if !parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Header && p.name == header.name)
    {
        parameters.push(header);
    }
}

fn text(pattern: &str, max_length: usize) -> Object {
    let mut schema = Object::with_type(Type::String);
    schema.pattern = Some(pattern.to_owned());
    schema.max_length = Some(max_length);
    schema
}

fn idempotency_key() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(format!(
            "Makes a retry of this POST safe: 1 to 200 visible ASCII characters, chosen by the \
client for each new request (a UUID serves). The same key with the same body within \
{KEY_LIFETIME_HOURS} hours replays the first answer with `Idempotent-Replayed: true`; with another \
body it is a 422 `idempotency_key_reused`. Keys are the caller's own; after {KEY_LIFETIME_HOURS} \
hours they are forgotten and purged."
        )))
        .schema(Some(text("^[!-~]{1,200}$", 200)))
        .build()
}

fn if_none_match() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("If-None-Match")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The ETag of the copy you hold: when it is still current the answer is 304 without \
a body. A resource's ETag is its version (`\"3\"`); a list's or report's is a weak tag of its \
content (`W/\"…\"`). Give `*` or one or more ETags separated by commas; anything that names no \
current ETag gets the full answer.",
        ))
        // Plain text: a value that names no current ETag (a malformed one included) is
        // simply not a match, and the answer is the full 200, as RFC 9110 lets a server do.
        .schema(Some(Object::with_type(Type::String)))
        .build()
}
