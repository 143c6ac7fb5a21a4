//! Every step of a household's life, with who, when, why and the evidence used.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::status_events;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = status_events)]
pub struct StatusEventRow {
    pub id: String,
    pub household_id: String,
    pub county_code: String,
    pub region_code: String,
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub from_stage: String,
    pub to_stage: String,
    pub occurred_on: NaiveDate,
    pub reason: Option<String>,
    pub reference: Option<String>,
    pub evidence_json: Option<String>,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    pub request_id: Option<String>,
    pub created_at: NaiveDateTime,
    /// Recorded as history: it happened before the household was registered here.
    pub historical: bool,
    /// For history, the document it rests on (number, issuer, date).
    pub document_json: Option<String>,
    /// For history, what the registry could not check.
    pub unchecked_json: Option<String>,
}

/// The document a historical event rests on, as its record keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocumentRef {
    pub number: String,
    pub issuer: String,
    pub issued_on: NaiveDate,
}

/// The JSON text a record keeps of a value (a document, what was not checked).
pub fn as_json<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

pub fn insert(conn: &mut DbConn, row: &StatusEventRow) -> Result<(), StoreError> {
    diesel::insert_into(status_events::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A household's events, oldest first.
pub fn for_household(
    conn: &mut DbConn,
    scope: &RegionScope,
    household_id: &str,
) -> Result<Vec<StatusEventRow>, StoreError> {
    let mut query = status_events::table
        .filter(status_events::household_id.eq(household_id.to_owned()))
        .order((status_events::created_at.asc(), status_events::id.asc()))
        .select(StatusEventRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(status_events::region_code.between(low, high));
    }
    Ok(query.load(conn)?)
}

/// The date of the household's latest step, if it has taken any.
pub fn latest_occurred_on(
    conn: &mut DbConn,
    household_id: &str,
) -> Result<Option<NaiveDate>, StoreError> {
    Ok(status_events::table
        .filter(status_events::household_id.eq(household_id))
        .select(diesel::dsl::max(status_events::occurred_on))
        .first(conn)?)
}
