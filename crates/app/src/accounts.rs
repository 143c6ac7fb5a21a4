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

pub const MIN_PASSWORD_CHARS: usize = 10;

pub fn check_password_strength(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid_field(
            "password",
            "too_short",
            Text::new(
                format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
                format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"),
            ),
        ));
    }
    Ok(())
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

/// Who a login was, for its audit entry.
pub struct Subject {
    pub id: String,
    pub name: String,
    pub role: Role,
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

/// What logging in needs to know of a user or a client.
struct Account {
    id: String,
    name: String,
    secret_hash: String,
    disabled: bool,
    role: String,
    region: String,
}

/// Checks a secret against an account (or spends the same time when there is none) and audits
/// the outcome; `None` when refused. Failures are answered only after they are committed.
fn check_credentials(
    conn: &mut DbConn,
    presented_name: &str,
    secret: &str,
    account: Option<Account>,
    now: NaiveDateTime,
    request_id: Option<String>,
) -> Result<Option<Subject>, AppError> {
    let accepted = match &account {
        Some(account) => secret_matches(secret, &account.secret_hash) && !account.disabled,
        None => {
            burn_a_verification(secret);
            false
        }
    };
    match account {
        Some(account) if accepted => {
            audit::append(
                conn,
                login_entry(
                    "login",
                    &account.id,
                    &account.name,
                    &account.role,
                    Some(&account.region),
                    now,
                    request_id,
                ),
            )?;
            Ok(Some(Subject {
                role: crate::models::stored(&account.role)?,
                id: account.id,
                name: account.name,
                region: account.region,
            }))
        }
        // A known account's failures belong to its region, so its administrators see them.
        Some(account) => {
            audit::append(
                conn,
                login_entry(
                    "login_failed",
                    &account.id,
                    presented_name,
                    "none",
                    Some(&account.region),
                    now,
                    request_id,
                ),
            )?;
            Ok(None)
        }
        None => {
            audit::append(
                conn,
                login_entry(
                    "login_failed",
                    "unknown",
                    presented_name,
                    "none",
                    None,
                    now,
                    request_id,
                ),
            )?;
            Ok(None)
        }
    }
}

/// A person logs in with username and password.
pub fn login_with_password(
    conn: &mut DbConn,
    username: &str,
    password: &str,
    now: NaiveDateTime,
    refresh_lifetime: std::time::Duration,
    request_id: Option<String>,
) -> Result<LoginOutcome, AppError> {
    let account = accounts::user_by_username(conn, username)?.map(|user| Account {
        id: user.id,
        name: user.username,
        secret_hash: user.password_hash,
        disabled: user.disabled,
        role: user.role,
        region: user.region_code,
    });
    let Some(subject) = check_credentials(conn, username, password, account, now, request_id)?
    else {
        return Ok(LoginOutcome::Refused);
    };
    let refresh_token = new_refresh_token(conn, &subject.id, now, refresh_lifetime)?;
    Ok(LoginOutcome::Accepted {
        subject,
        refresh_token: Some(refresh_token),
    })
}

/// A client system authenticates with its id and secret (no refresh token: it can ask again).
pub fn login_with_client_secret(
    conn: &mut DbConn,
    client_id: &str,
    secret: &str,
    now: NaiveDateTime,
    request_id: Option<String>,
) -> Result<LoginOutcome, AppError> {
    let account = accounts::client_by_client_id(conn, client_id)?.map(|client| Account {
        id: client.id,
        name: client.client_id,
        secret_hash: client.secret_hash,
        disabled: client.disabled,
        role: client.role,
        region: client.region_code,
    });
    Ok(
        match check_credentials(conn, client_id, secret, account, now, request_id)? {
            Some(subject) => LoginOutcome::Accepted {
                subject,
                refresh_token: None,
            },
            None => LoginOutcome::Refused,
        },
    )
}

/// Exchanges a refresh token for a new one (the old one is revoked). A revoked token presented
/// again means it was copied: every token of that user is revoked.
pub fn refresh(
    conn: &mut DbConn,
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
            region: user.region_code,
        },
        refresh_token: Some(refresh_token),
    })
}

/// Revokes a refresh token (logout); unknown tokens are ignored.
pub fn logout(
    conn: &mut DbConn,
    presented: &str,
    now: NaiveDateTime,
    request_id: Option<String>,
) -> Result<(), AppError> {
    if let Some(stored) = accounts::refresh_token_by_hash(conn, &token_hash(presented))? {
        accounts::revoke_refresh_token(conn, &stored.id, now)?;
        audit::append(
            conn,
            login_entry("logout", &stored.user_id, "", "none", None, now, request_id),
        )?;
    }
    Ok(())
}

mod management;
pub use management::{
    create_client, create_user, list, reset_password, set_disabled, ManagedAccount,
};
