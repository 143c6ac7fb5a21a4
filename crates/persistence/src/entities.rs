//! Business entities, their links with households, and dividend rounds with their entries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::{business_entities, dividend_entries, dividend_rounds, entity_links};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = business_entities)]
pub struct EntityRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub credit_code: String,
    pub county_code: String,
    pub region_code: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = entity_links)]
pub struct LinkRow {
    pub id: String,
    pub entity_id: String,
    pub household_id: String,
    pub region_code: String,
    pub kind: String,
    pub stake: Option<i64>,
    pub land_hundredth_mu: Option<i64>,
    pub rent_per_mu_fen: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = dividend_rounds)]
pub struct RoundRow {
    pub id: String,
    pub entity_id: String,
    pub period: String,
    pub pool_fen: i64,
    pub record_date: NaiveDate,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = dividend_entries)]
pub struct DividendRow {
    pub id: String,
    pub round_id: String,
    pub household_id: String,
    pub region_code: String,
    pub amount_fen: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_entity(conn: &mut DbConn, row: &EntityRow) -> Result<(), StoreError> {
    diesel::insert_into(business_entities::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_entity(
    conn: &mut DbConn,
    scope: &RegionScope,
    id: &str,
) -> Result<EntityRow, StoreError> {
    let mut query = business_entities::table
        .filter(business_entities::id.eq(id.to_owned()))
        .select(EntityRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(business_entities::region_code.between(low, high));
    }
    Ok(query.first(conn)?)
}

pub fn entity_by_code(conn: &mut DbConn, code: &str) -> Result<Option<EntityRow>, StoreError> {
    Ok(business_entities::table
        .filter(business_entities::credit_code.eq(code))
        .select(EntityRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_entities(conn: &mut DbConn, scope: &RegionScope) -> Result<Vec<EntityRow>, StoreError> {
    let mut query = business_entities::table
        .order((
            business_entities::region_code.asc(),
            business_entities::id.asc(),
        ))
        .limit(1000)
        .select(EntityRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(business_entities::region_code.between(low, high));
    }
    Ok(query.load(conn)?)
}

pub fn insert_link(conn: &mut DbConn, row: &LinkRow) -> Result<(), StoreError> {
    diesel::insert_into(entity_links::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// An entity's links with households in `scope` (a link belongs to its household's region).
pub fn links(
    conn: &mut DbConn,
    scope: &RegionScope,
    entity_id: &str,
) -> Result<Vec<LinkRow>, StoreError> {
    let (low, high) = scope.code_bounds();
    Ok(entity_links::table
        .filter(entity_links::entity_id.eq(entity_id))
        .filter(entity_links::region_code.between(low, high))
        .order(entity_links::id.asc())
        .select(LinkRow::as_select())
        .load(conn)?)
}

pub fn insert_round(
    conn: &mut DbConn,
    round: &RoundRow,
    entries: &[DividendRow],
) -> Result<(), StoreError> {
    diesel::insert_into(dividend_rounds::table)
        .values(round)
        .execute(conn)?;
    for entry in entries {
        diesel::insert_into(dividend_entries::table)
            .values(entry)
            .execute(conn)?;
    }
    Ok(())
}

/// An entity's dividend rounds, each with its entries for households in `scope`.
pub fn rounds(
    conn: &mut DbConn,
    scope: &RegionScope,
    entity_id: &str,
) -> Result<Vec<(RoundRow, Vec<DividendRow>)>, StoreError> {
    let (low, high) = scope.code_bounds();
    let rounds: Vec<RoundRow> = dividend_rounds::table
        .filter(dividend_rounds::entity_id.eq(entity_id))
        .order(dividend_rounds::created_at.asc())
        .select(RoundRow::as_select())
        .load(conn)?;
    let mut out = Vec::new();
    for round in rounds {
        let entries = dividend_entries::table
            .filter(dividend_entries::round_id.eq(&round.id))
            .filter(dividend_entries::region_code.between(&low, &high))
            .order(dividend_entries::household_id.asc())
            .select(DividendRow::as_select())
            .load(conn)?;
        out.push((round, entries));
    }
    Ok(out)
}

/// A household's dividend parts with the round's record date and period, oldest first.
pub fn household_dividends(
    conn: &mut DbConn,
    household_id: &str,
) -> Result<Vec<(NaiveDate, String, i64)>, StoreError> {
    Ok(dividend_entries::table
        .inner_join(dividend_rounds::table.on(dividend_rounds::id.eq(dividend_entries::round_id)))
        .filter(dividend_entries::household_id.eq(household_id))
        .order(dividend_rounds::record_date.asc())
        .select((
            dividend_rounds::record_date,
            dividend_rounds::period,
            dividend_entries::amount_fen,
        ))
        .load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::land_rent_payments)]
pub struct RentPaymentRow {
    pub id: String,
    pub link_id: String,
    pub household_id: String,
    pub region_code: String,
    pub year: i32,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub reference: String,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_rent_payment(conn: &mut DbConn, row: &RentPaymentRow) -> Result<(), StoreError> {
    diesel::insert_into(crate::schema::land_rent_payments::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Rent paid on a link, per year: (year, total fen).
pub fn rent_paid(conn: &mut DbConn, link_id: &str) -> Result<Vec<(i32, i64)>, StoreError> {
    use crate::schema::land_rent_payments as rent;
    let rows: Vec<(i32, i64)> = rent::table
        .filter(rent::link_id.eq(link_id))
        .order(rent::year.asc())
        .select((rent::year, rent::amount_fen))
        .load(conn)?;
    let mut totals: Vec<(i32, i64)> = Vec::new();
    for (year, amount) in rows {
        match totals.last_mut() {
            Some((last, total)) if *last == year => {
                *total = total.checked_add(amount).ok_or_else(|| {
                    StoreError::Corrupt(format!("link {link_id}: rent of {year} out of range"))
                })?
            }
            _ => totals.push((year, amount)),
        }
    }
    Ok(totals)
}

/// A household's rent payments (paid date, year, amount), oldest first.
pub fn household_rent(
    conn: &mut DbConn,
    household_id: &str,
) -> Result<Vec<(NaiveDate, i32, i64)>, StoreError> {
    use crate::schema::land_rent_payments as rent;
    Ok(rent::table
        .filter(rent::household_id.eq(household_id))
        .order(rent::paid_on.asc())
        .select((rent::paid_on, rent::year, rent::amount_fen))
        .load(conn)?)
}

/// A link of the entity with a household in `scope`.
pub fn find_link(
    conn: &mut DbConn,
    scope: &RegionScope,
    entity_id: &str,
    link_id: &str,
) -> Result<LinkRow, StoreError> {
    let (low, high) = scope.code_bounds();
    Ok(entity_links::table
        .filter(entity_links::id.eq(link_id))
        .filter(entity_links::entity_id.eq(entity_id))
        .filter(entity_links::region_code.between(low, high))
        .select(LinkRow::as_select())
        .first(conn)?)
}
