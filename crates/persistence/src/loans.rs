//! Microloans, their schedules and repayments.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use fupin_domain::loan_lifecycle::LoanStatus;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::{one_row_or_stale, StoreError};
use crate::schema::{loan_events, loan_instalments, loan_repayments, loans};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = loans)]
pub struct LoanRow {
    pub id: String,
    pub household_id: String,
    pub county_code: String,
    pub region_code: String,
    pub member_id: String,
    pub bank: String,
    pub principal_fen: i64,
    pub term_months: i32,
    pub annual_rate_bp: i64,
    pub subsidy_share_bp: i64,
    pub purpose: String,
    pub method: String,
    pub status: String,
    pub applied_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub disbursed_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = loan_instalments)]
pub struct InstalmentRow {
    pub loan_id: String,
    pub period: i32,
    pub due_on: NaiveDate,
    pub principal_fen: i64,
    pub interest_fen: i64,
}

/// One step of a loan's life; `maturity_on` is set by an extension.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = loan_events)]
pub struct LoanEventRow {
    pub loan_id: String,
    pub seq: i32,
    pub status: String,
    pub occurred_on: NaiveDate,
    pub reason: Option<String>,
    pub maturity_on: Option<NaiveDate>,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
    /// The account that recorded the step (null for steps from before ids were kept).
    pub recorded_by_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = loan_repayments)]
pub struct RepaymentRow {
    pub id: String,
    pub loan_id: String,
    pub paid_on: NaiveDate,
    pub amount_fen: i64,
    pub reference: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &LoanRow) -> Result<(), StoreError> {
    diesel::insert_into(loans::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, scope: &RegionScope, id: &str) -> Result<LoanRow, StoreError> {
    let mut query = loans::table
        .filter(loans::id.eq(id.to_owned()))
        .select(LoanRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(loans::region_code.between(low, high));
    }
    Ok(query.first(conn)?)
}

/// Takes the loan's row lock for the rest of the transaction, so that concurrent repayments
/// to one loan are applied one after the other, each seeing the ones before it. (PostgreSQL
/// blocks on the row; SQLite's writers are already serialised by `BEGIN IMMEDIATE`.)
pub fn lock(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    diesel::update(loans::table.filter(loans::id.eq(id)))
        .set(loans::version.eq(loans::version))
        .execute(conn)?;
    Ok(())
}

/// A household's loans that still owe principal or may yet be disbursed (an extended loan
/// still owes).
pub fn open_for_household(
    conn: &mut DbConn,
    household_id: &str,
) -> Result<Vec<LoanRow>, StoreError> {
    Ok(loans::table
        .filter(loans::household_id.eq(household_id))
        .filter(
            loans::status.eq_any(
                [
                    LoanStatus::Applied,
                    LoanStatus::Approved,
                    LoanStatus::Disbursed,
                    LoanStatus::Extended,
                ]
                .map(LoanStatus::as_str),
            ),
        )
        .select(LoanRow::as_select())
        .load(conn)?)
}

pub fn list(
    conn: &mut DbConn,
    scope: &RegionScope,
    household_id: Option<&str>,
    status: Option<&str>,
) -> Result<Vec<LoanRow>, StoreError> {
    let mut query = loans::table
        .order((loans::region_code.asc(), loans::id.asc()))
        .limit(500)
        .select(LoanRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(loans::region_code.between(low, high));
    }
    if let Some(household) = household_id {
        query = query.filter(loans::household_id.eq(household.to_owned()));
    }
    if let Some(status) = status {
        query = query.filter(loans::status.eq(status.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// Moves a loan to a new status if its version is still `expected_version`.
pub fn set_status(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    status: &str,
    decided_on: Option<NaiveDate>,
    disbursed_on: Option<NaiveDate>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let updated = diesel::update(loans::table.filter(loans::id.eq(id)))
        .filter(loans::version.eq(expected_version))
        .set((
            loans::status.eq(status),
            loans::decided_on.eq(decided_on),
            loans::disbursed_on.eq(disbursed_on),
            loans::version.eq(expected_version + 1),
            loans::updated_at.eq(now),
        ))
        .execute(conn)?;
    one_row_or_stale(updated, expected_version)
}

pub fn insert_schedule(conn: &mut DbConn, rows: &[InstalmentRow]) -> Result<(), StoreError> {
    for row in rows {
        diesel::insert_into(loan_instalments::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn schedule(conn: &mut DbConn, loan_id: &str) -> Result<Vec<InstalmentRow>, StoreError> {
    Ok(loan_instalments::table
        .filter(loan_instalments::loan_id.eq(loan_id))
        .order(loan_instalments::period.asc())
        .select(InstalmentRow::as_select())
        .load(conn)?)
}

pub fn insert_repayment(conn: &mut DbConn, row: &RepaymentRow) -> Result<(), StoreError> {
    diesel::insert_into(loan_repayments::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Repayments in the order they were paid (and recorded).
pub fn repayments(conn: &mut DbConn, loan_id: &str) -> Result<Vec<RepaymentRow>, StoreError> {
    Ok(loan_repayments::table
        .filter(loan_repayments::loan_id.eq(loan_id))
        .order((
            loan_repayments::paid_on.asc(),
            loan_repayments::created_at.asc(),
        ))
        .select(RepaymentRow::as_select())
        .load(conn)?)
}

/// Appends a step to the loan's history; its number follows the last one. The loan row's
/// version check in `set_status` (same transaction) keeps two steps from taking one number.
pub fn append_event(conn: &mut DbConn, event: &LoanEventRow) -> Result<(), StoreError> {
    let last: Option<i32> = loan_events::table
        .filter(loan_events::loan_id.eq(&event.loan_id))
        .select(diesel::dsl::max(loan_events::seq))
        .first(conn)?;
    let numbered = LoanEventRow {
        seq: last.unwrap_or(0) + 1,
        ..event.clone()
    };
    diesel::insert_into(loan_events::table)
        .values(&numbered)
        .execute(conn)?;
    Ok(())
}

/// The loan's history, oldest first.
pub fn events(conn: &mut DbConn, loan_id: &str) -> Result<Vec<LoanEventRow>, StoreError> {
    Ok(loan_events::table
        .filter(loan_events::loan_id.eq(loan_id))
        .order(loan_events::seq.asc())
        .select(LoanEventRow::as_select())
        .load(conn)?)
}

/// One page of loans in scope, by village then id, optionally of one status.
pub fn page(
    conn: &mut DbConn,
    scope: &RegionScope,
    status: Option<&str>,
    after: Option<crate::ListKey<'_>>,
    limit: i64,
) -> Result<Vec<LoanRow>, StoreError> {
    let mut query = loans::table
        .order((loans::region_code.asc(), loans::id.asc()))
        .limit(limit)
        .select(LoanRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(loans::region_code.between(low, high));
    }
    if let Some(status) = status {
        query = query.filter(loans::status.eq(status.to_owned()));
    }
    if let Some(after) = after {
        query = query
            .filter(loans::region_code.ge(after.region_code.to_owned()))
            .filter(
                loans::region_code
                    .gt(after.region_code.to_owned())
                    .or(loans::id.gt(after.id.to_owned())),
            );
    }
    Ok(query.load(conn)?)
}
