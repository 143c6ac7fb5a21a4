//! The OpenAPI document: the operations come from the route table itself (`routes::configure`,
//! where each handler is routed and documented by one `service` call); the error answers every
//! operation can give are declared here once and attached by rule, not restated per handler.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr};
use utoipa::OpenApi;

use crate::problem::{FieldErrorBody, ProblemBody, PROBLEM_JSON};

#[cfg(test)]
mod examples;
mod headers;
mod public;
mod shapes;
use crate::problem::{problem_type, Kind};
use crate::routes;
use headers::{add_retry_headers, NOT_REPLAYED};
use shapes::apply_shapes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Fupin: targeted poverty-alleviation registry API",
        contact(name = "Fupin maintainers", url = "https://github.com/fupin/fupin"),
        description = "An open, versioned API for 精准扶贫建档立卡 registries: regions, households and members.\n\n\
Conventions: JSON in and out, `snake_case`; ids are opaque strings; money in fen; dates `YYYY-MM-DD`, \
instants RFC 3339 UTC. Lists use cursor pagination (`limit`, `cursor` → `next_cursor`). Every mutable \
resource has a `version` shown as its `ETag`; PATCH requires `If-Match` (412 when stale, 428 when missing); \
GET honours `If-None-Match` (304). POST accepts `Idempotency-Key`: the same key and body replay the first \
answer (with `Idempotent-Replayed: true`), a different body is a 422. Errors are RFC 9457 problem details \
(`application/problem+json`) with a stable `type` and per-field `errors`; messages are Chinese when \
`Accept-Language` prefers `zh`. Every answer carries `X-Request-Id`.",
    ),
    servers((url = "/", description = "This server")),
    components(schemas(ProblemBody, FieldErrorBody)),
    tags(
        (name = "regions", description = "行政区划: district → town/subdistrict → administrative village"),
        (name = "households", description = "建档立卡贫困户: registered poor households"),
        (name = "members", description = "家庭成员: the people in households"),
        (name = "incomes", description = "贫困线、家庭纯收入、两不愁三保障与退出评估: poverty lines, incomes, assessments, exit evaluation"),
        (name = "lifecycle", description = "退出程序、返贫、剔除与监测: the exit procedure, return to poverty, removal, monitoring"),
        (name = "money", description = "补助/救助 and 扶贫小额信贷: the subsidy ledger and microloans"),
        (name = "auth", description = "Tokens: people log in with a password, client systems with a secret"),
        (name = "accounts", description = "Users and client systems (admin)"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "exchange", description = "Change feed, bulk export and import for other systems"),
        (name = "statistics", description = "统计: figures per region that reconcile with each other and with the lists"),
        (name = "data-quality", description = "数据质量: rules, runs, findings and scores per region"),
        (name = "indicators", description = "挂图作战: indicators coloured red, yellow or green per region, and the households behind them"),
        (name = "operations", description = "Probes for orchestration"),
    )
)]
struct ApiDoc;

/// The whole document, as served at `/api/v1/openapi.json` and committed in `openapi/`.
pub fn document() -> Document {
    let mut doc = ApiDoc::openapi();
    doc.merge(routes::operations());
    add_security_schemes(&mut doc);
    add_retry_headers(&mut doc);
    attach_common_errors(&mut doc);
    apply_shapes(&mut doc);
    list_problem_types(&mut doc);
    public::spell_public_operations(&mut doc);
    doc
}

/// The kinds only the token endpoint answers (RFC 6749 §5.2), which the shared responses of
/// the other operations do not name.
const TOKEN_KINDS: [Kind; 5] = [
    Kind::InvalidTokenRequest,
    Kind::InvalidGrant,
    Kind::InvalidClient,
    Kind::UnsupportedGrantType,
    Kind::RateLimited,
];

/// Every problem `type` with its status and meaning, in the description: what a client keys on.
fn list_problem_types(doc: &mut Document) {
    let mut table = String::from(
        "\n\n## Problem types\nEvery error answer is `application/problem+json` whose `type` is one of \
these (its `title` is the meaning, in English or Chinese); field faults are listed in `errors` with a \
stable `code`.\n\n| type | status | meaning |\n| --- | --- | --- |\n",
    );
    for kind in Kind::ALL {
        let (en, zh) = kind.titles();
        let only = if TOKEN_KINDS.contains(&kind) {
            " (token endpoint)"
        } else {
            ""
        };
        table.push_str(&format!(
            "| `{}` | {} | {en}{only} · {zh} |\n",
            problem_type(kind),
            kind.status()
        ));
    }
    let description = doc.info.description.get_or_insert_with(String::new);
    description.push_str(&table);
}

/// The problem types an operation's shared answer of `status` can carry.
fn types_of(status: &str) -> String {
    let types: Vec<String> = Kind::ALL
        .into_iter()
        .filter(|k| k.status().to_string() == status && !TOKEN_KINDS.contains(k))
        .map(|k| format!("`{}`", problem_type(k)))
        .collect();
    types.join(", ")
}

const COMMON_ERRORS: [(&str, &str, &str); 12] = [
    ("BadRequest", "400", "Malformed JSON, a bad query parameter, header or cursor"),
    ("Unauthorized", "401", "No token, or a token that is malformed, expired, not yet valid, wrongly signed or issued, or whose account is disabled"),
    ("Forbidden", "403", "Your role may not do this, or the region is outside your scope"),
    ("NotFound", "404", "No such resource (or not visible to you)"),
    ("Conflict", "409", "The request conflicts with the current state: a step the record's state does not allow (`allowed_next_steps` lists those it does), a value another record holds, or a concurrent request with the same Idempotency-Key"),
    ("PreconditionFailed", "412", "The If-Match ETag is stale: read again and reapply"),
    ("PayloadTooLarge", "413", "The body is larger than 256 KiB"),
    ("UnsupportedMediaType", "415", "The body is not application/json"),
    ("ValidationFailed", "422", "Invalid fields (one entry each in `errors`), an Idempotency-Key reused with another body, or a NUL character (`%00`) in the path or query"),
    ("PreconditionRequired", "428", "If-Match is required"),
    ("InternalError", "500", "An unexpected error; logged with the request id"),
    ("ServiceUnavailable", "503", "The database is unavailable; the request did nothing"),
];

