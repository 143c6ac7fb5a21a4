//! 两不愁三保障 assessments, one per household and date, kept as recorded.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::members::MemberRow;
use crate::schema::{assessments, members};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessments)]
pub struct AssessmentRow {
    pub id: String,
    pub household_id: String,
    pub county_code: String,
    pub region_code: String,
    pub assessed_on: NaiveDate,
    pub food_ok: bool,
    pub food_note: Option<String>,
    pub clothing_ok: bool,
    pub clothing_note: Option<String>,
    pub housing_grade: String,
    pub housing_note: Option<String>,
    pub water_ok: bool,
    pub water_note: Option<String>,
    pub education_override: Option<String>,
    pub medical_override: Option<String>,
    pub assessed_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &AssessmentRow) -> Result<(), StoreError> {
    diesel::insert_into(assessments::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A household's assessments, latest first.
pub fn for_household(
    conn: &mut DbConn,
    scope: &RegionScope,
    household_id: &str,
) -> Result<Vec<AssessmentRow>, StoreError> {
    let mut query = assessments::table
        .filter(assessments::household_id.eq(household_id.to_owned()))
        .order((assessments::assessed_on.desc(), assessments::id.desc()))
        .select(AssessmentRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(assessments::region_code.between(low, high));
    }
    Ok(query.load(conn)?)
}

/// Everyone ever in the household, for the derived items.
pub fn household_members(
    conn: &mut DbConn,
    household_id: &str,
) -> Result<Vec<MemberRow>, StoreError> {
    Ok(members::table
        .filter(members::household_id.eq(household_id))
        .order(members::id.asc())
        .select(MemberRow::as_select())
        .load(conn)?)
}
