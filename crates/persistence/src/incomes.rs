//! Poverty lines per year, and household income records: every correction is a new version,
//! so the history of a year's income is never lost.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::{income_records, members, national_poverty_lines, poverty_lines};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = poverty_lines)]
pub struct PovertyLineRow {
    pub year: i32,
    pub poverty_line_fen: i64,
    pub monitoring_line_fen: i64,
    pub source: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = income_records)]
pub struct IncomeRow {
    pub id: String,
    pub household_id: String,
    pub county_code: String,
    pub region_code: String,
    pub year: i32,
    pub version: i64,
    pub wage_fen: i64,
    pub production_fen: i64,
    pub property_fen: i64,
    pub transfer_fen: i64,
    pub production_cost_fen: i64,
    pub recorded_on: NaiveDate,
    pub recorded_by: String,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn line_for(conn: &mut DbConn, year: i32) -> Result<Option<PovertyLineRow>, StoreError> {
    Ok(poverty_lines::table
        .filter(poverty_lines::year.eq(year))
        .select(PovertyLineRow::as_select())
        .first(conn)
        .optional()?)
}

/// The national rural poverty standard of a year, at that year's prices.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = national_poverty_lines)]
pub struct NationalLineRow {
    pub year: i32,
    pub line_fen: i64,
    /// False where only a rounded figure was published.
    pub exact: bool,
    pub source: String,
}

pub fn national_line(conn: &mut DbConn, year: i32) -> Result<Option<NationalLineRow>, StoreError> {
    Ok(national_poverty_lines::table
        .filter(national_poverty_lines::year.eq(year))
        .select(NationalLineRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn national_lines(conn: &mut DbConn) -> Result<Vec<NationalLineRow>, StoreError> {
    Ok(national_poverty_lines::table
        .order(national_poverty_lines::year.asc())
        .select(NationalLineRow::as_select())
        .load(conn)?)
}

pub fn all_lines(conn: &mut DbConn) -> Result<Vec<PovertyLineRow>, StoreError> {
    Ok(poverty_lines::table
        .order(poverty_lines::year.asc())
        .select(PovertyLineRow::as_select())
        .load(conn)?)
}

pub fn insert_line(conn: &mut DbConn, row: &PovertyLineRow) -> Result<(), StoreError> {
    diesel::insert_into(poverty_lines::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Replaces a year's line if its version is still `expected_version`.
pub fn update_line(
    conn: &mut DbConn,
    row: &PovertyLineRow,
    expected_version: i64,
) -> Result<(), StoreError> {
    let updated = diesel::update(poverty_lines::table.filter(poverty_lines::year.eq(row.year)))
        .filter(poverty_lines::version.eq(expected_version))
        .set((
            poverty_lines::poverty_line_fen.eq(row.poverty_line_fen),
            poverty_lines::monitoring_line_fen.eq(row.monitoring_line_fen),
            poverty_lines::source.eq(&row.source),
            poverty_lines::version.eq(expected_version + 1),
            poverty_lines::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    if updated == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale {
            current: line_for(conn, row.year)?.map(|l| l.version).unwrap_or(0),
        })
    }
}

pub fn insert_income(conn: &mut DbConn, row: &IncomeRow) -> Result<(), StoreError> {
    diesel::insert_into(income_records::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every version of a household's income for one year, newest first.
pub fn income_history(
    conn: &mut DbConn,
    scope: &RegionScope,
    household_id: &str,
    year: i32,
) -> Result<Vec<IncomeRow>, StoreError> {
    let mut query = income_records::table
        .filter(income_records::household_id.eq(household_id.to_owned()))
        .filter(income_records::year.eq(year))
        .order(income_records::version.desc())
        .select(IncomeRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(income_records::region_code.between(low, high));
    }
    Ok(query.load(conn)?)
}

/// The current version of each year's income of a household, by year.
pub fn current_incomes(
    conn: &mut DbConn,
    scope: &RegionScope,
    household_id: &str,
) -> Result<Vec<IncomeRow>, StoreError> {
    let mut query = income_records::table
        .filter(income_records::household_id.eq(household_id.to_owned()))
        .order((income_records::year.asc(), income_records::version.desc()))
        .select(IncomeRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(income_records::region_code.between(low, high));
    }
    let rows: Vec<IncomeRow> = query.load(conn)?;
    let mut current: Vec<IncomeRow> = Vec::new();
    for row in rows {
        if current.last().is_none_or(|last| last.year != row.year) {
            current.push(row);
        }
    }
    Ok(current)
}

/// Birth dates and leaving dates of everyone ever in the household, to count its size on a date.
pub fn member_spans(
    conn: &mut DbConn,
    household_id: &str,
) -> Result<Vec<(NaiveDate, Option<NaiveDate>)>, StoreError> {
    Ok(members::table
        .filter(members::household_id.eq(household_id))
        .select((members::birth_date, members::left_on))
        .load(conn)?)
}
