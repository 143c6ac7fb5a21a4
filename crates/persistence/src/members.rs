//! Members of households. A member who leaves keeps their row, with a date and a reason.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::{households, member_facts_versions, members};
use crate::ListKey;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = members)]
pub struct MemberRow {
    pub id: String,
    pub household_id: String,
    pub county_code: String,
    pub region_code: String,
    pub name: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub relation: String,
    pub ethnicity: String,
    pub education: String,
    pub schooling: String,
    pub health: String,
    pub disability: String,
    pub labour_ability: String,
    pub employment: String,
    pub basic_medical_insurance: bool,
    pub critical_illness_insurance: bool,
    pub pension_insurance: bool,
    pub left_on: Option<NaiveDate>,
    pub leave_reason: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The resident ID number, sealed (see `personal_data`).
    pub id_number_cipher: Option<String>,
    /// Its keyed hash, for lookup and the one-current-member rule.
    pub id_number_hmac: Option<String>,
}

/// The editable fields of a member, written whole after the domain has checked them.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = members)]
pub struct MemberEdit {
    pub name: String,
    pub id_number_cipher: Option<String>,
    pub id_number_hmac: Option<String>,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub relation: String,
    pub ethnicity: String,
    pub education: String,
    pub schooling: String,
    pub health: String,
    pub disability: String,
    pub labour_ability: String,
    pub employment: String,
    pub basic_medical_insurance: bool,
    pub critical_illness_insurance: bool,
    pub pension_insurance: bool,
}

/// Where a resident ID number is already registered to a current member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumberHolder {
    pub member_id: String,
    pub household_id: String,
    pub household_number: String,
    /// The village the holder's household is registered in.
    pub region_code: String,
}

/// Filters of a member list; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Only members who have not left (`Some(true)`), only former ones (`Some(false)`).
    pub current: Option<bool>,
}

pub fn insert(conn: &mut DbConn, row: &MemberRow) -> Result<(), StoreError> {
    diesel::insert_into(members::table)
        .values(row)
        .execute(conn)?;
    record_facts_version(
        conn,
        &MemberFactsVersionRow {
            member_id: row.id.clone(),
            member_version: row.version,
            recorded_at: row.created_at,
            schooling: row.schooling.clone(),
            health: row.health.clone(),
            disability: row.disability.clone(),
            basic_medical_insurance: row.basic_medical_insurance,
            critical_illness_insurance: row.critical_illness_insurance,
        },
    )
}

/// What the assessment items derive from, in one version of a member, from when it was recorded.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = member_facts_versions)]
pub struct MemberFactsVersionRow {
    pub member_id: String,
    pub member_version: i64,
    pub recorded_at: NaiveDateTime,
    pub schooling: String,
    pub health: String,
    pub disability: String,
    pub basic_medical_insurance: bool,
    pub critical_illness_insurance: bool,
}

fn record_facts_version(
    conn: &mut DbConn,
    version: &MemberFactsVersionRow,
) -> Result<(), StoreError> {
    diesel::insert_into(member_facts_versions::table)
        .values(version)
        .execute(conn)?;
    Ok(())
}

/// Every facts version of a household's members, by member and version.
pub fn facts_versions_of_household(
    conn: &mut DbConn,
    household_id: &str,
) -> Result<Vec<MemberFactsVersionRow>, StoreError> {
    Ok(member_facts_versions::table
        .inner_join(members::table)
        .filter(members::household_id.eq(household_id))
        .order((
            member_facts_versions::member_id.asc(),
            member_facts_versions::member_version.asc(),
        ))
        .select(MemberFactsVersionRow::as_select())
        .load(conn)?)
}

fn scoped(scope: &RegionScope) -> members::BoxedQuery<'static, crate::connection::MultiBackend> {
    let mut query = members::table.into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(members::region_code.between(low, high));
    }
    query
}

/// A member of the given household.
pub fn find(
    conn: &mut DbConn,
    scope: &RegionScope,
    household_id: &str,
    id: &str,
) -> Result<MemberRow, StoreError> {
    Ok(scoped(scope)
        .filter(members::id.eq(id.to_owned()))
        .filter(members::household_id.eq(household_id.to_owned()))
        .select(MemberRow::as_select())
        .first(conn)?)
}

