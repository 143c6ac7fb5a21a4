//! Where data-quality runs, their findings and the checks they made are kept, and what the
//! findings list, the counts and the scores read from them.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::{households, quality_checks, quality_findings, quality_runs};
use crate::ListKey;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = quality_runs)]
pub struct RunRow {
    pub id: String,
    pub mode: String,
    pub scope_code: Option<String>,
    pub year: i32,
    pub started_at: NaiveDateTime,
    pub finished_at: NaiveDateTime,
    pub households_checked: i64,
    pub errors: i64,
    pub warnings: i64,
    pub run_by: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = quality_findings)]
pub struct FindingRow {
    pub id: String,
    pub run_id: String,
    pub household_id: String,
    pub region_code: String,
    pub rule: String,
    pub severity: String,
    pub entity_type: String,
    pub entity_id: String,
    pub message_en: String,
    pub message_zh: String,
    pub found_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = quality_checks)]
pub struct CheckRow {
    pub household_id: String,
    pub region_code: String,
    pub run_id: String,
    pub checked_at: NaiveDateTime,
}

/// The latest run whose scope covers `scope_code` (`None`: the whole registry).
pub fn latest_run(conn: &mut DbConn) -> Result<Option<RunRow>, StoreError> {
    Ok(quality_runs::table
        .order(quality_runs::started_at.desc())
        .select(RunRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_run(conn: &mut DbConn, row: &RunRow) -> Result<(), StoreError> {
    diesel::insert_into(quality_runs::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Records how a run ended.
pub fn finish_run(conn: &mut DbConn, row: &RunRow) -> Result<(), StoreError> {
    diesel::update(quality_runs::table.filter(quality_runs::id.eq(&row.id)))
        .set((
            quality_runs::mode.eq(&row.mode),
            quality_runs::finished_at.eq(row.finished_at),
            quality_runs::households_checked.eq(row.households_checked),
            quality_runs::errors.eq(row.errors),
            quality_runs::warnings.eq(row.warnings),
        ))
        .execute(conn)?;
    Ok(())
}

/// The runs a caller in `scope` may see: those over a region within it. A run over the whole
/// registry (no scope code) is seen only by a caller whose scope is the whole registry, since its
/// counts speak of every town.
fn runs_within(
    scope: &RegionScope,
) -> quality_runs::BoxedQuery<'static, crate::connection::MultiBackend> {
    let query = quality_runs::table.into_boxed();
    match scope.code_range() {
        None => query,
        Some((low, high)) => query.filter(quality_runs::scope_code.between(low, high)),
    }
}

pub fn find_run(conn: &mut DbConn, scope: &RegionScope, id: &str) -> Result<RunRow, StoreError> {
    Ok(runs_within(scope)
        .filter(quality_runs::id.eq(id.to_owned()))
        .select(RunRow::as_select())
        .first(conn)?)
}

/// The newest runs in `scope`, newest first.
pub fn runs(conn: &mut DbConn, scope: &RegionScope, limit: i64) -> Result<Vec<RunRow>, StoreError> {
    Ok(runs_within(scope)
        .order(quality_runs::started_at.desc())
        .limit(limit)
        .select(RunRow::as_select())
        .load(conn)?)
}

/// Replaces the findings and checks of the households a run checked, except those of
/// `cross_household_rule`, which is replaced as a whole by `replace_rule_findings`.
pub fn replace_household_findings(
    conn: &mut DbConn,
    household_ids: &[String],
    cross_household_rule: &str,
    findings: &[FindingRow],
    checks: &[CheckRow],
) -> Result<(), StoreError> {
    diesel::delete(
        quality_findings::table
            .filter(quality_findings::household_id.eq_any(household_ids))
            .filter(quality_findings::rule.ne(cross_household_rule)),
    )
    .execute(conn)?;
    diesel::delete(
        quality_checks::table.filter(quality_checks::household_id.eq_any(household_ids)),
    )
    .execute(conn)?;
    insert_findings(conn, findings)?;
    // Multi-row inserts do not go through the MultiConnection enum: write per backend.
    crate::per_backend!(conn, c => {
        for chunk in checks.chunks(500) {
            diesel::insert_into(quality_checks::table)
                .values(chunk)
                .execute(c)?;
        }
    });
    Ok(())
}

fn insert_findings(conn: &mut DbConn, findings: &[FindingRow]) -> Result<(), StoreError> {
    crate::per_backend!(conn, c => {
        for chunk in findings.chunks(500) {
            diesel::insert_into(quality_findings::table)
                .values(chunk)
                .execute(c)?;
        }
    });
    Ok(())
}

/// Drops the findings and checks of removed households in scope: they are out of the
/// registry's active records, so they no longer count against its quality.
pub fn forget_removed(conn: &mut DbConn, scope: &RegionScope) -> Result<(), StoreError> {
    // A subquery is consumed by the statement it is in: one per table.
    let removed = || {
        let (low, high) = scope.code_bounds();
        households::table
            .filter(households::status.eq("removed"))
            .filter(households::region_code.between(low, high))
            .select(households::id)
    };
    diesel::delete(
        quality_findings::table.filter(quality_findings::household_id.eq_any(removed())),
    )
    .execute(conn)?;
    diesel::delete(quality_checks::table.filter(quality_checks::household_id.eq_any(removed())))
        .execute(conn)?;
    Ok(())
}

/// Replaces every finding of `rule` in scope.
pub fn replace_rule_findings(
    conn: &mut DbConn,
    scope: &RegionScope,
    rule: &str,
    findings: &[FindingRow],
) -> Result<(), StoreError> {
    let mut delete = diesel::delete(quality_findings::table)
        .filter(quality_findings::rule.eq(rule.to_owned()))
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        delete = delete.filter(quality_findings::region_code.between(low, high));
    }
    delete.execute(conn)?;
    insert_findings(conn, findings)
}

/// Filters of the findings list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub rule: Option<String>,
    pub severity: Option<String>,
    pub household_id: Option<String>,
}

pub fn findings_page(
    conn: &mut DbConn,
    scope: &RegionScope,
    filter: &FindingFilter,
    after: Option<ListKey<'_>>,
    limit: i64,
) -> Result<Vec<FindingRow>, StoreError> {
    let mut query = quality_findings::table
        .order((
            quality_findings::region_code.asc(),
            quality_findings::id.asc(),
        ))
        .limit(limit)
        .select(FindingRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(quality_findings::region_code.between(low, high));
    }
    if let Some(rule) = &filter.rule {
        query = query.filter(quality_findings::rule.eq(rule.clone()));
    }
    if let Some(severity) = &filter.severity {
        query = query.filter(quality_findings::severity.eq(severity.clone()));
    }
    if let Some(household) = &filter.household_id {
        query = query.filter(quality_findings::household_id.eq(household.clone()));
    }
    if let Some(after) = after {
        query = query
            .filter(quality_findings::region_code.ge(after.region_code.to_owned()))
            .filter(
                quality_findings::region_code
                    .gt(after.region_code.to_owned())
                    .or(quality_findings::id.gt(after.id.to_owned())),
            );
    }
    Ok(query.load(conn)?)
}

/// (error findings, warning findings) in scope.
pub fn finding_counts(conn: &mut DbConn, scope: &RegionScope) -> Result<(i64, i64), StoreError> {
    let (low, high) = scope.code_bounds();
    let rows: Vec<(String, i64)> = quality_findings::table
        .filter(quality_findings::region_code.between(low, high))
        .group_by(quality_findings::severity)
        .select((quality_findings::severity, count_star()))
        .load(conn)?;
    let count = |severity: &str| {
        rows.iter()
            .find(|(s, _)| s == severity)
            .map_or(0, |(_, n)| *n)
    };
    Ok((count("error"), count("warning")))
}

/// Households in scope some run has checked.
pub fn checked_households(
    conn: &mut DbConn,
    scope: &RegionScope,
) -> Result<Vec<String>, StoreError> {
    let mut query = quality_checks::table
        .select(quality_checks::household_id)
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(quality_checks::region_code.between(low, high));
    }
    Ok(query.load(conn)?)
}

/// Per village: (households checked, households with an error finding).
pub fn village_scores(
    conn: &mut DbConn,
    scope: &RegionScope,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    use std::collections::BTreeMap;
    let (low, high) = scope.code_bounds();
    let checked: Vec<(String, i64)> = quality_checks::table
        .filter(quality_checks::region_code.between(low.clone(), high.clone()))
        .group_by(quality_checks::region_code)
        .select((quality_checks::region_code, count_star()))
        .load(conn)?;
    let failing: Vec<(String, i64)> = quality_findings::table
        .filter(quality_findings::region_code.between(low, high))
        .filter(quality_findings::severity.eq("error"))
        .group_by(quality_findings::region_code)
        .select((
            quality_findings::region_code,
            diesel::dsl::count(quality_findings::household_id).aggregate_distinct(),
        ))
        .load(conn)?;
    let mut villages: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (code, n) in checked {
        villages.entry(code).or_default().0 = n;
    }
    for (code, n) in failing {
        villages.entry(code).or_default().1 = n;
    }
    Ok(villages
        .into_iter()
        .map(|(code, (checked, failing))| (code, checked, failing))
        .collect())
}
