//! Data-quality runs: what a run needs to know about a batch of households (loaded with one
//! query per table, not per household), and where runs, findings and checks are kept.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use fupin_domain::loan_lifecycle::LoanStatus;
use fupin_domain::scope::RegionScope;

use crate::assessments::AssessmentRow;
use crate::connection::DbConn;
use crate::entities::LinkRow;
use crate::error::StoreError;
use crate::households::HouseholdRow;
use crate::incomes::IncomeRow;
use crate::loans::LoanRow;
use crate::members::MemberRow;
use crate::schema::{
    assessments, dividend_entries, dividend_rounds, entity_links, households, income_records,
    loan_events, loan_instalments, loan_repayments, loans, members, quality_checks,
    quality_findings, quality_runs, regions, status_events, subsidy_entries,
};
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

/// Everything the rules look at for a batch of households.
#[derive(Debug, Default)]
pub struct Batch {
    pub households: Vec<HouseholdRow>,
    pub members: Vec<MemberRow>,
    pub incomes: Vec<IncomeRow>,
    /// (household, day the exit was approved).
    pub exits: Vec<(String, NaiveDate)>,
    pub assessments: Vec<AssessmentRow>,
    /// (household, is a reversal) of minimum-allowance entries in the year.
    pub allowance_entries: Vec<(String, bool)>,
    /// (entry, household, member, paid on) of entries paid to a named member, not reversals.
    pub member_payments: Vec<(String, String, String, NaiveDate)>,
    pub loans: Vec<LoanRow>,
    /// (loan, due on, principal, interest), in period order.
    pub instalments: Vec<(String, NaiveDate, i64, i64)>,
    /// (loan, paid on, amount), in payment order.
    pub repayments: Vec<(String, NaiveDate, i64)>,
    /// (loan, new maturity), in step order.
    pub extensions: Vec<(String, Option<NaiveDate>)>,
    /// (entry, household, entity, record date).
    pub dividends: Vec<(String, String, String, NaiveDate)>,
    pub links: Vec<LinkRow>,
}

/// The next batch of active households in scope after `after`, in (village, id) order, and
/// optionally only those in `only`.
pub fn household_batch(
    conn: &mut DbConn,
    scope: &RegionScope,
    after: Option<ListKey<'_>>,
    only: Option<&[String]>,
    limit: i64,
) -> Result<Vec<HouseholdRow>, StoreError> {
    let mut query = households::table
        .filter(households::status.ne("removed"))
        .order((households::region_code.asc(), households::id.asc()))
        .limit(limit)
        .select(HouseholdRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(households::region_code.between(low, high));
    }
    if let Some(ids) = only {
        query = query.filter(households::id.eq_any(ids.to_vec()));
    }
    if let Some(after) = after {
        query = query
            .filter(households::region_code.ge(after.region_code.to_owned()))
            .filter(
                households::region_code
                    .gt(after.region_code.to_owned())
                    .or(households::id.gt(after.id.to_owned())),
            );
    }
    Ok(query.load(conn)?)
}

