//! Regions: district → town → village, keyed by UUIDv7, found by code.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::regions;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Filters of a region list; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct RegionFilter {
    pub parent_code: Option<String>,
    pub level: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &RegionRow) -> Result<(), StoreError> {
    diesel::insert_into(regions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, scope: &RegionScope, id: &str) -> Result<RegionRow, StoreError> {
    let mut query = regions::table
        .filter(regions::id.eq(id))
        .select(RegionRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(regions::code.between(low, high));
    }
    Ok(query.first(conn)?)
}

/// The region with this code, if the scope covers it.
pub fn find_by_code(
    conn: &mut DbConn,
    scope: &RegionScope,
    code: &str,
) -> Result<Option<RegionRow>, StoreError> {
    let mut query = regions::table
        .filter(regions::code.eq(code))
        .select(RegionRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(regions::code.between(low, high));
    }
    Ok(query.first(conn).optional()?)
}

/// One page of regions in scope, in id order, starting after `after`.
pub fn list(
    conn: &mut DbConn,
    scope: &RegionScope,
    filter: &RegionFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<RegionRow>, StoreError> {
    let mut query = regions::table
        .select(RegionRow::as_select())
        .order(regions::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(regions::code.between(low, high));
    }
    if let Some(parent) = &filter.parent_code {
        query = query.filter(regions::parent_code.eq(parent.clone()));
    }
    if let Some(level) = &filter.level {
        query = query.filter(regions::level.eq(level.clone()));
    }
    if let Some(after) = after {
        query = query.filter(regions::id.gt(after.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// Renames a region if its version is still `expected_version`.
pub fn rename(
    conn: &mut DbConn,
    scope: &RegionScope,
    id: &str,
    expected_version: i64,
    name: &str,
    now: NaiveDateTime,
) -> Result<RegionRow, StoreError> {
    let current = find(conn, scope, id)?;
    if current.version != expected_version {
        return Err(StoreError::Stale {
            current: current.version,
        });
    }
    let updated = diesel::update(regions::table)
        .filter(regions::id.eq(id))
        .filter(regions::version.eq(expected_version))
        .set((
            regions::name.eq(name),
            regions::version.eq(expected_version + 1),
            regions::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(StoreError::Stale {
            current: expected_version + 1,
        });
    }
    find(conn, scope, id)
}
