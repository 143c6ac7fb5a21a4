//! Test support: a fresh database per test (SQLite file, or a PostgreSQL schema when
//! `FUPIN_TEST_BACKEND=postgres` and `TEST_DATABASE_URL` are set) and the real app on port 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::time::Duration;

use std::sync::OnceLock;

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use fupin_api::auth::TokenService;
use fupin_app::models::accounts::grants_text;
use fupin_domain::access::{Action, Role};
use fupin_persistence::accounts::{insert_client, insert_user, ClientRow, UserRow};
use fupin_persistence::connection::sqlite_path;
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::{connect, run_migrations, Backend, DbPool};
use serde_json::Value;

pub mod fixtures;

/// The backend this test run uses.
pub fn backend() -> Backend {
    match std::env::var("FUPIN_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// A database that exists for one test and is removed after it.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    PostgresSchema { admin_url: String, schema: String },
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        match backend() {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("fupin-{name}.db"));
                TestDatabase {
                    url: format!("sqlite://{}", path.display()),
                    cleanup: Cleanup::SqliteFile(path),
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL")
                    .expect("FUPIN_TEST_BACKEND=postgres needs TEST_DATABASE_URL");
                let mut admin =
                    PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
                admin
                    .batch_execute(&format!("CREATE SCHEMA {name}"))
                    .unwrap();
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                TestDatabase {
                    // The application name tells this test's server connections from others'.
                    url: format!(
                        "{admin_url}{separator}options=-csearch_path%3D{name}&application_name={name}"
                    ),
                    cleanup: Cleanup::PostgresSchema {
                        admin_url,
                        schema: name,
                    },
                }
            }
        }
    }

    /// A migrated pool on this database.
    pub fn pool(&self) -> DbPool {
        let pool = self.unmigrated_pool();
        run_migrations(&mut pool.get().unwrap(), &keys()).expect("migrate test database");
        pool
    }

    /// A pool on this database as it is, for a test that migrates it itself.
    pub fn unmigrated_pool(&self) -> DbPool {
        connect(&self.url, 4, Duration::from_secs(10)).expect("open test database")
    }

    /// Makes this (SQLite) database a copy of the database file `bytes`.
    pub fn load_sqlite_file(&self, bytes: &[u8]) {
        std::fs::write(sqlite_path(&self.url), bytes).expect("write the test database");
    }

    /// Runs an SQL script (a dump) on a connection of its own, so that the session settings
    /// the script makes end with it.
    pub fn load_script(&self, sql: &str) {
        match backend() {
            Backend::Sqlite => SqliteConnection::establish(sqlite_path(&self.url))
                .expect("open test database")
                .batch_execute(sql),
            Backend::Postgres => PgConnection::establish(&self.url)
                .expect("open test database")
                .batch_execute(sql),
        }
        .expect("load the script");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresSchema { admin_url, schema } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
                }
            }
        }
    }
}

/// The keys tests seal personal data with.
pub fn keys() -> PersonalDataKeys {
    PersonalDataKeys::demo().unwrap()
}

/// The signing keys of test servers: `test` signs, `old` still verifies.
pub const TEST_JWT_KEYS: &str =
    "test:dGVzdC1zaWduaW5nLWtleS1mb3ItZnVwaW4tdGVzdHMtb25seQ==,old:b2xkLXNpZ25pbmcta2V5LWZvci1mdXBpbi10ZXN0cy1vbmx5";

pub fn token_service() -> TokenService {
    TokenService::new(
        TEST_JWT_KEYS,
        "fupin",
        "fupin-api",
        Duration::from_secs(600),
    )
    .unwrap()
}

/// One argon2 hash of `TEST_PASSWORD`, made once per run (hashing is slow on purpose).
pub const TEST_PASSWORD: &str = "test-password-123";
pub fn test_password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| fupin_app::accounts::hash_secret(TEST_PASSWORD).unwrap())
        .clone()
}

