//! Statistics that reconcile: every figure is first computed per village from grouped
//! queries, and a region's figures are the sum of its villages', so a summary always equals
//! the sum of its by-region rows.

use fupin_domain::loan_lifecycle::LoanStatus;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use fupin_domain::loan::{position, Instalment, LoanStanding};
use fupin_domain::scope::RegionScope;
use fupin_persistence::{statistics as store, DbConn};

use crate::error::AppError;
use crate::models::statistics::Figures;
use crate::totals::add;

/// The window money flows are counted in, and the day loan standing is computed for.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: NaiveDate,
    pub year: Option<i32>,
}

impl Period {
    /// The whole of `year`, standing at its end or today if sooner; without a year, all time
    /// and standing today.
    pub fn new(year: Option<i32>, today: NaiveDate) -> Period {
        let bounds = year.and_then(|y| {
            Some((
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y, 12, 31)?,
            ))
        });
        match bounds {
            Some((from, to)) => Period {
                from,
                to,
                as_of: to.min(today),
                year,
            },
            // Bounds both backends store and compare as dates (SQLite compares text).
            None => Period {
                from: NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(today),
                to: NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(today),
                as_of: today,
                year: None,
            },
        }
    }
}

fn add_map(into: &mut BTreeMap<String, i64>, from: &BTreeMap<String, i64>) -> Result<(), AppError> {
    for (key, value) in from {
        add(into.entry(key.clone()).or_default(), *value)?;
    }
    Ok(())
}

/// Adds `part`'s figures to `total`.
pub fn absorb(total: &mut Figures, part: &Figures) -> Result<(), AppError> {
    let (h, p) = (&mut total.households, &part.households);
    add(&mut h.total, p.total)?;
    add(&mut h.active, p.active)?;
    add_map(&mut h.by_kind, &p.by_kind)?;
    add_map(&mut h.by_status, &p.by_status)?;
    add_map(&mut h.by_attribute, &p.by_attribute)?;
    add_map(&mut h.by_main_cause, &p.by_main_cause)?;
    add_map(&mut h.by_monitoring_kind, &p.by_monitoring_kind)?;
    add(&mut total.persons.total, part.persons.total)?;
    add_map(&mut total.persons.by_status, &part.persons.by_status)?;
    let s = &mut total.students_in_compulsory_education;
    add(
        &mut s.students,
        part.students_in_compulsory_education.students,
    )?;
    add(
        &mut s.households,
        part.students_in_compulsory_education.households,
    )?;
    let (l, q) = (&mut total.loans, &part.loans);
    add(&mut l.count, q.count)?;
    add(&mut l.principal_fen, q.principal_fen)?;
    add(
        &mut l.outstanding_principal_fen,
        q.outstanding_principal_fen,
    )?;
    add(&mut l.overdue_count, q.overdue_count)?;
    add(
        &mut l.overdue_outstanding_principal_fen,
        q.overdue_outstanding_principal_fen,
    )?;
    add(&mut l.written_off_count, q.written_off_count)?;
    for (category, figures) in &part.subsidies {
        let into = total.subsidies.entry(category.clone()).or_default();
        add(&mut into.entries, figures.entries)?;
        add(&mut into.person_times, figures.person_times)?;
        add(&mut into.amount_fen, figures.amount_fen)?;
    }
    add(&mut total.dividends_paid_fen, part.dividends_paid_fen)?;
    add(&mut total.land_rent_paid_fen, part.land_rent_paid_fen)?;
    for (year, exits) in &part.exits_by_year {
        let into = total.exits_by_year.entry(year.clone()).or_default();
        add(&mut into.households, exits.households)?;
        add(&mut into.persons, exits.persons)?;
        let history = &mut into.recorded_as_history;
        add(
            &mut history.households,
            exits.recorded_as_history.households,
        )?;
        add(&mut history.persons, exits.recorded_as_history.persons)?;
    }
    Ok(())
}

