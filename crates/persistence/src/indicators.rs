//! Thresholds of the indicator map set by administrators.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConn;
use crate::error::{one_row_or_stale, StoreError};
use crate::schema::{indicator_thresholds, quality_findings};
use fupin_domain::scope::RegionScope;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicator_thresholds)]
pub struct ThresholdRow {
    pub indicator: String,
    pub green: i64,
    pub yellow: i64,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

pub fn all(conn: &mut DbConn) -> Result<Vec<ThresholdRow>, StoreError> {
    Ok(indicator_thresholds::table
        .select(ThresholdRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConn, indicator: &str) -> Result<Option<ThresholdRow>, StoreError> {
    Ok(indicator_thresholds::table
        .filter(indicator_thresholds::indicator.eq(indicator))
        .select(ThresholdRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, row: &ThresholdRow) -> Result<(), StoreError> {
    diesel::insert_into(indicator_thresholds::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Replaces the thresholds if their version is still `expected_version`.
pub fn update(
    conn: &mut DbConn,
    row: &ThresholdRow,
    expected_version: i64,
) -> Result<(), StoreError> {
    let updated = diesel::update(
        indicator_thresholds::table
            .filter(indicator_thresholds::indicator.eq(&row.indicator))
            .filter(indicator_thresholds::version.eq(expected_version)),
    )
    .set((
        indicator_thresholds::green.eq(row.green),
        indicator_thresholds::yellow.eq(row.yellow),
        indicator_thresholds::version.eq(expected_version + 1),
        indicator_thresholds::updated_by.eq(&row.updated_by),
        indicator_thresholds::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    one_row_or_stale(updated, expected_version)
}

/// Households in scope with an error finding standing.
pub fn households_with_errors(
    conn: &mut DbConn,
    scope: &RegionScope,
) -> Result<Vec<String>, StoreError> {
    let mut query = quality_findings::table
        .filter(quality_findings::severity.eq("error"))
        .select(quality_findings::household_id)
        .distinct()
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(quality_findings::region_code.between(low, high));
    }
    Ok(query.load(conn)?)
}
