//! Fupin's HTTP API: actix-web handlers over the domain rules and the Diesel repositories.

pub mod acting;
pub mod auth;
pub mod conditional;
pub mod config;
pub mod etag;
pub mod extract;
pub mod idempotency;
pub mod middleware;
pub mod oauth;
pub mod openapi;
pub mod password_checks;
pub mod problem;
pub mod routes;
pub mod streams;
pub mod throttle;
pub mod upload;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress, Condition, DefaultHeaders};
use actix_web::{web, App, HttpResponse, HttpServer};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::DbPool;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

pub use fupin_app::caller::{Clock, SystemClock};
pub use fupin_app::reads::PgReadSettings;

/// Settings of the exit procedure.
#[derive(Debug, Clone, Copy)]
pub struct ProcedureSettings {
    /// Days the public notice (公示) runs before approval.
    pub notice_days: u64,
}

/// What the handlers share besides the pool: keys, token settings and in-process state.
pub struct Services {
    pub tokens: auth::TokenService,
    pub keys: PersonalDataKeys,
    pub refresh_lifetime: Duration,
    pub cors_origins: Vec<String>,
    pub clock: std::sync::Arc<dyn Clock>,
    pub procedure: ProcedureSettings,
    /// Async PostgreSQL connections for household reads, when the database allows them.
    pub pg_reads: Option<PgReadSettings>,
    /// How long a stopping server lets requests in flight finish (`FUPIN_SHUTDOWN_SECS`).
    pub shutdown_grace: Duration,
    /// Streamed answers in flight; whoever stops the server asks it what the stop cut.
    pub streams: streams::Streams,
}

/// What the token endpoint needs beside the database: its throttle, its pool of password
/// checks, and how long refresh tokens live.
pub struct Logins {
    pub throttle: throttle::LoginThrottle,
    pub checks: password_checks::PasswordChecks,
    pub refresh_lifetime: Duration,
}

/// Builds the HTTP server on a bound listener (port 0 in tests).
pub fn server(
    listener: TcpListener,
    pool: DbPool,
    workers: Option<usize>,
    services: Services,
) -> std::io::Result<Server> {
    let document = openapi::document();
    let unrouted = web::Data::new(routes::Unrouted::of(&document));
    let tokens = web::Data::new(services.tokens);
    let keys = web::Data::new(services.keys);
    let subjects = web::Data::new(auth::SubjectStatus::new(Duration::from_secs(5)));
    let logins = web::Data::new(Logins {
        throttle: throttle::LoginThrottle::new(5, 20, Duration::from_secs(15 * 60)),
        checks: password_checks::PasswordChecks::new(None),
        refresh_lifetime: services.refresh_lifetime,
    });
    let clock: web::Data<dyn Clock> = web::Data::from(services.clock);
    let procedure = web::Data::new(services.procedure);
    let kept_for_reads = fupin_app::reads::KeptForReads::default();
    let origins = services.cors_origins;
    let pg_reads = services.pg_reads;
    let shutdown_grace = services.shutdown_grace;
    let streams = web::Data::new(services.streams);
    let mut server = HttpServer::new(move || {
        // Built once per worker, so each worker's connections live on its own runtime.
        let household_reads = web::Data::new(fupin_app::reads::HouseholdReads::for_worker(
            pg_reads.as_ref(),
            kept_for_reads.clone(),
        ));
        // CORS is off unless origins are configured: same-origin clients (Swagger UI) need none.
        let mut cors = actix_cors::Cors::default()
            .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "OPTIONS"])
            .allowed_headers([
                "authorization",
                "content-type",
                "if-match",
                "if-none-match",
                "idempotency-key",
                "x-request-id",
                "accept-language",
            ])
            .expose_headers([
                "etag",
                "location",
                "x-request-id",
                "retry-after",
                "idempotent-replayed",
            ])
            .max_age(3600);
        for origin in &origins {
            cors = cors.allowed_origin(origin);
        }
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .app_data(household_reads)
            .app_data(tokens.clone())
            .app_data(keys.clone())
            .app_data(subjects.clone())
            .app_data(logins.clone())
            .app_data(clock.clone())
            .app_data(procedure.clone())
            .app_data(streams.clone())
            .app_data(web::PayloadConfig::new(extract::MAX_BODY_BYTES))
            .app_data(web::QueryConfig::default().error_handler(extract::query_error))
            .wrap(from_fn(middleware::refuse_nul_in_address))
            .wrap(from_fn(middleware::finish_problems))
            .wrap(from_fn(conditional::conditional_get))
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Referrer-Policy", "no-referrer"))
                    // Every answer is for one caller and most hold personal data: nothing is
                    // kept by a browser or a proxy.
                    .add(("Cache-Control", "no-store"))
                    .add(("Strict-Transport-Security", "max-age=31536000"))
                    .add(("Content-Security-Policy", "frame-ancestors 'none'")),
            )
            .wrap(Compress::default())
            .wrap(Condition::new(!origins.is_empty(), cors))
            .wrap(from_fn(middleware::request_id_and_log))
            .into_utoipa_app()
            .configure(routes::configure)
            .split_for_parts()
            .0
            // The documentation itself is the one thing served outside the route table.
            .service(web::resource("/swagger-ui").route(web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/swagger-ui/"))
                    .finish()
            })))
            .service(
                SwaggerUi::new("/swagger-ui/{_:.*}")
                    .url("/api/v1/openapi.json", document.clone())
                    // Authorize once: the token survives a reload of the page.
                    .config(utoipa_swagger_ui::Config::default().persist_authorization(true)),
            )
            .app_data(unrouted.clone())
            .default_service(web::to(routes::unrouted))
    })
    // Without TCP_NODELAY a compressed answer, which leaves in more than one write, waits for
    // the client's delayed ACK: 40 ms a request on Linux, up to 200 ms from Windows.
    .on_connect(|connection, _| {
        if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "TCP_NODELAY could not be set");
            }
        }
    })
    .listen(listener)?;
    // Whoever runs the server stops it (`ServerHandle::stop`), so that it knows the stop began.
    server = server
        .shutdown_timeout(shutdown_grace.as_secs())
        .disable_signals();
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
