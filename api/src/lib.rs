//! Fupin's HTTP API: actix-web handlers over the domain rules and the Diesel repositories.

pub mod config;
pub mod db;
pub mod etag;
pub mod extract;
pub mod idempotency;
pub mod middleware;
pub mod models;
pub mod openapi;
pub mod pagination;
pub mod problem;
pub mod routes;
pub mod workflows;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{web, App, HttpResponse, HttpServer};
use fupin_persistence::DbPool;
use utoipa_swagger_ui::SwaggerUi;

/// Builds the HTTP server on a bound listener (port 0 in tests).
pub fn server(
    listener: TcpListener,
    pool: DbPool,
    workers: Option<usize>,
) -> std::io::Result<Server> {
    let document = openapi::document();
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .app_data(web::PayloadConfig::new(extract::MAX_BODY_BYTES))
            .app_data(web::QueryConfig::default().error_handler(extract::query_error))
            .wrap(from_fn(middleware::finish_problems))
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Referrer-Policy", "no-referrer"))
                    .add(("Cache-Control", "no-cache, private")),
            )
            .wrap(Compress::default())
            .wrap(from_fn(middleware::request_id_and_log))
            .configure(routes::configure)
            .service(web::resource("/swagger-ui").route(web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/swagger-ui/"))
                    .finish()
            })))
            .service(
                SwaggerUi::new("/swagger-ui/{_:.*}").url("/api/v1/openapi.json", document.clone()),
            )
    })
    .listen(listener)?;
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
