//! Poverty lines and household incomes: each income figure is shown with the line it is
//! compared with and the household size it is divided by.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use fupin_domain::income::{self, check_lines, IncomeError};
use fupin_persistence::incomes::{self as store, IncomeRow, PovertyLineRow};
use fupin_persistence::{households, DbConn, StoreError};

use super::context::Context;
use super::households::not_found_as_household;
use super::new_id;
use crate::error::{AppError, Kind, Text};
use crate::models::incomes::{
    IncomeComputation, IncomeRecord, PovertyLine, RecordIncome, SetPovertyLine,
};

/// The poverty line a year is judged by.
pub struct LineInUse {
    pub poverty_line_fen: i64,
    /// Known only for a line the district recorded.
    pub monitoring_line_fen: Option<i64>,
    pub source: String,
}

/// The line the district records for `year`, else the national standard where it was
/// published exactly; `None` when there is neither.
pub fn line_in_use(conn: &mut DbConn, year: i32) -> Result<Option<LineInUse>, AppError> {
    if let Some(line) = store::line_for(conn, year)? {
        return Ok(Some(LineInUse {
            poverty_line_fen: line.poverty_line_fen,
            monitoring_line_fen: Some(line.monitoring_line_fen),
            source: line.source,
        }));
    }
    Ok(store::national_line(conn, year)?
        .filter(|national| national.exact)
        .map(|national| LineInUse {
            poverty_line_fen: national.line_fen,
            monitoring_line_fen: None,
            source: format!("national standard: {}", national.source),
        }))
}

/// Every year's line in use, for checks over many households.
pub fn lines_in_use(conn: &mut DbConn) -> Result<HashMap<i32, i64>, AppError> {
    let mut lines: HashMap<i32, i64> = store::national_lines(conn)?
        .into_iter()
        .filter(|national| national.exact)
        .map(|national| (national.year, national.line_fen))
        .collect();
    for line in store::all_lines(conn)? {
        lines.insert(line.year, line.poverty_line_fen);
    }
    Ok(lines)
}

/// Sets a year's lines: creates them, or replaces them when `expected_version` matches.
/// Returns the line and whether it was created.
pub fn set_line(
    conn: &mut DbConn,
    ctx: &Context,
    year: i32,
    expected_version: Option<i64>,
    change: SetPovertyLine,
) -> Result<(PovertyLine, bool), AppError> {
    if !(2000..=ctx.today.year() + 1).contains(&year) {
        return Err(AppError::bad_request(
            format!("year {year} is out of range"),
            format!("年份 {year} 超出范围"),
        ));
    }
    check_lines(change.poverty_line_fen, change.monitoring_line_fen).map_err(|e| {
        AppError::invalid_field(
            "monitoring_line_fen",
            "out_of_range",
            Text::new(e.to_string(), fupin_domain::Chinese::chinese(&e)),
        )
    })?;
    // A province may apply a higher line than the nation's; none may apply a lower one.
    if let Some(national) = store::national_line(conn, year)?.filter(|n| n.exact) {
        if change.poverty_line_fen < national.line_fen {
            return Err(AppError::invalid_field(
                "poverty_line_fen",
                "below_national_line",
                Text::new(
                    format!(
                        "the line applied may be higher than the national standard of {} fen, never lower",
                        national.line_fen
                    ),
                    format!("所用贫困线不得低于国家标准 {} 分", national.line_fen),
                ),
            ));
        }
    }
    let current = store::line_for(conn, year)?;
    let row = PovertyLineRow {
        year,
        poverty_line_fen: change.poverty_line_fen,
        monitoring_line_fen: change.monitoring_line_fen,
        source: change.source.trim().to_owned(),
        version: current.as_ref().map_or(1, |c| c.version + 1),
        created_at: current.as_ref().map_or(ctx.now, |c| c.created_at),
        updated_at: ctx.now,
    };
    let created = match (&current, expected_version) {
        (None, _) => {
            store::insert_line(conn, &row)?;
            true
        }
        (Some(_), None) => return Err(AppError::new(Kind::IfMatchRequired)),
        (Some(_), Some(expected)) => {
            store::update_line(conn, &row, expected)?;
            false
        }
    };
    let before = current.map(PovertyLine::from);
    let after = PovertyLine::from(row);
    let action = if created { "create" } else { "update" };
    ctx.audit(
        conn,
        action,
        ("poverty_line", &year.to_string()),
        None,
        before.as_ref(),
        Some(&after),
    )?;
    Ok((after, created))
}

