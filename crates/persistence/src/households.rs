//! Households, read with their members in one round trip, written with a version check.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::{one_row_or_stale, StoreError};
use crate::members::MemberRow;
use crate::per_backend;
use crate::schema::{households, members};
use crate::ListKey;

diesel::define_sql_function!(fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = households)]
pub struct HouseholdRow {
    pub id: String,
    pub county_code: String,
    pub region_code: String,
    pub household_number: String,
    pub head_name: String,
    pub address: String,
    pub attribute: String,
    pub main_cause: String,
    pub other_cause_1: Option<String>,
    pub other_cause_2: Option<String>,
    pub identified_year: i32,
    pub status: String,
    pub member_count: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The phone number, sealed (see `personal_data`).
    pub phone_cipher: Option<String>,
    pub exit_stage: String,
    pub exit_year: Option<i32>,
    pub notice_started_on: Option<chrono::NaiveDate>,
    pub monitoring_kind: Option<String>,
    pub monitoring_risk: Option<String>,
    pub monitoring_since: Option<chrono::NaiveDate>,
    /// `registered` (建档立卡) or `monitored` (a 监测户 never registered as poor).
    pub kind: String,
    /// Its current exit was recorded as history (decided before it was registered here).
    pub exit_recorded_as_history: bool,
}

/// Filters of a household list; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct HouseholdFilter {
    /// `None` lists every status but `removed`.
    pub status: Option<String>,
    pub monitoring_kind: Option<String>,
    pub exit_year: Option<i32>,
    pub kind: Option<String>,
    pub attribute: Option<String>,
    pub main_cause: Option<String>,
    pub identified_year: Option<i32>,
    /// Part of the household number or of the head's name, any case.
    pub text: Option<String>,
}

/// The editable fields of a household, written whole after the domain has checked them.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = households, treat_none_as_null = true)]
pub struct HouseholdEdit {
    pub household_number: String,
    pub phone_cipher: Option<String>,
    pub address: String,
    pub attribute: String,
    pub main_cause: String,
    pub other_cause_1: Option<String>,
    pub other_cause_2: Option<String>,
    pub identified_year: i32,
}

pub fn insert(conn: &mut DbConn, row: &HouseholdRow) -> Result<(), StoreError> {
    diesel::insert_into(households::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

fn scoped(scope: &RegionScope) -> households::BoxedQuery<'static, crate::connection::MultiBackend> {
    let mut query = households::table.into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(households::region_code.between(low, high));
    }
    query
}

pub fn find(conn: &mut DbConn, scope: &RegionScope, id: &str) -> Result<HouseholdRow, StoreError> {
    Ok(scoped(scope)
        .filter(households::id.eq(id.to_owned()))
        .select(HouseholdRow::as_select())
        .first(conn)?)
}

/// Takes the household's row lock until the transaction ends, so that decisions about the
/// household's money (its loan position against the cap) are taken one at a time. A no-op
/// update: the version does not move. On SQLite a write transaction is already alone.
pub fn lock(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    diesel::update(households::table.filter(households::id.eq(id)))
        .set(households::version.eq(households::version))
        .execute(conn)?;
    Ok(())
}

/// The query of a household and all its members, handed to `$load` as `$query`. A macro,
/// because a selection is typed by its backend: the sync read writes it once per backend
/// connection, `pg_reads` for its async connection.
macro_rules! with_members_query {
    ($scope:expr, $id:expr, |$query:ident| $load:expr) => {{
        use $crate::households::HouseholdRow;
        use $crate::members::MemberRow;
        use $crate::schema::{households, members};
        let select = (HouseholdRow::as_select(), Option::<MemberRow>::as_select());
        match $scope.code_range() {
            None => {
                let $query = households::table
                    .left_join(members::table)
                    .filter(households::id.eq($id))
                    .select(select)
                    .order(members::id.asc());
                $load
            }
            Some((low, high)) => {
                let $query = households::table
                    .left_join(members::table)
                    .filter(households::id.eq($id))
                    .filter(households::region_code.between(low.as_str(), high.as_str()))
                    .select(select)
                    .order(members::id.asc());
                $load
            }
        }
    }};
}
pub(crate) use with_members_query;