/// Loads the facts of `households`; minimum-allowance entries of the year `[first, last]`.
pub fn load_batch(
    conn: &mut DbConn,
    households: Vec<HouseholdRow>,
    (first, last): (NaiveDate, NaiveDate),
) -> Result<Batch, StoreError> {
    let ids: Vec<String> = households.iter().map(|h| h.id.clone()).collect();
    let loan_rows: Vec<LoanRow> = loans::table
        .filter(loans::household_id.eq_any(&ids))
        .filter(
            loans::status
                .eq_any([LoanStatus::Disbursed, LoanStatus::Extended].map(LoanStatus::as_str)),
        )
        .select(LoanRow::as_select())
        .load(conn)?;
    let loan_ids: Vec<String> = loan_rows.iter().map(|l| l.id.clone()).collect();
    Ok(Batch {
        members: members::table
            .filter(members::household_id.eq_any(&ids))
            .order(members::id.asc())
            .select(MemberRow::as_select())
            .load(conn)?,
        incomes: income_records::table
            .filter(income_records::household_id.eq_any(&ids))
            .order((income_records::household_id, income_records::version))
            .select(IncomeRow::as_select())
            .load(conn)?,
        exits: status_events::table
            .filter(status_events::household_id.eq_any(&ids))
            .filter(status_events::to_status.eq("exited"))
            .order(status_events::created_at.asc())
            .select((status_events::household_id, status_events::occurred_on))
            .load(conn)?,
        assessments: assessments::table
            .filter(assessments::household_id.eq_any(&ids))
            .select(AssessmentRow::as_select())
            .load(conn)?,
        allowance_entries: subsidy_entries::table
            .filter(subsidy_entries::household_id.eq_any(&ids))
            .filter(subsidy_entries::category.eq("minimum_living_allowance"))
            .filter(subsidy_entries::paid_on.between(first, last))
            .select((
                subsidy_entries::household_id,
                subsidy_entries::reverses_id.is_not_null(),
            ))
            .load(conn)?,
        member_payments: subsidy_entries::table
            .filter(subsidy_entries::household_id.eq_any(&ids))
            .filter(subsidy_entries::reverses_id.is_null())
            .filter(subsidy_entries::member_id.is_not_null())
            .select((
                subsidy_entries::id,
                subsidy_entries::household_id,
                subsidy_entries::member_id.assume_not_null(),
                subsidy_entries::paid_on,
            ))
            .load(conn)?,
        instalments: loan_instalments::table
            .filter(loan_instalments::loan_id.eq_any(&loan_ids))
            .order((loan_instalments::loan_id, loan_instalments::period))
            .select((
                loan_instalments::loan_id,
                loan_instalments::due_on,
                loan_instalments::principal_fen,
                loan_instalments::interest_fen,
            ))
            .load(conn)?,
        repayments: loan_repayments::table
            .filter(loan_repayments::loan_id.eq_any(&loan_ids))
            .order((
                loan_repayments::loan_id,
                loan_repayments::paid_on,
                loan_repayments::created_at,
            ))
            .select((
                loan_repayments::loan_id,
                loan_repayments::paid_on,
                loan_repayments::amount_fen,
            ))
            .load(conn)?,
        extensions: loan_events::table
            .filter(loan_events::loan_id.eq_any(&loan_ids))
            .filter(loan_events::maturity_on.is_not_null())
            .order((loan_events::loan_id, loan_events::seq))
            .select((loan_events::loan_id, loan_events::maturity_on))
            .load(conn)?,
        dividends: dividend_entries::table
            .inner_join(
                dividend_rounds::table.on(dividend_rounds::id.eq(dividend_entries::round_id)),
            )
            .filter(dividend_entries::household_id.eq_any(&ids))
            .select((
                dividend_entries::id,
                dividend_entries::household_id,
                dividend_rounds::entity_id,
                dividend_rounds::record_date,
            ))
            .load(conn)?,
        links: entity_links::table
            .filter(entity_links::household_id.eq_any(&ids))
            .select(LinkRow::as_select())
            .load(conn)?,
        loans: loan_rows,
        households,
    })
}

/// Codes of every village-level region.
pub fn village_codes(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    Ok(regions::table
        .filter(regions::level.eq("village"))
        .select(regions::code)
        .load(conn)?)
}

/// (person key, member, household) of current members whose resident ID number is held by
/// another current member too, anywhere in the registry.
pub fn shared_id_numbers(conn: &mut DbConn) -> Result<Vec<(String, String, String)>, StoreError> {
    let shared: Vec<Option<String>> = members::table
        .filter(members::left_on.is_null())
        .filter(members::id_number_hmac.is_not_null())
        .group_by(members::id_number_hmac)
        .having(count_star().gt(1))
        .select(members::id_number_hmac)
        .load(conn)?;
    let shared: Vec<String> = shared.into_iter().flatten().collect();
    let rows: Vec<(Option<String>, String, String)> = members::table
        .filter(members::left_on.is_null())
        .filter(members::id_number_hmac.eq_any(shared))
        .order((members::id_number_hmac, members::id))
        .select((members::id_number_hmac, members::id, members::household_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(key, member, household)| Some((key?, member, household)))
        .collect())
}

/// Households with a change at or after `since` to themselves or anything the rules look at.
pub fn changed_since(conn: &mut DbConn, since: NaiveDateTime) -> Result<Vec<String>, StoreError> {
    // (table, its household column, its change stamp) for everything the rules read.
    macro_rules! touched {
        ($($table:ident . $household:ident at $stamp:ident),+ $(,)?) => {{
            let mut ids: Vec<String> = Vec::new();
            $(ids.extend(
                $table::table
                    .filter($table::$stamp.ge(since))
                    .select($table::$household)
                    .load::<String>(conn)?,
            );)+
            ids
        }};
    }
    let mut ids = touched!(
        households.id at updated_at,
        members.household_id at updated_at,
        income_records.household_id at created_at,
        assessments.household_id at created_at,
        subsidy_entries.household_id at created_at,
        loans.household_id at updated_at,
        dividend_entries.household_id at created_at,
        entity_links.household_id at created_at,
    );
    ids.extend(
        loan_repayments::table
            .inner_join(loans::table.on(loans::id.eq(loan_repayments::loan_id)))
            .filter(loan_repayments::created_at.ge(since))
            .select(loans::household_id)
            .load::<String>(conn)?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
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

pub fn find_run(conn: &mut DbConn, id: &str) -> Result<RunRow, StoreError> {
    Ok(quality_runs::table
        .filter(quality_runs::id.eq(id))
        .select(RunRow::as_select())
        .first(conn)?)
}

/// Runs, newest first, before `before_started_at`.
pub fn runs(conn: &mut DbConn, limit: i64) -> Result<Vec<RunRow>, StoreError> {
    Ok(quality_runs::table
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