/// The computation of an income row against its year's line and the household on its date.
fn compute(conn: &mut DbConn, row: &IncomeRow) -> Result<IncomeComputation, AppError> {
    let line = line_in_use(conn, row.year)?;
    let spans = store::member_spans(conn, &row.household_id)?;
    let size = income::household_size_on(&spans, row.recorded_on);
    let items = income::IncomeItems {
        wage_fen: row.wage_fen,
        production_fen: row.production_fen,
        property_fen: row.property_fen,
        transfer_fen: row.transfer_fen,
        production_cost_fen: row.production_cost_fen,
    };
    let net = items.net_fen();
    let per_capita = income::per_capita_fen(net, size).map_err(|e| {
        AppError::new(Kind::StateConflict).with_detail(e.to_string(), "记录日期当天该户没有成员")
    })?;
    Ok(IncomeComputation {
        net_income_fen: net,
        household_size: size,
        per_capita_net_income_fen: per_capita,
        poverty_line_fen: line.as_ref().map(|l| l.poverty_line_fen),
        monitoring_line_fen: line.as_ref().and_then(|l| l.monitoring_line_fen),
        comparison: line.as_ref().and_then(|l| {
            l.monitoring_line_fen
                .map(|monitoring| income::compare(per_capita, l.poverty_line_fen, monitoring))
        }),
        above_poverty_line: line.as_ref().map(|l| per_capita > l.poverty_line_fen),
        line_source: line.map(|l| l.source),
    })
}

fn with_computation(conn: &mut DbConn, row: IncomeRow) -> Result<IncomeRecord, AppError> {
    let computation = compute(conn, &row)?;
    Ok(IncomeRecord::new(row, computation))
}

fn check_dates(year: i32, recorded_on: NaiveDate, today: NaiveDate) -> Result<(), AppError> {
    if !(fupin_domain::household::FIRST_IDENTIFICATION_YEAR..=today.year()).contains(&year) {
        return Err(AppError::bad_request(
            format!(
                "income years run from {} to this year",
                fupin_domain::household::FIRST_IDENTIFICATION_YEAR
            ),
            "收入年度超出范围",
        ));
    }
    if recorded_on > today || recorded_on.year() < year {
        return Err(AppError::invalid_field(
            "recorded_on",
            "out_of_range",
            Text::new(
                "the record date is in or after the income year and not in the future",
                "记录日期应在收入年度当年或之后，且不晚于今天",
            ),
        ));
    }
    Ok(())
}

/// Records a year's income: the first record, or a correction of the current one when
/// `expected_version` matches it. Returns the record and whether it is the year's first.
pub fn record(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
    year: i32,
    expected_version: Option<i64>,
    input: RecordIncome,
) -> Result<(IncomeRecord, bool), AppError> {
    check_dates(year, input.recorded_on, ctx.today)?;
    input.items().check().map_err(|e| match e {
        IncomeError::ItemOutOfRange(field) => AppError::invalid_field(
            field,
            "out_of_range",
            Text::new(e.to_string(), "金额超出范围"),
        ),
        other => AppError::bad_request(other.to_string(), "收入无效"),
    })?;
    let household = households::find(conn, &ctx.scope(), household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    let history = store::income_history(conn, &ctx.scope(), household_id, year)?;
    let current = history.first().cloned();
    let version = match (&current, expected_version) {
        (None, _) => 1,
        (Some(_), None) => return Err(AppError::new(Kind::IfMatchRequired)),
        (Some(current), Some(expected)) if current.version != expected => {
            return Err(StoreError::Stale {
                current: current.version,
            }
            .into())
        }
        (Some(current), Some(_)) => current.version + 1,
    };
    let row = IncomeRow {
        id: new_id(),
        household_id: household.id.clone(),
        county_code: household.county_code.clone(),
        region_code: household.region_code.clone(),
        year,
        version,
        wage_fen: input.wage_fen,
        production_fen: input.production_fen,
        property_fen: input.property_fen,
        transfer_fen: input.transfer_fen,
        production_cost_fen: input.production_cost_fen,
        recorded_on: input.recorded_on,
        recorded_by: ctx.caller.name.clone(),
        note: input
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        created_at: ctx.now,
    };
    store::insert_income(conn, &row).map_err(|e| match e {
        // Two corrections from the same version: the second lost the race.
        StoreError::Unique(_) => StoreError::Stale { current: version }.into(),
        other => AppError::from(other),
    })?;
    let before = current.map(|c| with_computation(conn, c)).transpose()?;
    let after = with_computation(conn, row)?;
    let action = if before.is_some() {
        "correct_income"
    } else {
        "record_income"
    };
    ctx.audit(
        conn,
        action,
        ("household", household_id),
        Some(&household.region_code),
        before.as_ref(),
        Some(&after),
    )?;
    Ok((after, version == 1))
}

/// The current record of each year, oldest year first.
pub fn current(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
) -> Result<Vec<IncomeRecord>, AppError> {
    households::find(conn, &ctx.scope(), household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    store::current_incomes(conn, &ctx.scope(), household_id)?
        .into_iter()
        .map(|row| with_computation(conn, row))
        .collect()
}

/// Every version of a year's record, newest first; 404 when the year has none.
pub fn history(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
    year: i32,
) -> Result<Vec<IncomeRecord>, AppError> {
    households::find(conn, &ctx.scope(), household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    let rows = store::income_history(conn, &ctx.scope(), household_id, year)?;
    if rows.is_empty() {
        return Err(AppError::not_found(
            "income record for this year",
            "该年度收入记录",
        ));
    }
    rows.into_iter()
        .map(|row| with_computation(conn, row))
        .collect()
}
