//! Bodies of logins, accounts and the audit trail.

use chrono::{DateTime, Utc};
use fupin_domain::access::{Action, Role};
use fupin_persistence::accounts::{ClientRow, UserRow};
use fupin_persistence::audit::AuditRow;
use fupin_persistence::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::{stored, utc};
use crate::pagination::page_of;

/// How a token is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// A person: `username` and `password`.
    Password,
    /// A client system: `client_id` and `client_secret`.
    ClientCredentials,
    /// A person's `refresh_token`, exchanged for a new pair.
    RefreshToken,
}

/// A token request; which fields are needed depends on `grant_type`. Other parameters are
/// ignored, as RFC 6749 §3.2 requires.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"grant_type": "password", "username": "village1", "password": "correct horse battery"}))]
pub struct TokenRequest {
    pub grant_type: GrantType,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub username: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub password: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub client_id: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub client_secret: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub refresh_token: Option<String>,
    /// Accepted and ignored: what a token allows comes from the role, or a client's grants.
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub scope: Option<String>,
}

/// An access token, and for people a refresh token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// For people only; single use: each refresh returns a new one.
    pub refresh_token: Option<String>,
    pub role: Role,
    /// For a client system, what it was granted; empty for people, whose role decides.
    pub permissions: Vec<Action>,
    /// The region the bearer may act in (and everything under it).
    pub region_code: String,
}

/// Ends a session by revoking its refresh token.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: String,
}

/// A person's account (never its password).
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub region_code: String,
    pub disabled: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            role: stored(&row.role)?,
            id: row.id,
            username: row.username,
            region_code: row.region_code,
            disabled: row.disabled,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        })
    }
}

/// The stored form of a client's grants: the action names, space-separated.
pub fn grants_text(grants: &[Action]) -> String {
    grants
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A client's grants as stored.
pub fn stored_grants(text: &str) -> Result<Vec<Action>, StoreError> {
    text.split_whitespace().map(stored).collect()
}

/// A client system's account (never its secret, except once at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct Client {
    pub id: String,
    pub client_id: String,
    pub name: String,
    /// Always `client`: what the client may do is `permissions`.
    pub role: Role,
    /// What the client was granted (see `CreateClient.permissions`).
    pub permissions: Vec<Action>,
    pub region_code: String,
    pub disabled: bool,
    /// Shown once, in the answer to the creation; store it then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<ClientRow> for Client {
    type Error = StoreError;
    fn try_from(row: ClientRow) -> Result<Self, StoreError> {
        Ok(Client {
            role: stored(&row.role)?,
            permissions: stored_grants(&row.permissions)?,
            id: row.id,
            client_id: row.client_id,
            name: row.name,
            region_code: row.region_code,
            disabled: row.disabled,
            client_secret: None,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        })
    }
}

page_of!(UserPage, User);
page_of!(ClientPage, Client);

/// A new person's account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "dongfan-officer", "password": "a long passphrase", "role": "village_officer", "region_code": "610117001201"}))]
pub struct CreateUser {
    #[validate(length(min = 3, max = 50))]
    #[schema(min_length = 3, max_length = 50)]
    pub username: String,
    /// 10 to 200 characters, not built on a common word or pattern (a list shipped with the
    /// server), not a run of keys, digits alone or a few repeated characters, and not
    /// containing the username: otherwise a 422 that says which.
    #[validate(length(min = 10, max = 200))]
    #[schema(min_length = 10, max_length = 200)]
    pub password: String,
    pub role: Role,
    /// The account's scope: a 12-digit region code (or a 6-digit county code).
    #[schema(format = "region-or-county-code")]
    pub region_code: String,
}

/// A new client system.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"client_id": "gaoling-rcb", "name": "高陵农商银行信贷系统", "permissions": ["read_registry", "record_loan_events"], "region_code": "610117000000"}))]
pub struct CreateClient {
    #[validate(length(min = 3, max = 50))]
    #[schema(min_length = 3, max_length = 50)]
    pub client_id: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What the client may do, limited to its region: any of `read_registry`, `read_changes`,
    /// `run_data_quality`, `approve_loans`, `record_loan_events`, `record_subsidies`. A client
    /// never gets a person's role, never writes the registry and never sees full personal data.
    #[validate(length(min = 1, max = 16))]
    #[schema(min_items = 1, max_items = 16)]
    pub permissions: Vec<Action>,
    /// The client's scope: a 12-digit region code (or a 6-digit county code).
    #[schema(format = "region-or-county-code")]
    pub region_code: String,
}

/// A new password for a user (admin only); the user's refresh tokens are revoked.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// As for a new user: see `CreateUser.password`.
    #[validate(length(min = 10, max = 200))]
    #[schema(min_length = 10, max_length = 200)]
    pub password: String,
}

/// One entry of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    /// `create`, `update`, `leave`, `transfer_headship`, `login`, `login_failed`, `refresh`,
    /// `logout`, `user_create`, `user_disable`, `password_reset`, `read_personal_data`, ...
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub region_code: Option<String>,
    pub request_id: Option<String>,
    /// The resource before the change, personal data masked.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The resource after the change, personal data masked.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        AuditEntry {
            seq: row.seq,
            id: row.id,
            at: utc(row.at),
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            role: row.role,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            region_code: row.region_code,
            request_id: row.request_id,
            before: parse(row.before_json),
            after: parse(row.after_json),
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

page_of!(AuditPage, AuditEntry);

/// Filters of the audit trail, newest first.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditListParams {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    /// Entries at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
    #[param(format = "cursor")]
    pub cursor: Option<String>,
}

/// Whether the chain holds: every entry's keyed hash and link, and the sealed head.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainStatus {
    pub intact: bool,
    pub entries_checked: i64,
    /// The newest entry as the chain's sealed head names it when the check began; entries
    /// cut away after it are reported as broken from the first one missing.
    pub sealed_head: i64,
    /// The first entry that does not hold, if any; none also when the break is entries added
    /// outside any sealed transaction (`reason` says so).
    pub first_broken_seq: Option<i64>,
    pub reason: Option<String>,
}

impl From<fupin_persistence::audit::ChainReport> for ChainStatus {
    fn from(report: fupin_persistence::audit::ChainReport) -> Self {
        ChainStatus {
            intact: report.first_broken.is_none(),
            entries_checked: report.entries_checked,
            sealed_head: report.sealed_head,
            first_broken_seq: report.first_broken.as_ref().and_then(|b| b.seq),
            reason: report.first_broken.map(|b| b.reason.to_owned()),
        }
    }
}
