//! Versions of the microloan policy, each in force from its effective date until the next.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::loan_policies;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = loan_policies)]
pub struct LoanPolicyRow {
    pub id: String,
    pub effective_from: NaiveDate,
    pub max_principal_fen: i64,
    pub max_term_months: i32,
    pub min_borrower_age: i32,
    pub max_borrower_age: i32,
    pub interest_subsidy_share_bp: i32,
    /// The document the version rests on.
    pub basis: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &LoanPolicyRow) -> Result<(), StoreError> {
    diesel::insert_into(loan_policies::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The version in force on `on`: the latest that took effect on or before it.
pub fn in_force_on(conn: &mut DbConn, on: NaiveDate) -> Result<Option<LoanPolicyRow>, StoreError> {
    Ok(loan_policies::table
        .filter(loan_policies::effective_from.le(on))
        .order(loan_policies::effective_from.desc())
        .select(LoanPolicyRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every version, oldest first.
pub fn all(conn: &mut DbConn) -> Result<Vec<LoanPolicyRow>, StoreError> {
    Ok(loan_policies::table
        .order(loan_policies::effective_from.asc())
        .select(LoanPolicyRow::as_select())
        .load(conn)?)
}
