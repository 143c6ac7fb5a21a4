//! People (users), client systems, and people's refresh tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::{clients, refresh_tokens, users};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub region_code: String,
    pub disabled: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = clients)]
pub struct ClientRow {
    pub id: String,
    pub client_id: String,
    pub secret_hash: String,
    pub name: String,
    pub role: String,
    pub region_code: String,
    pub disabled: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The actions the client was granted, space-separated.
    pub permissions: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: String,
    pub user_id: String,
    pub token_hash: String,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// What users and client systems have alike, written once for the two tables: inserting a row,
/// finding one by id (unscoped: tokens are checked before anyone's scope is known), listing those
/// within a scope in id order, and disabling or enabling one.
macro_rules! account_queries {
    ($table:ident, $row:ty, $insert:ident, $by_id:ident, $list:ident, $set_disabled:ident) => {
        pub fn $insert(conn: &mut DbConn, row: &$row) -> Result<(), StoreError> {
            diesel::insert_into($table::table)
                .values(row)
                .execute(conn)?;
            Ok(())
        }

        pub fn $by_id(conn: &mut DbConn, id: &str) -> Result<Option<$row>, StoreError> {
            Ok($table::table
                .filter($table::id.eq(id))
                .select(<$row>::as_select())
                .first(conn)
                .optional()?)
        }

        pub fn $list(
            conn: &mut DbConn,
            scope: &RegionScope,
            after: Option<&str>,
            limit: i64,
        ) -> Result<Vec<$row>, StoreError> {
            let mut query = $table::table
                .select(<$row>::as_select())
                .order($table::id.asc())
                .limit(limit)
                .into_boxed();
            if let Some((low, high)) = scope.code_range() {
                query = query.filter($table::region_code.between(low, high));
            }
            if let Some(after) = after {
                query = query.filter($table::id.gt(after.to_owned()));
            }
            Ok(query.load(conn)?)
        }

        pub fn $set_disabled(
            conn: &mut DbConn,
            id: &str,
            disabled: bool,
            now: NaiveDateTime,
        ) -> Result<(), StoreError> {
            diesel::update($table::table.filter($table::id.eq(id)))
                .set((
                    $table::disabled.eq(disabled),
                    $table::version.eq($table::version + 1),
                    $table::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(())
        }
    };
}

account_queries!(
    users,
    UserRow,
    insert_user,
    user_by_id,
    list_users,
    set_user_disabled
);
account_queries!(
    clients,
    ClientRow,
    insert_client,
    client_by_id,
    list_clients,
    set_client_disabled
);

/// Unscoped: used to log in, before anyone is known.
pub fn user_by_username(conn: &mut DbConn, username: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Unscoped: used to authenticate a client system.
pub fn client_by_client_id(
    conn: &mut DbConn,
    client_id: &str,
) -> Result<Option<ClientRow>, StoreError> {
    Ok(clients::table
        .filter(clients::client_id.eq(client_id))
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether a token's subject (a user or a client id) is missing or disabled.
pub fn subject_disabled(conn: &mut DbConn, subject: &str) -> Result<bool, StoreError> {
    let user: Option<bool> = users::table
        .filter(users::id.eq(subject))
        .select(users::disabled)
        .first(conn)
        .optional()?;
    if let Some(disabled) = user {
        return Ok(disabled);
    }
    let client: Option<bool> = clients::table
        .filter(clients::id.eq(subject))
        .select(clients::disabled)
        .first(conn)
        .optional()?;
    Ok(client.unwrap_or(true))
}

pub fn set_password_hash(
    conn: &mut DbConn,
    id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::password_hash.eq(hash),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_refresh_token(conn: &mut DbConn, row: &RefreshTokenRow) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn refresh_token_by_hash(
    conn: &mut DbConn,
    hash: &str,
) -> Result<Option<RefreshTokenRow>, StoreError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn revoke_refresh_token(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::id.eq(id)))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Revokes every live refresh token of a user (on disable, password reset, or reuse of a
/// revoked token, which means one was stolen).
pub fn revoke_all_refresh_tokens(
    conn: &mut DbConn,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::user_id.eq(user_id)))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(now))
        .execute(conn)?;
    Ok(())
}
