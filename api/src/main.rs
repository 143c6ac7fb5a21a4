//! The `fupin` command: serve the API, migrate, print the OpenAPI document, seed data.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand};
use fupin_api::config::{DatabaseSettings, LogSettings, ServerSettings};
use fupin_persistence::{connect, in_transaction, run_migrations, seed, DbPool};

#[derive(Parser)]
#[command(
    name = "fupin",
    version,
    about = "Fupin: a registry API for targeted poverty alleviation (精准扶贫建档立卡)"
)]
struct Cli {
    #[command(flatten)]
    database: DatabaseSettings,
    #[command(flatten)]
    log: LogSettings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the API.
    Serve(ServerSettings),
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document (or write it to a file).
    Openapi {
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Load synthetic data.
    #[command(subcommand)]
    Seed(SeedCommand),
}

#[derive(Subcommand)]
enum SeedCommand {
    /// The demo district shaped like the article's Gaoling District (idempotent).
    Demo,
    /// A large synthetic county for benchmarks.
    Bench {
        #[arg(long, default_value_t = 100_000)]
        households: usize,
        /// 6-digit county code of the benchmark county.
        #[arg(long, default_value = "610199")]
        county: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("fupin: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(settings: &LogSettings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if settings.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn open(settings: &DatabaseSettings) -> Result<DbPool, String> {
    let pool = connect(
        &settings.database_url,
        settings.pool_size,
        settings.timeout(),
    )
    .map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let applied = run_migrations(&mut conn).map_err(|e| e.to_string())?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    Ok(pool)
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Migrate => open(&cli.database).map(|_| ()),
        Command::Openapi { output } => {
            let text = fupin_api::openapi::document_json();
            match output {
                Some(path) => {
                    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
                }
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
        Command::Seed(SeedCommand::Demo) => {
            let pool = open(&cli.database)?;
            seed_demo(&pool)
        }
        Command::Seed(SeedCommand::Bench { households, county }) => {
            let pool = open(&cli.database)?;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let summary = seed::load_bench(
                &mut conn,
                &county,
                households,
                Utc::now().naive_utc(),
                |done| {
                    if done % 10_000 == 0 {
                        eprintln!("  {done} households");
                    }
                },
            )
            .map_err(|e| e.to_string())?;
            println!(
                "benchmark county {county}: {} regions, {} households, {} members",
                summary.regions, summary.households, summary.members
            );
            Ok(())
        }
        Command::Serve(server) => serve(&cli.database, &server),
    }
}

fn seed_demo(pool: &DbPool) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let summary = in_transaction(&mut conn, |c| seed::load_demo(c, Utc::now().naive_utc()))
        .map_err(|e| e.to_string())?;
    if summary.households == 0 {
        println!(
            "demo district {} is loaded already; nothing to do",
            seed::DEMO_DISTRICT
        );
    } else {
        println!(
            "demo district {} loaded: {} regions, {} households, {} members",
            seed::DEMO_DISTRICT,
            summary.regions,
            summary.households,
            summary.members
        );
    }
    Ok(())
}

fn serve(database: &DatabaseSettings, server: &ServerSettings) -> Result<(), String> {
    let pool = open(database)?;
    if server.demo {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        if seed::is_empty(&mut conn).map_err(|e| e.to_string())? {
            drop(conn);
            seed_demo(&pool)?;
        }
    }
    let listener = TcpListener::bind(&server.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", server.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("Fupin is listening on http://{address}");
    println!("  Swagger UI:  http://{address}/swagger-ui/");
    println!("  OpenAPI:     http://{address}/api/v1/openapi.json");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let server =
            fupin_api::server(listener, pool, server.workers).map_err(|e| e.to_string())?;
        server.await.map_err(|e| e.to_string())
    })
}
