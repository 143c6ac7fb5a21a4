//! Data-quality runs: every rule over the households in scope, batch by batch, keeping each
//! household's findings current (a fixed record's findings are gone after the next run) and
//! recording the run.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use fupin_domain::quality::{
    check_household, ids, people_in_two_households, rule, CheckSettings, Finding,
};
use fupin_domain::scope::RegionScope;
use fupin_persistence::quality::{self as store, CheckRow, FindingRow, RunRow};
use fupin_persistence::{households, in_transaction, DbConn, ListKey};

use super::context::Context;
use super::new_id;
use super::quality_facts::household_facts;
use crate::error::AppError;
use crate::models::quality::{Run, RunMode};
use crate::models::utc;

const BATCH: i64 = 500;

impl From<RunRow> for Run {
    fn from(row: RunRow) -> Run {
        Run {
            mode: if row.mode == "changed" {
                RunMode::Changed
            } else {
                RunMode::Full
            },
            id: row.id,
            scope_code: row.scope_code,
            year: row.year,
            started_at: utc(row.started_at),
            finished_at: utc(row.finished_at),
            households_checked: row.households_checked,
            errors: row.errors,
            warnings: row.warnings,
            run_by: row.run_by,
        }
    }
}

fn finding_row(
    finding: Finding,
    household_id: &str,
    region_code: &str,
    run: &RunRow,
) -> FindingRow {
    FindingRow {
        id: new_id(),
        run_id: run.id.clone(),
        household_id: household_id.to_owned(),
        region_code: region_code.to_owned(),
        severity: rule(finding.rule)
            .map_or("error", |r| r.severity.as_str())
            .to_owned(),
        rule: finding.rule.to_owned(),
        entity_type: finding.entity_type.to_owned(),
        entity_id: finding.entity_id,
        message_en: finding.message_en,
        message_zh: finding.message_zh,
        found_at: run.started_at,
    }
}

/// Runs every rule over the caller's scope (or what changed since the last run).
pub fn run(
    conn: &mut DbConn,
    ctx: &Context,
    mode: RunMode,
    year: Option<i32>,
    loan_cap_fen: i64,
) -> Result<Run, AppError> {
    // The request's clock reading stamps the start; the run's own duration its end.
    let timer = std::time::Instant::now();
    let scope = ctx.scope();
    let year = year.unwrap_or_else(|| ctx.today.year());
    let year_bounds = NaiveDate::from_ymd_opt(year, 1, 1)
        .zip(NaiveDate::from_ymd_opt(year, 12, 31))
        .ok_or_else(|| AppError::bad_request("no such year", "年度无效"))?;
    let previous = store::latest_run(conn)?;
    let only: Option<Vec<String>> = match (mode, &previous) {
        // A margin before the last run's start: a write stamped just before it may have
        // committed only after that run read its household; checking a few twice is harmless.
        (RunMode::Changed, Some(last)) => Some(store::changed_since(
            conn,
            last.started_at - chrono::Duration::minutes(10),
        )?),
        _ => None,
    };
    let mut run = RunRow {
        id: new_id(),
        mode: match (mode, &previous) {
            (RunMode::Changed, Some(_)) => "changed",
            _ => "full",
        }
        .to_owned(),
        scope_code: scope.root().map(|code| code.as_str().to_owned()),
        year,
        started_at: ctx.now,
        finished_at: ctx.now,
        households_checked: 0,
        errors: 0,
        warnings: 0,
        run_by: ctx.caller.name.clone(),
    };
    store::insert_run(conn, &run)?;
    let settings = CheckSettings {
        today: ctx.today,
        year,
        loan_cap_fen,
        loan_policies: crate::loan_policies::versions(conn)?,
    };
    let villages: HashSet<String> = store::village_codes(conn)?.into_iter().collect();
    let lines: HashMap<i32, i64> = crate::incomes::lines_in_use(conn)?;

    let mut after: Option<(String, String)> = None;
    let mut chunks = only.as_ref().map(|ids| ids.chunks(BATCH as usize));
    loop {
        let batch = match chunks.as_mut() {
            Some(chunks) => match chunks.next() {
                Some(chunk) => store::household_batch(conn, &scope, None, Some(chunk), BATCH)?,
                None => break,
            },
            None => {
                let key = after
                    .as_ref()
                    .map(|(region_code, id)| ListKey { region_code, id });
                let rows = store::household_batch(conn, &scope, key, None, BATCH)?;
                if rows.is_empty() {
                    break;
                }
                after = rows.last().map(|h| (h.region_code.clone(), h.id.clone()));
                rows
            }
        };
        if batch.is_empty() {
            continue;
        }
        let places: HashMap<String, String> = batch
            .iter()
            .map(|h| (h.id.clone(), h.region_code.clone()))
            .collect();
        let loaded = store::load_batch(conn, batch, year_bounds)?;
        let facts = household_facts(loaded, &ctx.keys, &villages, &lines, ctx.today)?;
        let mut findings = Vec::new();
        let mut checks = Vec::with_capacity(facts.len());
        for household in &facts {
            let region_code = places.get(&household.id).cloned().unwrap_or_default();
            for finding in check_household(household, &settings) {
                findings.push(finding_row(finding, &household.id, &region_code, &run));
            }
            checks.push(CheckRow {
                household_id: household.id.clone(),
                region_code,
                run_id: run.id.clone(),
                checked_at: run.started_at,
            });
        }
        let checked: Vec<String> = checks.iter().map(|c| c.household_id.clone()).collect();
        in_transaction(conn, |conn| {
            store::replace_household_findings(
                conn,
                &checked,
                ids::PERSON_IN_TWO_HOUSEHOLDS,
                &findings,
                &checks,
            )
        })?;
        run.households_checked += i64::try_from(checks.len()).unwrap_or(0);
    }
    shared_people(conn, &scope, &run)?;
    in_transaction(conn, |conn| store::forget_removed(conn, &scope))?;
    let (errors, warnings) = store::finding_counts(conn, &scope)?;
    run.errors = errors;
    run.warnings = warnings;
    run.finished_at = ctx.now + chrono::Duration::from_std(timer.elapsed()).unwrap_or_default();
    store::finish_run(conn, &run)?;
    Ok(Run::from(run))
}

/// One person current in two households: found across the whole registry, recorded for the
/// households in scope.
fn shared_people(conn: &mut DbConn, scope: &RegionScope, run: &RunRow) -> Result<(), AppError> {
    let holders = store::shared_id_numbers(conn)?;
    let findings = people_in_two_households(
        holders
            .iter()
            .map(|(key, member, household)| (key.as_str(), member.as_str(), household.as_str())),
    );
    let member_household: HashMap<&str, &str> = holders
        .iter()
        .map(|(_, member, household)| (member.as_str(), household.as_str()))
        .collect();
    let mut rows = Vec::new();
    for finding in findings {
        let Some(household_id) = member_household.get(finding.entity_id.as_str()).copied() else {
            continue;
        };
        let household = match households::find(conn, scope, household_id) {
            Ok(found) => found,
            Err(fupin_persistence::StoreError::NotFound) => continue,
            Err(other) => return Err(other.into()),
        };
        rows.push(finding_row(
            finding,
            household_id,
            &household.region_code,
            run,
        ));
    }
    in_transaction(conn, |conn| {
        store::replace_rule_findings(conn, scope, ids::PERSON_IN_TWO_HOUSEHOLDS, &rows)
    })?;
    Ok(())
}
