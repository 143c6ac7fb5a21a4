//! Accounts: password and secret hashing, logins, refresh-token rotation, user and client
//! management. Every one of these writes an audit entry.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use fupin_domain::access::Role;
use fupin_domain::region::RegionCode;
use fupin_persistence::accounts::{self, RefreshTokenRow};
use fupin_persistence::audit::{self, NewAuditEntry};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::DbConn;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::new_id;
use crate::error::{AppError, Text};

/// Hashes a password or client secret with argon2id and a fresh salt.
pub fn hash_secret(secret: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| AppError::internal())
}

fn secret_matches(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of one verification, so that an unknown username answers as slowly as a
/// wrong password.
fn burn_a_verification(secret: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_secret("no such account").unwrap_or_default());
    let _ = secret_matches(secret, dummy);
}

/// A random token for refresh tokens and client secrets: 32 bytes, base64url.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Refresh tokens are stored as SHA-256: they are random, so a fast hash is enough.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a new password for the account `username` against the policy
/// (`fupin_domain::password`): a 422 on `password` that says what is wrong.
pub fn check_password_strength(password: &str, username: &str) -> Result<(), AppError> {
    use fupin_domain::password::{self, Weakness, MAX_CHARS, MIN_CHARS};
    let Err(weakness) = password::check(password, username) else {
        return Ok(());
    };
    let (code, en, zh) = match weakness {
        Weakness::TooShort => (
            "too_short",
            format!("a password has at least {MIN_CHARS} characters"),
            format!("密码至少 {MIN_CHARS} 个字符"),
        ),
        Weakness::TooLong => (
            "too_long",
            format!("a password has at most {MAX_CHARS} characters"),
            format!("密码最多 {MAX_CHARS} 个字符"),
        ),
        Weakness::Predictable => (
            "too_predictable",
            "a password needs more than a run of keys, digits alone or a few repeated characters"
                .to_owned(),
            "密码不能只是连续按键、纯数字或少数字符的重复".to_owned(),
        ),
        Weakness::Common => (
            "too_common",
            "a password may not be built on a common word or pattern".to_owned(),
            "密码不能基于常见词语或常见组合".to_owned(),
        ),
        Weakness::HoldsTheName => (
            "holds_username",
            "a password may not contain the username".to_owned(),
            "密码不能包含用户名".to_owned(),
        ),
    };
    Err(AppError::invalid_field("password", code, Text::new(en, zh)))
}

/// Accepts a 12-digit region code or a 6-digit county code (`610117` → `610117000000`).
pub fn parse_region(raw: &str) -> Option<RegionCode> {
    let full = if raw.len() == 6 {
        format!("{raw}000000")
    } else {
        raw.to_owned()
    };
    RegionCode::parse(&full).ok()
}

/// Who a login was, for its audit entry and its token.
pub struct Subject {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// A client system's grants; empty for people.
    pub grants: Vec<fupin_domain::access::Action>,
    pub region: String,
}

/// The result of checking credentials; failures are committed (audited) before they answer.
pub enum LoginOutcome {
    Accepted {
        subject: Subject,
        refresh_token: Option<String>,
    },
    Refused,
}

fn login_entry(
    action: &str,
    actor_id: &str,
    name: &str,
    role: &str,
    region: Option<&str>,
    now: NaiveDateTime,
    request_id: Option<String>,
) -> NewAuditEntry {
    NewAuditEntry {
        at: now,
        actor_id: actor_id.to_owned(),
        actor_name: name.to_owned(),
        role: role.to_owned(),
        action: action.to_owned(),
        entity_type: "session".to_owned(),
        entity_id: actor_id.to_owned(),
        region_code: region.map(str::to_owned),
        request_id,
        before_json: None,
        after_json: None,
    }
}

fn new_refresh_token(
    conn: &mut DbConn,
    user_id: &str,
    now: NaiveDateTime,
    lifetime: std::time::Duration,
) -> Result<String, AppError> {
    let token = random_token();
    accounts::insert_refresh_token(
        conn,
        &RefreshTokenRow {
            id: new_id(),
            user_id: user_id.to_owned(),
            token_hash: token_hash(&token),
            expires_at: now + Duration::seconds(i64::try_from(lifetime.as_secs()).unwrap_or(3600)),
            revoked_at: None,
            created_at: now,
        },
    )?;
    Ok(token)
}

/// Who logs in: a person (`password` grant) or a client system (`client_credentials`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Person,
    Client,
}

/// What logging in needs to know of a user or a client.
#[derive(Clone, PartialEq, Eq)]
struct Account {
    id: String,
    name: String,
    secret_hash: String,
    disabled: bool,
    role: String,
    grants: String,
    region: String,
}

fn account(conn: &mut DbConn, holder: Holder, name: &str) -> Result<Option<Account>, AppError> {
    Ok(match holder {
        Holder::Person => accounts::user_by_username(conn, name)?.map(|user| Account {
            id: user.id,
            name: user.username,
            secret_hash: user.password_hash,
            disabled: user.disabled,
            role: user.role,
            grants: String::new(),
            region: user.region_code,
        }),
        Holder::Client => accounts::client_by_client_id(conn, name)?.map(|client| Account {
            id: client.id,
            name: client.client_id,
            secret_hash: client.secret_hash,
            disabled: client.disabled,
            role: client.role,
            grants: client.permissions,
            region: client.region_code,
        }),
    })
}

/// A login in progress: the account named, as read before its secret is checked. Logging in
/// runs in three steps so that the slow hash holds no database transaction: read the account
/// ([`find_candidate`]), check the secret ([`LoginCandidate::secret_matches`], on the caller's
/// bounded pool), record the outcome ([`finish_login`], one short write).
pub struct LoginCandidate {
    holder: Holder,
    presented_name: String,
    account: Option<Account>,
}