/// Every village's figures in `scope` (villages with nothing are absent).
pub fn per_village(
    conn: &mut DbConn,
    scope: &RegionScope,
    period: Period,
) -> Result<BTreeMap<String, Figures>, AppError> {
    let mut villages: BTreeMap<String, Figures> = BTreeMap::new();
    let exited_by = |exit_year: Option<i32>| match (exit_year, period.year) {
        (Some(exit), Some(limit)) => (exit <= limit).then_some(exit),
        (exit, None) => exit,
        (None, _) => None,
    };
    for group in store::household_groups(conn, scope)? {
        let f = villages.entry(group.region_code).or_default();
        let h = &mut f.households;
        add(&mut h.total, group.households)?;
        add(
            h.by_status.entry(group.status.clone()).or_default(),
            group.households,
        )?;
        if group.status != "removed" {
            add(&mut h.active, group.households)?;
            add(h.by_kind.entry(group.kind).or_default(), group.households)?;
            add(
                h.by_attribute.entry(group.attribute).or_default(),
                group.households,
            )?;
            add(
                h.by_main_cause.entry(group.main_cause).or_default(),
                group.households,
            )?;
            if let Some(kind) = group.monitoring_kind {
                add(
                    h.by_monitoring_kind.entry(kind).or_default(),
                    group.households,
                )?;
            }
        }
        if let Some(year) = exited_by(group.exit_year).filter(|_| group.status == "exited") {
            let exits = f.exits_by_year.entry(year.to_string()).or_default();
            add(&mut exits.households, group.households)?;
            if group.exit_recorded_as_history {
                add(&mut exits.recorded_as_history.households, group.households)?;
            }
        }
    }
    for group in store::person_groups(conn, scope)? {
        let f = villages.entry(group.region_code).or_default();
        add(&mut f.persons.total, group.persons)?;
        add(
            f.persons.by_status.entry(group.status.clone()).or_default(),
            group.persons,
        )?;
        if let Some(year) = exited_by(group.exit_year).filter(|_| group.status == "exited") {
            let exits = f.exits_by_year.entry(year.to_string()).or_default();
            add(&mut exits.persons, group.persons)?;
            if group.exit_recorded_as_history {
                add(&mut exits.recorded_as_history.persons, group.persons)?;
            }
        }
    }
    for group in store::student_groups(conn, scope)? {
        let s = &mut villages
            .entry(group.region_code)
            .or_default()
            .students_in_compulsory_education;
        add(&mut s.students, group.students)?;
        add(&mut s.households, group.households)?;
    }
    for group in store::subsidy_groups(conn, scope, period.from, period.to)? {
        let into = villages
            .entry(group.region_code)
            .or_default()
            .subsidies
            .entry(group.category)
            .or_default();
        add(&mut into.entries, group.entries)?;
        add(&mut into.person_times, group.person_times)?;
        add(&mut into.amount_fen, group.amount_fen)?;
    }
    for paid in store::dividends_paid(conn, scope, period.from, period.to)? {
        let village = villages.entry(paid.region_code).or_default();
        add(
            &mut village.dividends_paid_fen,
            paid.amount_fen.unwrap_or(0),
        )?;
    }
    for paid in store::land_rent_paid(conn, scope, period.from, period.to)? {
        let village = villages.entry(paid.region_code).or_default();
        add(
            &mut village.land_rent_paid_fen,
            paid.amount_fen.unwrap_or(0),
        )?;
    }
    for loan in store::disbursed_loans(conn, scope, period.from, period.to)? {
        let l = &mut villages.entry(loan.region_code.clone()).or_default().loans;
        add(&mut l.count, 1)?;
        add(&mut l.principal_fen, loan.principal_fen)?;
        if loan.status == LoanStatus::WrittenOff.as_str() {
            add(&mut l.written_off_count, 1)?;
            continue;
        }
        let position = loan_position(&loan, period.as_of);
        add(
            &mut l.outstanding_principal_fen,
            position.outstanding_principal_fen,
        )?;
        if position.overdue {
            add(&mut l.overdue_count, 1)?;
            add(
                &mut l.overdue_outstanding_principal_fen,
                position.outstanding_principal_fen,
            )?;
        }
    }
    Ok(villages)
}

fn loan_position(loan: &store::LoanFigures, as_of: NaiveDate) -> LoanStanding {
    let schedule = loan
        .schedule
        .iter()
        .enumerate()
        .map(|(n, (due_on, principal_fen, interest_fen))| Instalment {
            period: u32::try_from(n + 1).unwrap_or(u32::MAX),
            due_on: *due_on,
            principal_fen: *principal_fen,
            interest_fen: *interest_fen,
        })
        .collect();
    position(schedule, loan.extended_to, &loan.repayments, as_of).1
}
