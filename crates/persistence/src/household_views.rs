//! Rendered copies of the masked household read, so the registry's hottest read is one
//! single-row lookup instead of a household joined to all its members and decoded field by field.
//!
//! A copy is never trusted on its own: the read joins it to the household and returns it only
//! when it was rendered from the household's current version, in the caller's format. Every
//! change to what the read shows moves the household's version on (members' changes included,
//! see `households::refresh_after_member_change`), so an outdated copy is never served, only
//! rendered again.

use diesel::prelude::*;
use diesel::upsert::excluded;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::per_backend;
use crate::schema::household_views;

/// A household's current version, with its rendered view when that is up to date.
pub type CurrentView = (i64, Option<String>);

/// The query of a household's version and its up-to-date view, handed to `$load` as `$query`.
/// A macro for the same reason as `with_members_query!`: one text per connection type.
macro_rules! current_view_query {
    ($scope:expr, $id:expr, $format:expr, |$query:ident| $load:expr) => {{
        use $crate::schema::{household_views, households};
        let up_to_date = household_views::table.on(household_views::household_id
            .eq(households::id)
            .and(household_views::version.eq(households::version))
            .and(household_views::format.eq($format)));
        let select = (households::version, household_views::body.nullable());
        match $scope.code_range() {
            None => {
                let $query = households::table
                    .left_join(up_to_date)
                    .filter(households::id.eq($id))
                    .select(select);
                $load
            }
            Some((low, high)) => {
                let $query = households::table
                    .left_join(up_to_date)
                    .filter(households::id.eq($id))
                    .filter(households::region_code.between(low.as_str(), high.as_str()))
                    .select(select);
                $load
            }
        }
    }};
}
pub(crate) use current_view_query;

/// The household's current version, what a read needs when this process already holds the
/// answer rendered from some version. `NotFound` when there is no such household in scope.
/// (On PostgreSQL's async reads, `pg_version_checks` asks the same in shared lookups.)
pub fn current_version(
    conn: &mut DbConn,
    scope: &RegionScope,
    id: &str,
) -> Result<i64, StoreError> {
    use crate::schema::households;
    let by_id = households::table.filter(households::id.eq(id));
    Ok(match scope.code_range() {
        None => per_backend!(conn, c => by_id.select(households::version).first(c)),
        Some((low, high)) => per_backend!(conn, c => by_id
            .filter(households::region_code.between(low.as_str(), high.as_str()))
            .select(households::version)
            .first(c)),
    }?)
}

/// The household's version and its view rendered in `format` from that version, if stored.
/// `NotFound` when there is no such household in scope.
pub fn find_current(
    conn: &mut DbConn,
    scope: &RegionScope,
    id: &str,
    format: &str,
) -> Result<CurrentView, StoreError> {
    Ok(per_backend!(conn, c => current_view_query!(scope, id, format, |query| query.first(c)))?)
}

/// Keeps a view rendered from `version` of the household, unless a newer one is stored.
pub fn store(
    conn: &mut DbConn,
    household_id: &str,
    version: i64,
    format: &str,
    body: &str,
) -> Result<(), StoreError> {
    // The upsert's WHERE; `QueryDsl::filter` does not apply to an insert.
    use diesel::query_dsl::methods::FilterDsl;
    let row = (
        household_views::household_id.eq(household_id),
        household_views::version.eq(version),
        household_views::format.eq(format),
        household_views::body.eq(body),
    );
    per_backend!(conn, c => diesel::insert_into(household_views::table)
        .values(row)
        .on_conflict(household_views::household_id)
        .do_update()
        .set((
            household_views::version.eq(excluded(household_views::version)),
            household_views::format.eq(excluded(household_views::format)),
            household_views::body.eq(excluded(household_views::body)),
        ))
        .filter(household_views::version.le(excluded(household_views::version)))
        .execute(c))?;
    Ok(())
}