/// A clock tests move forward, to see what happens when days have passed.
pub struct TestClock(std::sync::Mutex<chrono::DateTime<Utc>>);

impl TestClock {
    pub fn advance_days(&self, days: i64) {
        let mut now = self.0.lock().unwrap();
        *now += chrono::Duration::days(days);
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.0.lock().unwrap().date_naive()
    }
}

impl fupin_api::Clock for TestClock {
    fn now(&self) -> chrono::DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// The app running on its own port with its own database. Requests made with `get`, `post`
/// and `patch` carry an admin token for the district 610117; `as_role` makes other callers.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: DbPool,
    pub tokens: TokenService,
    pub admin_token: String,
    pub clock: std::sync::Arc<TestClock>,
    database: std::sync::Arc<TestDatabase>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let database = TestDatabase::create();
        let pool = database.pool();
        Self::spawn_with(pool, database, Vec::new())
    }

    pub fn spawn_with_pool(pool: DbPool, database: TestDatabase) -> TestApp {
        Self::spawn_with(pool, database, Vec::new())
    }

    pub fn spawn_with(pool: DbPool, database: TestDatabase, cors_origins: Vec<String>) -> TestApp {
        Self::serve(pool, std::sync::Arc::new(database), cors_origins)
    }

    /// A second server on this app's database, as another process of the program would be: it
    /// shares nothing with this one but the database (no caches, no clock).
    pub fn another_process(&self) -> TestApp {
        let mut other = Self::serve(self.pool.clone(), self.database.clone(), Vec::new());
        other.admin_token = self.admin_token.clone();
        other
    }

    fn serve(
        pool: DbPool,
        database: std::sync::Arc<TestDatabase>,
        cors_origins: Vec<String>,
    ) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let clock = std::sync::Arc::new(TestClock(std::sync::Mutex::new(Utc::now())));
        let services = fupin_api::Services {
            tokens: token_service(),
            keys: keys(),
            refresh_lifetime: Duration::from_secs(3600),
            cors_origins,
            clock: clock.clone(),
            procedure: fupin_api::ProcedureSettings { notice_days: 7 },
            pg_reads: fupin_api::PgReadSettings::for_url(&database.url, 2, Duration::from_secs(10)),
            shutdown_grace: Duration::from_secs(5),
            streams: fupin_api::streams::Streams::default(),
        };
        let server = fupin_api::server(listener, pool.clone(), Some(2), services).unwrap();
        tokio::spawn(server);
        let mut app = TestApp {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            pool,
            tokens: token_service(),
            admin_token: String::new(),
            clock,
            database,
        };
        if let Ok(mut conn) = app.pool.get() {
            if let Ok(user) = create_user(&mut conn, "admin", Role::Admin, "610117000000") {
                app.admin_token = app
                    .tokens
                    .issue(
                        &user.id,
                        "admin",
                        (Role::Admin, &[]),
                        "610117000000",
                        Utc::now(),
                    )
                    .unwrap();
            }
        }
        app
    }

    /// A user of this role and region, created in the database, and a token for them.
    pub fn as_role(&self, role: Role, region: &str) -> Caller<'_> {
        let mut conn = self.pool.get().unwrap();
        let username = format!("{}-{}", role.as_str(), uuid::Uuid::new_v4().simple());
        let user = create_user(&mut conn, &username, role, region).unwrap();
        let token = self
            .tokens
            .issue(&user.id, &username, (role, &[]), region, Utc::now())
            .unwrap();
        Caller {
            app: self,
            token,
            user_id: user.id,
            username,
        }
    }

    /// A client system granted `grants` in `region`, and its token.
    pub fn as_client(&self, grants: &[Action], region: &str) -> Caller<'_> {
        let mut conn = self.pool.get().unwrap();
        let client_id = format!("client-{}", uuid::Uuid::new_v4().simple());
        let now = Utc::now().naive_utc();
        let row = ClientRow {
            id: uuid::Uuid::now_v7().to_string(),
            client_id: client_id.clone(),
            secret_hash: test_password_hash(),
            name: client_id.clone(),
            role: Role::Client.as_str().to_owned(),
            region_code: region.to_owned(),
            disabled: false,
            version: 1,
            created_at: now,
            updated_at: now,
            permissions: grants_text(grants),
        };
        insert_client(&mut conn, &row).unwrap();
        let token = self
            .tokens
            .issue(
                &row.id,
                &client_id,
                (Role::Client, grants),
                region,
                Utc::now(),
            )
            .unwrap();
        Caller {
            app: self,
            token,
            user_id: row.id,
            username: client_id,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.admin_token)
    }

    pub fn post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.admin_token)
            .json(body)
    }

    pub fn patch(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client
            .patch(self.url(path))
            .bearer_auth(&self.admin_token)
            .json(body)
    }

    pub fn put(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client
            .put(self.url(path))
            .bearer_auth(&self.admin_token)
            .json(body)
    }

    /// A POST with a raw body and content type, as the admin.
    pub fn post_raw(&self, path: &str, content_type: &str, body: &str) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.admin_token)
            .header("Content-Type", content_type)
            .body(body.to_owned())
    }

    /// Rows in a table, read straight from the database.
    pub fn count(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.pool.get().unwrap();
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(&mut *conn)
            .unwrap()
            .n
    }

    /// Runs a statement straight on the database, behind the program's back.
    /// The URL of this test's database, for a connection of its own outside the pool.
    pub fn database_url(&self) -> &str {
        &self.database.url
    }

    pub fn execute_sql(&self, sql: &str) {
        use diesel::prelude::*;
        let mut conn = self.pool.get().unwrap();
        diesel::sql_query(sql).execute(&mut *conn).unwrap();
    }
}

