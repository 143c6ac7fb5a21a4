//! The `fupin` command: serve the API, migrate, print the OpenAPI document, seed data, manage
//! accounts.

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{SubsecRound, Utc};
use clap::{Parser, Subcommand};
use fupin_api::config::{DatabaseSettings, LogSettings, SecuritySettings, ServerSettings};
use fupin_app::accounts::{
    check_password_strength, create_client, create_user, hash_secret, parse_region, random_token,
};
use fupin_app::{AppError, Caller, Context};
use fupin_domain::access::{Action, Role};
use fupin_domain::region::RegionCode;
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::{connect, in_transaction, run_migrations, DbPool};
use fupin_seed as seed;

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
    security: SecuritySettings,
    #[command(flatten)]
    log: LogSettings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the API.
    Serve(ServerSettings),
    /// Apply pending migrations (and seal plaintext personal data) and exit.
    Migrate,
    /// Print the OpenAPI document (or write it to a file).
    Openapi {
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Load synthetic data.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Manage people's accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage client systems.
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// After rotating FUPIN_DATA_KEYS or FUPIN_LOOKUP_KEY: seal all personal data again with
    /// the current keys (stop the service first; old data keys must still be listed).
    Reseal,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the whole chain with FUPIN_AUDIT_KEY and check its sealed head; prints the
    /// report as JSON and exits 1 when the chain does not hold.
    Verify,
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

#[derive(Subcommand)]
enum UsersCommand {
    /// Create a person's account. The password is read from FUPIN_NEW_PASSWORD or, when that is
    /// unset, from standard input (never from an argument).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: Role,
        /// 12-digit region code, or a 6-digit county code.
        #[arg(long)]
        region: String,
    },
}

