//! Managing users and client systems (for admins, within their scope): creating, disabling
//! and enabling them, and setting a person's password. Every step writes an audit entry.

use chrono::NaiveDateTime;
use fupin_domain::access::{grantable_to_clients, is_person_role, Action, Role};
use fupin_domain::region::RegionCode;
use fupin_domain::scope::RegionScope;
use fupin_persistence::accounts::{self, ClientRow, UserRow};
use fupin_persistence::{DbConn, StoreError};
use serde::Serialize;

use crate::caller::forbidden_region;
use crate::context::{Context, NOTHING};
use crate::error::{AppError, Kind, Text};
use crate::models::accounts::{grants_text, Client, User};
use crate::new_id;

/// Users and client systems, for the management steps they share.
pub trait ManagedAccount: Serialize + TryFrom<Self::Row, Error = StoreError> {
    type Row;
    /// The entity type in the audit trail, and the account's name in English and Chinese.
    const ENTITY: &'static str;
    const NAMES: (&'static str, &'static str);
    fn insert(conn: &mut DbConn, row: &Self::Row) -> Result<(), StoreError>;
    fn find(conn: &mut DbConn, id: &str) -> Result<Option<Self::Row>, StoreError>;
    fn list(
        conn: &mut DbConn,
        scope: &RegionScope,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Self::Row>, StoreError>;
    fn set_disabled(
        conn: &mut DbConn,
        id: &str,
        disabled: bool,
        now: NaiveDateTime,
    ) -> Result<(), StoreError>;
    fn region_code(row: &Self::Row) -> &str;
    fn id(&self) -> &str;
    /// The answer when the account's login name is taken.
    fn taken() -> AppError;
    /// What disabling the account changes besides the flag.
    fn on_disable(_conn: &mut DbConn, _id: &str, _now: NaiveDateTime) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Implements `ManagedAccount` for an answer type over its table's queries.
macro_rules! managed_account {
    ($view:ty, $row:ty, $entity:literal / $zh:literal,
     queries: $insert:ident, $by_id:ident, $list:ident, $set_disabled:ident,
     taken: $taken_en:literal / $taken_zh:literal
     $(, on_disable: $on_disable:path)?) => {
        impl ManagedAccount for $view {
            type Row = $row;
            const ENTITY: &'static str = $entity;
            const NAMES: (&'static str, &'static str) = ($entity, $zh);
            fn insert(conn: &mut DbConn, row: &$row) -> Result<(), StoreError> {
                accounts::$insert(conn, row)
            }
            fn find(conn: &mut DbConn, id: &str) -> Result<Option<$row>, StoreError> {
                accounts::$by_id(conn, id)
            }
            fn list(
                conn: &mut DbConn,
                scope: &RegionScope,
                after: Option<&str>,
                limit: i64,
            ) -> Result<Vec<$row>, StoreError> {
                accounts::$list(conn, scope, after, limit)
            }
            fn set_disabled(
                conn: &mut DbConn,
                id: &str,
                disabled: bool,
                now: NaiveDateTime,
            ) -> Result<(), StoreError> {
                accounts::$set_disabled(conn, id, disabled, now)
            }
            fn region_code(row: &$row) -> &str {
                &row.region_code
            }
            fn id(&self) -> &str {
                &self.id
            }
            fn taken() -> AppError {
                AppError::new(Kind::StateConflict).with_detail($taken_en, $taken_zh)
            }
            $(fn on_disable(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<(), StoreError> {
                $on_disable(conn, id, now)
            })?
        }
    };
}

// A disabled person's refresh tokens are revoked; client systems have none.
managed_account!(User, UserRow, "user" / "用户",
    queries: insert_user, user_by_id, list_users, set_user_disabled,
    taken: "The username is taken" / "用户名已被使用",
    on_disable: accounts::revoke_all_refresh_tokens);
managed_account!(Client, ClientRow, "client" / "客户端",
    queries: insert_client, client_by_id, list_clients, set_client_disabled,
    taken: "The client id is taken" / "客户端标识已被使用");

/// Writes a new account within the caller's scope, with its audit entry.
fn create<A: ManagedAccount>(
    conn: &mut DbConn,
    ctx: &Context,
    region: &RegionCode,
    name_taken: bool,
    row: A::Row,
) -> Result<A, AppError> {
    if !ctx.scope().covers(region) {
        return Err(forbidden_region());
    }
    if name_taken {
        return Err(A::taken());
    }
    A::insert(conn, &row).map_err(|e| match e {
        StoreError::Unique(_) => A::taken(),
        other => other.into(),
    })?;
    let account = A::try_from(row)?;
    ctx.audit(
        conn,
        &format!("{}_create", A::ENTITY),
        (A::ENTITY, account.id()),
        Some(region.as_str()),
        NOTHING,
        Some(&account),
    )?;
    Ok(account)
}

/// A new person's account, checked for scope and uniqueness; written with an audit entry.
pub fn create_user(
    conn: &mut DbConn,
    ctx: &Context,
    username: &str,
    password_hash: String,
    role: Role,
    region: &RegionCode,
) -> Result<User, AppError> {
    if !is_person_role(role) {
        return Err(AppError::invalid_field(
            "role",
            "not_a_person_role",
            Text::new(
                "a person's account takes a person's role; client systems are created under /api/v1/clients",
                "个人账号须使用人员角色；外部系统请在 /api/v1/clients 创建",
            ),
        ));
    }
    let taken = accounts::user_by_username(conn, username)?.is_some();
    let row = UserRow {
        id: new_id(),
        username: username.to_owned(),
        password_hash,
        role: role.as_str().to_owned(),
        region_code: region.as_str().to_owned(),
        disabled: false,
        version: 1,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    create(conn, ctx, region, taken, row)
}

/// A new client system; returns it with its secret, shown this once.
pub fn create_client(
    conn: &mut DbConn,
    ctx: &Context,
    client_id: &str,
    name: &str,
    secret_hash: String,
    permissions: &[Action],
    region: &RegionCode,
) -> Result<Client, AppError> {
    if let Some(refused) = permissions.iter().find(|a| !grantable_to_clients(**a)) {
        return Err(AppError::invalid_field(
            "permissions",
            "not_grantable",
            Text::new(
                format!("a client system cannot be granted `{refused}`"),
                format!("外部系统不能被授予“{}”", refused.chinese()),
            ),
        ));
    }
    let taken = accounts::client_by_client_id(conn, client_id)?.is_some();
    let row = ClientRow {
        id: new_id(),
        client_id: client_id.to_owned(),
        secret_hash,
        name: name.to_owned(),
        role: Role::Client.as_str().to_owned(),
        region_code: region.as_str().to_owned(),
        disabled: false,
        version: 1,
        created_at: ctx.now,
        updated_at: ctx.now,
        permissions: grants_text(permissions),
    };
    create(conn, ctx, region, taken, row)
}

/// One page of accounts in the caller's scope, in id order, after the account `after`.
pub fn list<A: ManagedAccount>(
    conn: &mut DbConn,
    ctx: &Context,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<A>, AppError> {
    A::list(conn, &ctx.scope(), after, limit)?
        .into_iter()
        .map(|row| Ok(A::try_from(row)?))
        .collect()
}

/// An account in the caller's scope, or 404.
fn in_scope<A: ManagedAccount>(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
) -> Result<A::Row, AppError> {
    A::find(conn, id)?
        .filter(|row| {
            RegionCode::parse(A::region_code(row)).is_ok_and(|code| ctx.scope().covers(&code))
        })
        .ok_or_else(|| AppError::not_found(A::NAMES.0, A::NAMES.1))
}

pub fn set_disabled<A: ManagedAccount>(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    disabled: bool,
) -> Result<A, AppError> {
    let row = in_scope::<A>(conn, ctx, id)?;
    let region_code = A::region_code(&row).to_owned();
    let before = A::try_from(row)?;
    if id == ctx.caller.subject && disabled {
        return Err(AppError::new(Kind::StateConflict)
            .with_detail("You cannot disable yourself", "不能停用自己的账号"));
    }
    A::set_disabled(conn, id, disabled, ctx.now)?;
    if disabled {
        A::on_disable(conn, id, ctx.now)?;
    }
    let after = A::try_from(in_scope::<A>(conn, ctx, id)?)?;
    let step = if disabled { "disable" } else { "enable" };
    ctx.audit(
        conn,
        &format!("{}_{step}", A::ENTITY),
        (A::ENTITY, id),
        Some(&region_code),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// A user in the caller's scope (404 otherwise).
pub fn user(conn: &mut DbConn, ctx: &Context, id: &str) -> Result<User, AppError> {
    Ok(User::try_from(in_scope::<User>(conn, ctx, id)?)?)
}

pub fn reset_password(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    password_hash: &str,
) -> Result<User, AppError> {
    let before = user(conn, ctx, id)?;
    accounts::set_password_hash(conn, id, password_hash, ctx.now)?;
    accounts::revoke_all_refresh_tokens(conn, id, ctx.now)?;
    let after = User::try_from(in_scope::<User>(conn, ctx, id)?)?;
    ctx.audit(
        conn,
        "password_reset",
        ("user", id),
        Some(&after.region_code),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}
