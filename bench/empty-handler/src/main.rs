//! An actix-web server that does nothing but answer `{}`: the ceiling the benchmark compares
//! Fupin's request rate against on the same machine.

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18182".to_owned());
    let workers = std::env::args()
        .nth(2)
        .and_then(|w| w.parse().ok())
        .unwrap_or(2);
    HttpServer::new(|| {
        App::new().default_service(web::to(|| async {
            HttpResponse::Ok()
                .content_type("application/json")
                .body("{}")
        }))
    })
    .workers(workers)
    .bind(bind)?
    .run()
    .await
}