/// Inserts a user with `TEST_PASSWORD`.
pub fn create_user(
    conn: &mut fupin_persistence::DbConn,
    username: &str,
    role: Role,
    region: &str,
) -> Result<UserRow, fupin_persistence::StoreError> {
    let now = Utc::now().naive_utc();
    let row = UserRow {
        id: uuid::Uuid::now_v7().to_string(),
        username: username.to_owned(),
        password_hash: test_password_hash(),
        role: role.as_str().to_owned(),
        region_code: region.to_owned(),
        disabled: false,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    insert_user(conn, &row)?;
    Ok(row)
}

/// Requests as a particular caller.
pub struct Caller<'a> {
    pub app: &'a TestApp,
    pub token: String,
    pub user_id: String,
    pub username: String,
}

impl Caller<'_> {
    pub fn client_put(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.app
            .client
            .put(self.app.url(path))
            .bearer_auth(&self.token)
            .json(body)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .get(self.app.url(path))
            .bearer_auth(&self.token)
    }

    pub fn post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.app
            .client
            .post(self.app.url(path))
            .bearer_auth(&self.token)
            .json(body)
    }

    pub fn patch(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.app
            .client
            .patch(self.app.url(path))
            .bearer_auth(&self.token)
            .json(body)
    }
}

/// A response's status, headers and JSON body, read once.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `field` of every element of the body's array `list` ("" where it is not a string).
    pub fn column(&self, list: &str, field: &str) -> Vec<String> {
        self.body[list]
            .as_array()
            .map(|elements| {
                elements
                    .iter()
                    .map(|e| e[field].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `field`s of a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.column("errors", "field")
    }

    pub fn error_codes(&self) -> Vec<String> {
        self.column("errors", "code")
    }

    /// Asserts this is a problem answer of the given status and type.
    pub fn assert_problem(&self, status: u16, problem_type: &str) -> &Self {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.body
        );
        assert_eq!(
            self.body["type"],
            format!("urn:fupin:problem:{problem_type}"),
            "body: {}",
            self.body
        );
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(self.body["request_id"].as_str().is_some());
        self
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("request failed");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        headers,
        body,
    }
}
