//! Typed settings from the command line or the environment, with documented defaults.
//! They are passed in to whatever needs them; nothing reads the environment later.

use std::time::Duration;

/// Where the database is and how to use it.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` (the embedded default) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/fupin.db",
        global = true
    )]
    pub database_url: String,
    /// Connections kept in the pool.
    #[arg(long, env = "FUPIN_POOL_SIZE", default_value_t = 8, global = true)]
    pub pool_size: u32,
    /// Seconds to wait for a free connection before answering 503.
    #[arg(
        long,
        env = "FUPIN_DB_TIMEOUT_SECS",
        default_value_t = 5,
        global = true
    )]
    pub db_timeout_secs: u64,
}

impl DatabaseSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.db_timeout_secs.max(1))
    }
}

/// How the HTTP server runs.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerSettings {
    /// Address and port to listen on.
    #[arg(long, env = "FUPIN_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "FUPIN_WORKERS")]
    pub workers: Option<usize>,
    /// Load the demo district when the database has no regions yet.
    #[arg(long, env = "FUPIN_DEMO", default_value_t = false)]
    pub demo: bool,
}

/// What the service logs and how.
#[derive(Debug, Clone, clap::Args)]
pub struct LogSettings {
    /// A `tracing` filter: `info`, `warn`, `fupin_api=debug,info`, ...
    #[arg(long, env = "FUPIN_LOG", default_value = "info", global = true)]
    pub log_level: String,
    /// `text` for people, `json` for log collectors.
    #[arg(long, env = "FUPIN_LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: String,
}