/// A household and all its members (current and former), in one query.
pub fn find_with_members(
    conn: &mut DbConn,
    scope: &RegionScope,
    id: &str,
) -> Result<(HouseholdRow, Vec<MemberRow>), StoreError> {
    // The hottest read of the registry: static queries (not boxed) run on the backend's own
    // connection, so each is prepared once per connection and found again by its type, with no
    // SQL text built per request.
    let rows: Vec<(HouseholdRow, Option<MemberRow>)> =
        per_backend!(conn, c => with_members_query!(scope, id, |query| query.load(c)))?;
    assemble_with_members(rows)
}

/// The household of a household–members left join, and its members in row order.
pub(crate) fn assemble_with_members(
    rows: Vec<(HouseholdRow, Option<MemberRow>)>,
) -> Result<(HouseholdRow, Vec<MemberRow>), StoreError> {
    let mut rows = rows.into_iter();
    let (household, first) = rows.next().ok_or(StoreError::NotFound)?;
    let members = first
        .into_iter()
        .chain(rows.filter_map(|(_, m)| m))
        .collect();
    Ok((household, members))
}

/// The query of one page of the households `$filter` selects in `$scope`, by village then
/// creation order, after `$after`, selecting `$select`. A macro, because a boxed query is typed
/// by its backend and its selection; each page is built on the backend's own connection, since
/// through the enum a boxed query is serialised a second time and every value decoded through
/// `MultiBackend`, a measurable share of a page's CPU.
macro_rules! household_page_query {
    ($select:expr, $scope:expr, $filter:expr, $after:expr, $limit:expr) => {{
        use $crate::households::{escape_like, lower};
        use $crate::schema::households;
        let scope: &fupin_domain::scope::RegionScope = $scope;
        let filter: &$crate::households::HouseholdFilter = $filter;
        let after: &Option<$crate::ListKey<'_>> = $after;
        let mut query = households::table
            .into_boxed()
            .select($select)
            .order((households::region_code.asc(), households::id.asc()))
            .limit($limit);
        if let Some((low, high)) = scope.code_range() {
            query = query.filter(households::region_code.between(low, high));
        }
        match &filter.status {
            Some(status) => query = query.filter(households::status.eq(status.clone())),
            None => query = query.filter(households::status.ne("removed")),
        }
        if let Some(kind) = &filter.monitoring_kind {
            query = query.filter(households::monitoring_kind.eq(kind.clone()));
        }
        if let Some(year) = filter.exit_year {
            query = query.filter(households::exit_year.eq(year));
        }
        if let Some(kind) = &filter.kind {
            query = query.filter(households::kind.eq(kind.clone()));
        }
        if let Some(attribute) = &filter.attribute {
            query = query.filter(households::attribute.eq(attribute.clone()));
        }
        if let Some(cause) = &filter.main_cause {
            query = query.filter(households::main_cause.eq(cause.clone()));
        }
        if let Some(year) = filter.identified_year {
            query = query.filter(households::identified_year.eq(year));
        }
        if let Some(text) = &filter.text {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            query = query.filter(
                lower(households::household_number)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(households::head_name).like(pattern).escape('\\')),
            );
        }
        if let Some(after) = after {
            // Keyset on (region_code, id): the index seeks to the cursor's village and reads on.
            query = query
                .filter(households::region_code.ge(after.region_code.to_owned()))
                .filter(
                    households::region_code
                        .gt(after.region_code.to_owned())
                        .or(households::id.gt(after.id.to_owned())),
                );
        }
        query
    }};
}
pub(crate) use household_page_query;

/// One page of households in scope, by village then creation order, starting after `after`.
pub fn list(
    conn: &mut DbConn,
    scope: &RegionScope,
    filter: &HouseholdFilter,
    after: Option<ListKey<'_>>,
    limit: i64,
) -> Result<Vec<HouseholdRow>, StoreError> {
    Ok(per_backend!(conn, c => household_page_query!(
        HouseholdRow::as_select(), scope, filter, &after, limit
    )
    .load(c))?)
}