/// The current member anywhere in the registry whose number has this keyed hash, other than
/// `except`. Deliberately unscoped: a person may be in only one household of the whole registry.
pub fn current_holder_of(
    conn: &mut DbConn,
    id_number_hmac: &str,
    except_member: Option<&str>,
) -> Result<Option<IdNumberHolder>, StoreError> {
    let mut query = members::table
        .inner_join(households::table)
        .filter(members::id_number_hmac.eq(id_number_hmac.to_owned()))
        .filter(members::left_on.is_null())
        .select((
            members::id,
            members::household_id,
            households::household_number,
            households::region_code,
        ))
        .into_boxed();
    if let Some(except) = except_member {
        query = query.filter(members::id.ne(except.to_owned()));
    }
    Ok(query
        .first::<(String, String, String, String)>(conn)
        .optional()?
        .map(
            |(member_id, household_id, household_number, region_code)| IdNumberHolder {
                member_id,
                household_id,
                household_number,
                region_code,
            },
        ))
}

/// The birth date of the household's current head, if it has one.
pub fn current_head_birth_date(
    conn: &mut DbConn,
    household_id: &str,
) -> Result<Option<NaiveDate>, StoreError> {
    Ok(members::table
        .filter(members::household_id.eq(household_id))
        .filter(members::relation.eq("head"))
        .filter(members::left_on.is_null())
        .select(members::birth_date)
        .first(conn)
        .optional()?)
}

/// One page of members in scope, by village then creation order, starting after `after`.
pub fn list(
    conn: &mut DbConn,
    scope: &RegionScope,
    filter: &MemberFilter,
    after: Option<ListKey<'_>>,
    limit: i64,
) -> Result<Vec<MemberRow>, StoreError> {
    let mut query = scoped(scope)
        .select(MemberRow::as_select())
        .order((members::region_code.asc(), members::id.asc()))
        .limit(limit);
    match filter.current {
        Some(true) => query = query.filter(members::left_on.is_null()),
        Some(false) => query = query.filter(members::left_on.is_not_null()),
        None => {}
    }
    if let Some(after) = after {
        // Keyset on (region_code, id): the index seeks to the cursor's village and reads on.
        query = query
            .filter(members::region_code.ge(after.region_code.to_owned()))
            .filter(
                members::region_code
                    .gt(after.region_code.to_owned())
                    .or(members::id.gt(after.id.to_owned())),
            );
    }
    Ok(query.load(conn)?)
}

/// Runs a versioned update; zero rows touched means someone else wrote first.
fn update_versioned(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    apply: impl FnOnce(&mut DbConn, i64) -> Result<usize, diesel::result::Error>,
) -> Result<(), StoreError> {
    match apply(conn, expected_version)? {
        1 => Ok(()),
        _ => Err(StoreError::Stale {
            current: members::table
                .filter(members::id.eq(id))
                .select(members::version)
                .first(conn)?,
        }),
    }
}

/// Writes an edit if the member's version is still `expected_version`.
pub fn update(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    edit: &MemberEdit,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    update_versioned(conn, id, expected_version, |conn, version| {
        diesel::update(members::table)
            .filter(members::id.eq(id))
            .filter(members::version.eq(version))
            .set((
                edit,
                members::version.eq(version + 1),
                members::updated_at.eq(now),
            ))
            .execute(conn)
    })?;
    record_facts_version(
        conn,
        &MemberFactsVersionRow {
            member_id: id.to_owned(),
            member_version: expected_version + 1,
            recorded_at: now,
            schooling: edit.schooling.clone(),
            health: edit.health.clone(),
            disability: edit.disability.clone(),
            basic_medical_insurance: edit.basic_medical_insurance,
            critical_illness_insurance: edit.critical_illness_insurance,
        },
    )
}

/// Records that a member left, if their version is still `expected_version`.
pub fn record_leaving(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    left_on: NaiveDate,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    update_versioned(conn, id, expected_version, |conn, version| {
        diesel::update(members::table)
            .filter(members::id.eq(id))
            .filter(members::version.eq(version))
            .set((
                members::left_on.eq(left_on),
                members::leave_reason.eq(reason),
                members::version.eq(version + 1),
                members::updated_at.eq(now),
            ))
            .execute(conn)
    })
}

/// Sets a member's relation to the head (used when the headship is transferred).
pub fn set_relation(
    conn: &mut DbConn,
    id: &str,
    relation: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(members::table)
        .filter(members::id.eq(id))
        .set((
            members::relation.eq(relation),
            members::version.eq(members::version + 1),
            members::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