/// `Retry-After` on a 503: the seconds to wait before the same request (with the same
/// `Idempotency-Key`) is worth sending again.
fn retry_after() -> utoipa::openapi::header::Header {
    let mut schema = utoipa::openapi::Object::with_type(utoipa::openapi::Type::Integer);
    schema.minimum = Some(1f64.into());
    utoipa::openapi::header::HeaderBuilder::new()
        .schema(schema)
        .description(Some("Seconds to wait before retrying"))
        .build()
}

fn attach_common_errors(doc: &mut Document) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, status, description) in COMMON_ERRORS {
        let mut response = ResponseBuilder::new()
            .description(format!(
                "{description}. Problem types: {}",
                types_of(status)
            ))
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ProblemBody")))
                    .build(),
            );
        if status == "503" {
            response = response.header("Retry-After", retry_after());
        }
        let response = response.build();
        components
            .responses
            .insert(name.to_owned(), RefOr::T(response));
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        let has_path_params = path.contains('{');
        // (operation, is it a PATCH, does it write)
        let operations = [
            (&mut item.get, false, false),
            (&mut item.post, false, true),
            (&mut item.patch, true, true),
            (&mut item.put, false, true),
            (&mut item.delete, false, true),
        ];
        for (operation, is_patch, is_write) in operations {
            if let Some(operation) = operation.as_mut() {
                let has_body = operation.request_body.is_some();
                let takes_if_match = has_header(operation, "If-Match");
                let mut wanted = vec!["BadRequest", "InternalError", "ServiceUnavailable"];
                let public = operation
                    .security
                    .as_ref()
                    .is_some_and(|s| s.iter().all(|r| r == &Default::default()));
                if !public {
                    wanted.extend(["Unauthorized", "Forbidden"]);
                }
                if has_path_params {
                    wanted.push("NotFound");
                }
                if has_body {
                    wanted.extend(["PayloadTooLarge", "UnsupportedMediaType"]);
                }
                if has_body || has_path_params || has_query(operation) {
                    wanted.push("ValidationFailed");
                }
                if takes_if_match {
                    wanted.push("PreconditionFailed");
                }
                if is_patch {
                    wanted.push("PreconditionRequired");
                }
                // Every write's unit of work can refuse with a 409: a rule of the record's
                // state, a unique value (`StoreError` maps each unique violation to one), or
                // the same Idempotency-Key racing itself. Only the token endpoints write
                // nothing that could conflict.
                if is_write && !NOT_REPLAYED.contains(&path.as_str()) {
                    wanted.push("Conflict");
                }
                for name in wanted {
                    let status = COMMON_ERRORS
                        .iter()
                        .find(|(n, _, _)| *n == name)
                        .map(|(_, s, _)| *s)
                        .unwrap_or("500");
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        }
    }
}

fn has_query(operation: &Operation) -> bool {
    operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Query)
}

fn has_header(operation: &Operation, name: &str) -> bool {
    operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Header && p.name == name)
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// Two ways to the same bearer token, either accepted by every operation that does not opt out
/// with `security(())`: a token already held (`bearer`), or OAuth 2.0's password and
/// client-credentials flows against `/api/v1/auth/token` (`oauth2`, what Swagger UI's Authorize
/// uses); the permission matrix goes in the description.
fn add_security_schemes(doc: &mut Document) {
    use utoipa::openapi::security::{
        ClientCredentials, Flow, Http, HttpAuthScheme, OAuth2, Password, Scopes,
        SecurityRequirement, SecurityScheme,
    };
    const TOKEN_URL: &str = "/api/v1/auth/token";
    let components = doc.components.get_or_insert_with(Default::default);
    let mut bearer = Http::new(HttpAuthScheme::Bearer);
    bearer.bearer_format = Some("JWT".into());
    bearer.description = Some("An access token from `POST /api/v1/auth/token`".into());
    components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
    let oauth2 = OAuth2::with_description(
        [
            Flow::Password(Password::with_refresh_url(
                TOKEN_URL,
                Scopes::new(),
                TOKEN_URL,
            )),
            Flow::ClientCredentials(ClientCredentials::new(TOKEN_URL, Scopes::new())),
        ],
        "People log in with the password flow, client systems with client credentials",
    );
    components.add_security_scheme("oauth2", SecurityScheme::OAuth2(oauth2));
    doc.security = Some(vec![
        SecurityRequirement::new("bearer", Vec::<String>::new()),
        SecurityRequirement::new("oauth2", Vec::<String>::new()),
    ]);
    let matrix = fupin_domain::access::matrix_markdown();
    doc.info.description = Some(format!(
        "{}\n\n## Roles and permissions\nEvery endpoint but `/healthz`, `/readyz`, `POST /api/v1/auth/*`, this document and \
Swagger UI needs `Authorization: Bearer <token>` (401 otherwise). The role must allow the action (403 otherwise) and \
records are limited to the caller's region and everything under it (404 for records outside it).\n\n{matrix}",
        doc.info.description.clone().unwrap_or_default()
    ));
}