/// A household of a list page: its place in the page's order and its version, which is all a
/// page needs of a household whose list item is at hand already.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct ListedHousehold {
    pub region_code: String,
    pub id: String,
    pub version: i64,
}

/// The page `list` gives, as each household's keys and version.
pub fn list_versions(
    conn: &mut DbConn,
    scope: &RegionScope,
    filter: &HouseholdFilter,
    after: Option<ListKey<'_>>,
    limit: i64,
) -> Result<Vec<ListedHousehold>, StoreError> {
    Ok(per_backend!(conn, c => household_page_query!(
        (households::region_code, households::id, households::version),
        scope, filter, &after, limit
    )
    .load(c))?)
}

/// The households of these ids (in no particular order); ids of no household are left out.
pub fn find_many(conn: &mut DbConn, ids: &[String]) -> Result<Vec<HouseholdRow>, StoreError> {
    Ok(households::table
        .filter(households::id.eq_any(ids))
        .select(HouseholdRow::as_select())
        .load(conn)?)
}

/// Writes an edit if the household's version is still `expected_version`.
pub fn update(
    conn: &mut DbConn,
    scope: &RegionScope,
    id: &str,
    expected_version: i64,
    edit: &HouseholdEdit,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let updated = diesel::update(households::table)
        .filter(households::id.eq(id))
        .filter(households::version.eq(expected_version))
        .set((
            edit,
            households::version.eq(expected_version + 1),
            households::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 1 {
        return Ok(());
    }
    let current = find(conn, scope, id)?;
    Err(StoreError::Stale {
        current: current.version,
    })
}

/// Records that the household's members changed: recounts current members, copies the head's
/// name, and moves the version on so cached copies and pending edits see the change.
pub fn refresh_after_member_change(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let current: Vec<(String, String)> = members::table
        .filter(members::household_id.eq(id))
        .filter(members::left_on.is_null())
        .select((members::relation, members::name))
        .load(conn)?;
    let count = i32::try_from(current.len()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let head_name = current
        .iter()
        .find(|(relation, _)| relation == "head")
        .map(|(_, name)| name.clone());
    let household = households::table.filter(households::id.eq(id));
    match head_name {
        Some(name) => diesel::update(household)
            .set((
                households::member_count.eq(count),
                households::head_name.eq(name),
                households::version.eq(households::version + 1),
                households::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(household)
            .set((
                households::member_count.eq(count),
                households::version.eq(households::version + 1),
                households::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Escapes LIKE's wildcards so a search for `10%` finds the literal text.
pub(crate) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A household's place in its life, written by a lifecycle step.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = households, treat_none_as_null = true)]
pub struct LifecycleChange {
    pub status: String,
    pub exit_stage: String,
    pub exit_year: Option<i32>,
    pub notice_started_on: Option<chrono::NaiveDate>,
    pub exit_recorded_as_history: bool,
}

/// Its monitoring flag (all `None` clears it).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = households, treat_none_as_null = true)]
pub struct MonitoringChange {
    pub monitoring_kind: Option<String>,
    pub monitoring_risk: Option<String>,
    pub monitoring_since: Option<chrono::NaiveDate>,
}

/// Writes a lifecycle change if the household's version is still `expected_version`.
pub fn apply_lifecycle(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    change: &LifecycleChange,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let updated = diesel::update(households::table.filter(households::id.eq(id)))
        .filter(households::version.eq(expected_version))
        .set((
            change,
            households::version.eq(expected_version + 1),
            households::updated_at.eq(now),
        ))
        .execute(conn)?;
    one_row_or_stale(updated, expected_version)
}

pub fn apply_monitoring(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    change: &MonitoringChange,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let updated = diesel::update(households::table.filter(households::id.eq(id)))
        .filter(households::version.eq(expected_version))
        .set((
            change,
            households::version.eq(expected_version + 1),
            households::updated_at.eq(now),
        ))
        .execute(conn)?;
    one_row_or_stale(updated, expected_version)
}
