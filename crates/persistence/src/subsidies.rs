//! The subsidy ledger: rows are inserted, never updated or deleted.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::subsidy_entries;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = subsidy_entries)]
pub struct SubsidyRow {
    pub id: String,
    pub household_id: String,
    pub county_code: String,
    pub region_code: String,
    pub member_id: Option<String>,
    pub category: String,
    pub insurance_layer: Option<String>,
    pub source: String,
    pub program: Option<String>,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub reference: String,
    pub reverses_id: Option<String>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
    /// The account that recorded the entry (null for entries from before ids were kept).
    pub recorded_by_id: Option<String>,
}

/// Filters of the ledger; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct SubsidyFilter {
    pub household_id: Option<String>,
    pub category: Option<String>,
    pub source: Option<String>,
    pub year: Option<i32>,
}

pub fn insert(conn: &mut DbConn, row: &SubsidyRow) -> Result<(), StoreError> {
    diesel::insert_into(subsidy_entries::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, scope: &RegionScope, id: &str) -> Result<SubsidyRow, StoreError> {
    let mut query = subsidy_entries::table
        .filter(subsidy_entries::id.eq(id.to_owned()))
        .select(SubsidyRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(subsidy_entries::region_code.between(low, high));
    }
    Ok(query.first(conn)?)
}

/// The entry already recorded under this source and reference, anywhere in the registry.
pub fn by_reference(
    conn: &mut DbConn,
    source: &str,
    reference: &str,
) -> Result<Option<SubsidyRow>, StoreError> {
    Ok(subsidy_entries::table
        .filter(subsidy_entries::source.eq(source))
        .filter(subsidy_entries::reference.eq(reference))
        .select(SubsidyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn is_reversed(conn: &mut DbConn, id: &str) -> Result<bool, StoreError> {
    let count: i64 = subsidy_entries::table
        .filter(subsidy_entries::reverses_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

fn filtered(
    scope: &RegionScope,
    filter: &SubsidyFilter,
) -> subsidy_entries::BoxedQuery<'static, crate::connection::MultiBackend> {
    let mut query = subsidy_entries::table.into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(subsidy_entries::region_code.between(low, high));
    }
    if let Some(value) = &filter.household_id {
        query = query.filter(subsidy_entries::household_id.eq(value.clone()));
    }
    if let Some(value) = &filter.category {
        query = query.filter(subsidy_entries::category.eq(value.clone()));
    }
    if let Some(value) = &filter.source {
        query = query.filter(subsidy_entries::source.eq(value.clone()));
    }
    if let Some(year) = filter.year {
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
        query = query.filter(subsidy_entries::paid_on.between(first, last));
    }
    query
}

/// One page of entries, by village and then recording order.
pub fn list(
    conn: &mut DbConn,
    scope: &RegionScope,
    filter: &SubsidyFilter,
    after: Option<crate::ListKey<'_>>,
    limit: i64,
) -> Result<Vec<SubsidyRow>, StoreError> {
    let mut query = filtered(scope, filter)
        .select(SubsidyRow::as_select())
        .order((
            subsidy_entries::region_code.asc(),
            subsidy_entries::id.asc(),
        ))
        .limit(limit);
    if let Some(after) = after {
        query = query
            .filter(subsidy_entries::region_code.ge(after.region_code.to_owned()))
            .filter(
                subsidy_entries::region_code
                    .gt(after.region_code.to_owned())
                    .or(subsidy_entries::id.gt(after.id.to_owned())),
            );
    }
    Ok(query.load(conn)?)
}

/// (category, paid date, amount) of every matching entry, for totals.
pub fn amounts(
    conn: &mut DbConn,
    scope: &RegionScope,
    filter: &SubsidyFilter,
) -> Result<Vec<(String, NaiveDate, i64)>, StoreError> {
    Ok(filtered(scope, filter)
        .select((
            subsidy_entries::category,
            subsidy_entries::paid_on,
            subsidy_entries::amount_fen,
        ))
        .load(conn)?)
}
