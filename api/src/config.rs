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
    /// Async PostgreSQL connections each HTTP worker keeps for household reads, besides the
    /// pool (0: those reads use the pool too). Ignored on SQLite and when the URL demands TLS.
    #[arg(long, env = "FUPIN_READ_POOL_SIZE", default_value_t = 4, global = true)]
    pub read_pool_size: usize,
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
    /// Days the public notice (公示) of an exit runs before the district may approve it.
    #[arg(long, env = "FUPIN_NOTICE_DAYS", default_value_t = fupin_domain::lifecycle::DEFAULT_NOTICE_DAYS)]
    pub notice_days: u64,
    /// Seconds a stopping server lets requests in flight (a long export) finish.
    #[arg(long, env = "FUPIN_SHUTDOWN_SECS", default_value_t = 30)]
    pub shutdown_secs: u64,
}

/// Keys and token settings. Secrets are read from the environment; `--help` never shows them.
#[derive(Clone, clap::Args)]
pub struct SecuritySettings {
    /// Demo mode: public demo keys stand in for missing ones, a new database gets the demo
    /// district and demo accounts. Never use it for real data.
    #[arg(long, env = "FUPIN_DEMO", default_value_t = false, global = true)]
    pub demo: bool,
    /// JWT signing keys `kid:base64-secret,...` (≥ 32 bytes each); the first signs, all verify.
    #[arg(long, env = "FUPIN_JWT_KEYS", hide_env_values = true, global = true)]
    pub jwt_keys: Option<String>,
    /// The `iss` of issued tokens, required of presented ones.
    #[arg(long, env = "FUPIN_JWT_ISSUER", default_value = "fupin", global = true)]
    pub jwt_issuer: String,
    /// The `aud` of issued tokens, required of presented ones.
    #[arg(
        long,
        env = "FUPIN_JWT_AUDIENCE",
        default_value = "fupin-api",
        global = true
    )]
    pub jwt_audience: String,
    /// Lifetime of access tokens, in seconds.
    #[arg(
        long,
        env = "FUPIN_ACCESS_TOKEN_SECS",
        default_value_t = 600,
        global = true
    )]
    pub access_token_secs: u64,
    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, env = "FUPIN_REFRESH_TOKEN_SECS", default_value_t = 14 * 24 * 3600, global = true)]
    pub refresh_token_secs: u64,
    /// Keys sealing personal data at rest, `id:base64-32-bytes,...`; the first seals, all open.
    #[arg(long, env = "FUPIN_DATA_KEYS", hide_env_values = true, global = true)]
    pub data_keys: Option<String>,
    /// Key of the keyed hash used to find and de-duplicate resident ID numbers (base64, ≥ 32 bytes).
    #[arg(long, env = "FUPIN_LOOKUP_KEY", hide_env_values = true, global = true)]
    pub lookup_key: Option<String>,
    /// Key of the audit chain's keyed hashes (base64, ≥ 32 bytes). Keep it outside the
    /// database and its backups: whoever holds both can rewrite the trail unseen.
    #[arg(long, env = "FUPIN_AUDIT_KEY", hide_env_values = true, global = true)]
    pub audit_key: Option<String>,
    /// Origins allowed by CORS, comma-separated (empty: CORS off).
    #[arg(long, env = "FUPIN_CORS_ORIGINS", default_value = "", global = true)]
    pub cors_origins: String,
}

impl std::fmt::Debug for SecuritySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecuritySettings")
            .field("demo", &self.demo)
            .field("jwt_keys", &self.jwt_keys.as_ref().map(|_| "[set]"))
            .field("data_keys", &self.data_keys.as_ref().map(|_| "[set]"))
            .field("lookup_key", &self.lookup_key.as_ref().map(|_| "[set]"))
            .field("audit_key", &self.audit_key.as_ref().map(|_| "[set]"))
            .finish_non_exhaustive()
    }
}

/// A public signing key for demo mode only.
pub const DEMO_JWT_KEYS: &str = "demo:ZGVtby1vbmx5LWp3dC1zaWduaW5nLWtleS1ub3Qtc2VjcmV0IQ==";

impl SecuritySettings {
    fn or_demo<'a>(
        &'a self,
        value: &'a Option<String>,
        demo_value: &'a str,
        name: &str,
    ) -> Result<&'a str, String> {
        match (value.as_deref(), self.demo) {
            (Some(value), _) => Ok(value),
            (None, true) => Ok(demo_value),
            (None, false) => Err(format!("{name} is not set: refusing to start outside demo mode without it (see README, Security)")),
        }
    }

    pub fn personal_data_keys(
        &self,
    ) -> Result<fupin_persistence::personal_data::PersonalDataKeys, String> {
        use fupin_persistence::personal_data::{
            PersonalDataKeys, DEMO_AUDIT_KEY, DEMO_DATA_KEYS, DEMO_LOOKUP_KEY,
        };
        let data = self.or_demo(&self.data_keys, DEMO_DATA_KEYS, "FUPIN_DATA_KEYS")?;
        let lookup = self.or_demo(&self.lookup_key, DEMO_LOOKUP_KEY, "FUPIN_LOOKUP_KEY")?;
        let audit = self.or_demo(&self.audit_key, DEMO_AUDIT_KEY, "FUPIN_AUDIT_KEY")?;
        PersonalDataKeys::parse(data, lookup)
            .and_then(|keys| keys.with_audit_key(audit))
            .map_err(|e| e.to_string())
    }

    pub fn token_service(&self) -> Result<crate::auth::TokenService, String> {
        let keys = self.or_demo(&self.jwt_keys, DEMO_JWT_KEYS, "FUPIN_JWT_KEYS")?;
        crate::auth::TokenService::new(
            keys,
            &self.jwt_issuer,
            &self.jwt_audience,
            Duration::from_secs(self.access_token_secs.clamp(30, 24 * 3600)),
        )
        .map_err(|e| e.to_string())
    }

    pub fn cors_origins(&self) -> Vec<String> {
        self.cors_origins
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        security: SecuritySettings,
    }

    #[test]
    fn outside_demo_mode_the_keys_must_be_configured() {
        let plain = Cli::try_parse_from(["fupin"]).unwrap().security;
        assert!(plain
            .token_service()
            .err()
            .unwrap()
            .contains("FUPIN_JWT_KEYS"));
        assert!(plain
            .personal_data_keys()
            .unwrap_err()
            .contains("FUPIN_DATA_KEYS"));
        let demo = Cli::try_parse_from(["fupin", "--demo"]).unwrap().security;
        assert!(demo.token_service().is_ok());
        assert!(demo.personal_data_keys().is_ok());
        let weak = Cli::try_parse_from(["fupin", "--jwt-keys", "k:c2hvcnQ="])
            .unwrap()
            .security;
        assert!(
            weak.token_service().is_err(),
            "a key under 32 bytes is refused"
        );
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let cli = Cli::try_parse_from([
            "fupin",
            "--jwt-keys",
            "k:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==",
        ])
        .unwrap();
        assert!(!format!("{:?}", cli.security).contains("c2Vj"));
    }
}