#[derive(Subcommand)]
enum ClientsCommand {
    /// Register a client system; prints its secret once.
    Create {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        name: String,
        /// What it may do, comma-separated (e.g. `read_registry,record_loan_events`).
        #[arg(long, value_delimiter = ',', required = true)]
        permissions: Vec<Action>,
        #[arg(long)]
        region: String,
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

fn open(settings: &DatabaseSettings, keys: &PersonalDataKeys) -> Result<DbPool, String> {
    let pool = connect(
        &settings.database_url,
        settings.pool_size,
        settings.timeout(),
    )
    .map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let applied = run_migrations(&mut conn, keys).map_err(|e| e.to_string())?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    Ok(pool)
}

fn run(cli: Cli) -> Result<(), String> {
    if let Command::Openapi { output } = &cli.command {
        let text = fupin_api::openapi::document_json();
        return match output {
            Some(path) => {
                std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
            }
            None => {
                print!("{text}");
                Ok(())
            }
        };
    }
    let keys = cli.security.personal_data_keys()?;
    let pool = open(&cli.database, &keys)?;
    match cli.command {
        Command::Openapi { .. } | Command::Migrate => Ok(()),
        Command::Seed(SeedCommand::Demo) => seed_demo(&pool, &keys),
        Command::Seed(SeedCommand::Bench { households, county }) => {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let summary = seed::load_bench(
                &mut conn,
                &county,
                households,
                Utc::now().naive_utc(),
                &keys,
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
        Command::Users(UsersCommand::Create {
            username,
            role,
            region,
        }) => {
            let region = parse_region(&region)
                .ok_or("--region is a 12-digit region code or a 6-digit county code")?;
            let password = read_new_password()?;
            check_password_strength(&password, &username).map_err(|p| p.to_string())?;
            let user = with_system_context(&pool, &keys, &region, |conn, ctx| {
                create_user(conn, ctx, &username, hash_secret(&password)?, role, &region)
            })?;
            println!(
                "user {} ({}) created: role {}, region {}",
                user.username, user.id, user.role, user.region_code
            );
            Ok(())
        }
        Command::Clients(ClientsCommand::Create {
            client_id,
            name,
            permissions,
            region,
        }) => {
            let region = parse_region(&region)
                .ok_or("--region is a 12-digit region code or a 6-digit county code")?;
            let secret = random_token();
            let client = with_system_context(&pool, &keys, &region, |conn, ctx| {
                create_client(
                    conn,
                    ctx,
                    &client_id,
                    &name,
                    hash_secret(&secret)?,
                    &permissions,
                    &region,
                )
            })?;
            let granted: Vec<&str> = client.permissions.iter().map(|a| a.as_str()).collect();
            println!(
                "client {} ({}) created: region {}, may {}",
                client.client_id,
                client.id,
                client.region_code,
                granted.join(", ")
            );
            println!("client secret (shown once): {secret}");
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let report =
                fupin_persistence::audit::verify(&mut conn, &keys).map_err(|e| e.to_string())?;
            let status = fupin_app::models::accounts::ChainStatus::from(report);
            println!(
                "{}",
                serde_json::to_string(&status).map_err(|e| e.to_string())?
            );
            match (status.first_broken_seq, status.reason) {
                (Some(seq), Some(reason)) => {
                    Err(format!("the audit chain breaks at entry {seq}: {reason}"))
                }
                (None, Some(reason)) => Err(format!("the audit chain breaks: {reason}")),
                _ => Ok(()),
            }
        }
        Command::Reseal => {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let summary = in_transaction(&mut conn, |c| {
                fupin_persistence::reseal::reseal_all(c, &keys)
            })
            .map_err(|e| e.to_string())?;
            println!(
                "re-sealed {} resident ID numbers and {} phone numbers",
                summary.members, summary.households
            );
            Ok(())
        }
        Command::Serve(server) => serve(pool, keys, &cli.database, &cli.security, &server),
    }
}

fn read_new_password() -> Result<String, String> {
    if let Ok(password) = std::env::var("FUPIN_NEW_PASSWORD") {
        return Ok(password);
    }
    eprintln!("password (from standard input):");
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

/// Runs account work as the operator at the server's console (audited as `system`).
fn with_system_context<T>(
    pool: &DbPool,
    keys: &PersonalDataKeys,
    region: &RegionCode,
    work: impl FnOnce(&mut fupin_persistence::DbConn, &Context) -> Result<T, AppError>,
) -> Result<T, String> {
    let caller = Caller {
        subject: "system".into(),
        name: whoami(),
        role: Role::Admin,
        grants: Vec::new(),
        region: RegionCode::parse(&format!("{}000000", region.county()))
            .map_err(|e| e.to_string())?,
        request_id: None,
        now: Utc::now(),
    };
    let ctx = Context::new(caller, std::sync::Arc::new(keys.clone()));
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    in_transaction(&mut conn, |c| work(c, &ctx)).map_err(|p| p.to_string())
}

fn whoami() -> String {
    format!(
        "console:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

fn seed_demo(pool: &DbPool, keys: &PersonalDataKeys) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let summary = in_transaction(&mut conn, |c| {
        seed::load_demo(c, Utc::now().trunc_subsecs(6).naive_utc(), keys)
    })
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

/// Demo accounts, one per role; their passwords are public like the demo keys.
const DEMO_ACCOUNTS: [(&str, Role, &str); 5] = [
    ("admin", Role::Admin, "610117000000"),
    ("district", Role::DistrictOfficer, "610117000000"),
    ("town", Role::TownOfficer, "610117001000"),
    ("village", Role::VillageOfficer, "610117001201"),
    ("auditor", Role::Auditor, "610117000000"),
];
const DEMO_CLIENTS: [(&str, &[Action]); 3] = [
    (
        "demo-integration",
        &[Action::ReadRegistry, Action::ReadChanges],
    ),
    (
        "demo-data-quality",
        &[
            Action::ReadRegistry,
            Action::ReadChanges,
            Action::RunDataQuality,
        ],
    ),
    (
        "demo-bank",
        &[
            Action::ReadRegistry,
            Action::ApproveLoans,
            Action::RecordLoanEvents,
        ],
    ),
];

fn create_demo_accounts(pool: &DbPool, keys: &PersonalDataKeys) -> Result<(), String> {
    println!("Demo accounts (demo mode only; these credentials are public):");
    let district = RegionCode::parse(seed::DEMO_DISTRICT).map_err(|e| e.to_string())?;
    for (username, role, region) in DEMO_ACCOUNTS {
        let password = format!("{username}-demo-password");
        let region = RegionCode::parse(region).map_err(|e| e.to_string())?;
        with_system_context(pool, keys, &district, |conn, ctx| {
            create_user(conn, ctx, username, hash_secret(&password)?, role, &region)
        })?;
        println!("  user   {username:<18} password {password:<26} role {role} region {region}");
    }
    for (client_id, grants) in DEMO_CLIENTS {
        let secret = format!("{client_id}-secret");
        with_system_context(pool, keys, &district, |conn, ctx| {
            create_client(
                conn,
                ctx,
                client_id,
                client_id,
                hash_secret(&secret)?,
                grants,
                &district,
            )
        })?;
        let grants: Vec<&str> = grants.iter().map(|a| a.as_str()).collect();
        println!(
            "  client {client_id:<18} secret   {secret:<26} region {district} may {}",
            grants.join(", ")
        );
    }
    Ok(())
}

fn serve(
    pool: DbPool,
    keys: PersonalDataKeys,
    database: &DatabaseSettings,
    security: &SecuritySettings,
    server: &ServerSettings,
) -> Result<(), String> {
    // The loan policy moved into the database (versioned, audited): a setting that no longer
    // acts must not look as if it did.
    for retired in ["FUPIN_LOAN_MAX_PRINCIPAL_FEN", "FUPIN_LOAN_MAX_TERM_MONTHS"] {
        if std::env::var_os(retired).is_some() {
            return Err(format!(
                "{retired} is no longer read: the microloan policy is reference data (GET and POST /api/v1/loan-policies); unset it"
            ));
        }
    }
    let tokens = security.token_service()?;
    if security.demo {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let new_database = seed::is_empty(&mut conn).map_err(|e| e.to_string())?;
        drop(conn);
        if new_database {
            seed_demo(&pool, &keys)?;
            create_demo_accounts(&pool, &keys)?;
        }
        println!("DEMO MODE: public demo keys stand in for any key not configured; do not store real data.");
    }
    let listener = TcpListener::bind(&server.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", server.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("Fupin is listening on http://{address}");
    println!("  Swagger UI:  http://{address}/swagger-ui/");
    println!("  OpenAPI:     http://{address}/api/v1/openapi.json");
    let services = fupin_api::Services {
        tokens,
        keys,
        refresh_lifetime: Duration::from_secs(security.refresh_token_secs.max(60)),
        cors_origins: security.cors_origins(),
        clock: std::sync::Arc::new(fupin_api::SystemClock),
        procedure: fupin_api::ProcedureSettings {
            notice_days: server.notice_days,
        },
        pg_reads: fupin_api::PgReadSettings::for_url(
            &database.database_url,
            database.read_pool_size,
            database.timeout(),
        ),
        shutdown_grace: Duration::from_secs(server.shutdown_secs),
        streams: fupin_api::streams::Streams::default(),
    };
    let streams = services.streams.clone();
    let grace = server.shutdown_secs;
    let removed =
        fupin_api::routes::exchange_bulk::remove_spools_of_dead_processes(&std::env::temp_dir());
    if removed > 0 {
        tracing::info!(removed, "removed import files left by servers that died");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let server = fupin_api::server(listener, pool, server.workers, services)
            .map_err(|e| e.to_string())?;
        let handle = server.handle();
        let stopping = streams.clone();
        tokio::spawn(async move {
            stop_signal().await;
            tracing::info!(
                grace_secs = grace,
                "stopping: requests in flight may finish"
            );
            stopping.stopping();
            handle.stop(true).await;
        });
        server.await.map_err(|e| e.to_string())?;
        match streams.cut_by_shutdown() {
            0 => Ok(()),
            cut => Err(format!(
                "the shutdown cut {cut} streamed answer(s) before their end \
                 (FUPIN_SHUTDOWN_SECS={grace} gives them longer)"
            )),
        }
    })
}

/// Waits for SIGTERM (how service managers and containers stop a process) or Ctrl-C.
async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(error) => {
            tracing::warn!(%error, "SIGTERM cannot be caught; stopping on Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