/// Reads the account a login names (none when the name is unknown).
pub fn find_candidate(
    conn: &mut DbConn,
    holder: Holder,
    name: &str,
) -> Result<LoginCandidate, AppError> {
    Ok(LoginCandidate {
        holder,
        presented_name: name.to_owned(),
        account: account(conn, holder, name)?,
    })
}

impl LoginCandidate {
    /// Whether `secret` is the account's; an unknown name spends the time of a check too, so
    /// that it answers as slowly as a wrong password.
    pub fn secret_matches(&self, secret: &str) -> bool {
        match &self.account {
            Some(account) => secret_matches(secret, &account.secret_hash),
            None => {
                burn_a_verification(secret);
                false
            }
        }
    }
}

/// Records a login's outcome: an audit entry, and for a person let in, a refresh token. The
/// account is read again: one disabled, or whose secret changed, while its secret was checked
/// is refused. Failures are answered only after they are committed.
pub fn finish_login(
    conn: &mut DbConn,
    keys: &PersonalDataKeys,
    candidate: LoginCandidate,
    secret_matched: bool,
    now: NaiveDateTime,
    refresh_lifetime: std::time::Duration,
    request_id: Option<String>,
) -> Result<LoginOutcome, AppError> {
    let LoginCandidate {
        holder,
        presented_name,
        account: checked,
    } = candidate;
    let current = account(conn, holder, &presented_name)?;
    let accepted =
        secret_matched && current == checked && current.as_ref().is_some_and(|a| !a.disabled);
    let entry = |action: &str, id: &str, name: &str, role: &str, region: Option<&str>| {
        login_entry(action, id, name, role, region, now, request_id.clone())
    };
    match current {
        Some(account) if accepted => {
            audit::append(
                conn,
                keys,
                entry(
                    "login",
                    &account.id,
                    &account.name,
                    &account.role,
                    Some(&account.region),
                ),
            )?;
            let refresh_token = match holder {
                Holder::Person => {
                    Some(new_refresh_token(conn, &account.id, now, refresh_lifetime)?)
                }
                // A client system has its secret: it asks again rather than refreshing.
                Holder::Client => None,
            };
            Ok(LoginOutcome::Accepted {
                subject: Subject {
                    role: crate::models::stored(&account.role)?,
                    grants: crate::models::accounts::stored_grants(&account.grants)?,
                    id: account.id,
                    name: account.name,
                    region: account.region,
                },
                refresh_token,
            })
        }
        // A known account's failures belong to its region, so its administrators see them.
        Some(account) => {
            let region = Some(account.region.as_str());
            audit::append(
                conn,
                keys,
                entry("login_failed", &account.id, &presented_name, "none", region),
            )?;
            Ok(LoginOutcome::Refused)
        }
        None => {
            audit::append(
                conn,
                keys,
                entry("login_failed", "unknown", &presented_name, "none", None),
            )?;
            Ok(LoginOutcome::Refused)
        }
    }
}

/// Exchanges a refresh token for a new one (the old one is revoked). A revoked token presented
/// again means it was copied: every token of that user is revoked.
pub fn refresh(
    conn: &mut DbConn,
    keys: &PersonalDataKeys,
    presented: &str,
    now: NaiveDateTime,
    lifetime: std::time::Duration,
    request_id: Option<String>,
) -> Result<LoginOutcome, AppError> {
    let Some(stored) = accounts::refresh_token_by_hash(conn, &token_hash(presented))? else {
        return Ok(LoginOutcome::Refused);
    };
    if stored.revoked_at.is_some() {
        accounts::revoke_all_refresh_tokens(conn, &stored.user_id, now)?;
        audit::append(
            conn,
            keys,
            login_entry(
                "refresh_token_reused",
                &stored.user_id,
                "",
                "none",
                None,
                now,
                request_id,
            ),
        )?;
        return Ok(LoginOutcome::Refused);
    }
    let user = accounts::user_by_id(conn, &stored.user_id)?;
    let Some(user) = user.filter(|u| !u.disabled && stored.expires_at > now) else {
        return Ok(LoginOutcome::Refused);
    };
    accounts::revoke_refresh_token(conn, &stored.id, now)?;
    let refresh_token = new_refresh_token(conn, &user.id, now, lifetime)?;
    audit::append(
        conn,
        keys,
        login_entry(
            "refresh",
            &user.id,
            &user.username,
            &user.role,
            Some(&user.region_code),
            now,
            request_id,
        ),
    )?;
    let role: Role = crate::models::stored(&user.role)?;
    Ok(LoginOutcome::Accepted {
        subject: Subject {
            id: user.id,
            name: user.username,
            role,
            grants: Vec::new(),
            region: user.region_code,
        },
        refresh_token: Some(refresh_token),
    })
}

/// Revokes a refresh token (logout); unknown tokens are ignored.
pub fn logout(
    conn: &mut DbConn,
    keys: &PersonalDataKeys,
    presented: &str,
    now: NaiveDateTime,
    request_id: Option<String>,
) -> Result<(), AppError> {
    if let Some(stored) = accounts::refresh_token_by_hash(conn, &token_hash(presented))? {
        accounts::revoke_refresh_token(conn, &stored.id, now)?;
        audit::append(
            conn,
            keys,
            login_entry("logout", &stored.user_id, "", "none", None, now, request_id),
        )?;
    }
    Ok(())
}

mod management;
pub use management::{
    create_client, create_user, list, reset_password, set_disabled, user, ManagedAccount,
};
