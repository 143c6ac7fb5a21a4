//! Counts and sums for statistics, grouped by village (every record carries its village code),
//! so that a region's figures are the sum of its villages' by construction.

use chrono::NaiveDate;
use diesel::dsl::{count, count_star, sql};
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use fupin_domain::scope::RegionScope;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::{
    dividend_entries, dividend_rounds, households, land_rent_payments, loan_events,
    loan_instalments, loan_repayments, loans, members, subsidy_entries,
};

/// Households of one village with the same kind, status, attribute, main cause, monitoring
/// kind and exit year.
#[derive(Debug, Clone, Queryable)]
pub struct HouseholdGroup {
    pub region_code: String,
    pub kind: String,
    pub status: String,
    pub attribute: String,
    pub main_cause: String,
    pub monitoring_kind: Option<String>,
    pub exit_year: Option<i32>,
    pub exit_recorded_as_history: bool,
    pub households: i64,
}

/// Current members of one village's households with the same status and exit year.
#[derive(Debug, Clone, Queryable)]
pub struct PersonGroup {
    pub region_code: String,
    pub status: String,
    pub exit_year: Option<i32>,
    pub exit_recorded_as_history: bool,
    pub persons: i64,
}

/// Current members in compulsory education (primary, junior secondary) of one village.
#[derive(Debug, Clone, Queryable)]
pub struct StudentGroup {
    pub region_code: String,
    pub students: i64,
    pub households: i64,
}

/// Subsidy entries of one village and category: net count (reversals cancel the entries they
/// reverse), net count of those paid to a named member (person-times), net amount.
#[derive(Debug, Clone, Default)]
pub struct SubsidyGroup {
    pub region_code: String,
    pub category: String,
    pub entries: i64,
    pub person_times: i64,
    pub amount_fen: i64,
}

/// An amount per village.
#[derive(Debug, Clone, Queryable)]
pub struct VillageAmount {
    pub region_code: String,
    pub amount_fen: Option<i64>,
}

/// A disbursed loan with its schedule and repayments, for its standing.
#[derive(Debug, Clone)]
pub struct LoanFigures {
    pub region_code: String,
    pub status: String,
    pub principal_fen: i64,
    pub disbursed_on: NaiveDate,
    /// (due on, principal, interest) per period.
    pub schedule: Vec<(NaiveDate, i64, i64)>,
    /// (paid on, amount) per repayment.
    pub repayments: Vec<(NaiveDate, i64)>,
    /// The maturity set by the latest extension, if any.
    pub extended_to: Option<NaiveDate>,
}

/// `SUM` of a money column as a 64-bit integer on both backends (PostgreSQL's `SUM(bigint)`
/// is `numeric`).
fn sum_fen(qualified_column: &str) -> SqlLiteral<Nullable<BigInt>> {
    sql(&format!("CAST(SUM({qualified_column}) AS BIGINT)"))
}

pub fn household_groups(
    conn: &mut DbConn,
    scope: &RegionScope,
) -> Result<Vec<HouseholdGroup>, StoreError> {
    let (low, high) = scope.code_bounds();
    Ok(households::table
        .filter(households::region_code.between(low, high))
        .group_by((
            households::region_code,
            households::kind,
            households::status,
            households::attribute,
            households::main_cause,
            households::monitoring_kind,
            households::exit_year,
            households::exit_recorded_as_history,
        ))
        .select((
            households::region_code,
            households::kind,
            households::status,
            households::attribute,
            households::main_cause,
            households::monitoring_kind,
            households::exit_year,
            households::exit_recorded_as_history,
            count_star(),
        ))
        .load(conn)?)
}

pub fn person_groups(
    conn: &mut DbConn,
    scope: &RegionScope,
) -> Result<Vec<PersonGroup>, StoreError> {
    let (low, high) = scope.code_bounds();
    Ok(members::table
        .inner_join(households::table)
        .filter(households::region_code.between(low, high))
        .filter(members::left_on.is_null())
        .group_by((
            households::region_code,
            households::status,
            households::exit_year,
            households::exit_recorded_as_history,
        ))
        .select((
            households::region_code,
            households::status,
            households::exit_year,
            households::exit_recorded_as_history,
            count_star(),
        ))
        .load(conn)?)
}

pub const COMPULSORY_SCHOOLING: [&str; 2] = ["primary", "junior_secondary"];

pub fn student_groups(
    conn: &mut DbConn,
    scope: &RegionScope,
) -> Result<Vec<StudentGroup>, StoreError> {
    let (low, high) = scope.code_bounds();
    Ok(members::table
        .filter(members::region_code.between(low, high))
        .filter(members::left_on.is_null())
        .filter(members::schooling.eq_any(COMPULSORY_SCHOOLING))
        .group_by(members::region_code)
        .select((
            members::region_code,
            count_star(),
            count(members::household_id).aggregate_distinct(),
        ))
        .load(conn)?)
}

/// Subsidy entries paid in `[from, to]`.
pub fn subsidy_groups(
    conn: &mut DbConn,
    scope: &RegionScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<SubsidyGroup>, StoreError> {
    use std::collections::BTreeMap;
    let (low, high) = scope.code_bounds();
    macro_rules! counted {
        ($($filter:expr),*) => {
            subsidy_entries::table
                .filter(subsidy_entries::region_code.between(low.clone(), high.clone()))
                .filter(subsidy_entries::paid_on.between(from, to))
                $(.filter($filter))*
                .group_by((subsidy_entries::region_code, subsidy_entries::category))
                .select((
                    subsidy_entries::region_code,
                    subsidy_entries::category,
                    count_star(),
                    sum_fen("subsidy_entries.amount_fen"),
                ))
                .load::<(String, String, i64, Option<i64>)>(conn)?
        };
    }
    let originals = counted!(subsidy_entries::reverses_id.is_null());
    let reversals = counted!(subsidy_entries::reverses_id.is_not_null());
    let to_members = counted!(
        subsidy_entries::reverses_id.is_null(),
        subsidy_entries::member_id.is_not_null()
    );
    let member_reversals = counted!(
        subsidy_entries::reverses_id.is_not_null(),
        subsidy_entries::member_id.is_not_null()
    );
    let mut groups: BTreeMap<(String, String), SubsidyGroup> = BTreeMap::new();
    let mut add = |rows: Vec<(String, String, i64, Option<i64>)>, sign: i64, persons: bool| {
        for (region_code, category, entries, amount) in rows {
            let group = groups
                .entry((region_code.clone(), category.clone()))
                .or_insert_with(|| SubsidyGroup {
                    region_code,
                    category,
                    ..SubsidyGroup::default()
                });
            if persons {
                group.person_times += sign * entries;
            } else {
                group.entries += sign * entries;
                group.amount_fen += amount.unwrap_or(0);
            }
        }
    };
    add(originals, 1, false);
    add(reversals, -1, false);
    add(to_members, 1, true);
    add(member_reversals, -1, true);
    Ok(groups.into_values().collect())
}

/// Dividends of rounds whose record date is in `[from, to]`.
pub fn dividends_paid(
    conn: &mut DbConn,
    scope: &RegionScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<VillageAmount>, StoreError> {
    let (low, high) = scope.code_bounds();
    Ok(dividend_entries::table
        .inner_join(dividend_rounds::table.on(dividend_rounds::id.eq(dividend_entries::round_id)))
        .filter(dividend_entries::region_code.between(low, high))
        .filter(dividend_rounds::record_date.between(from, to))
        .group_by(dividend_entries::region_code)
        .select((
            dividend_entries::region_code,
            sum_fen("dividend_entries.amount_fen"),
        ))
        .load(conn)?)
}

/// Land rent paid in `[from, to]`.
pub fn land_rent_paid(
    conn: &mut DbConn,
    scope: &RegionScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<VillageAmount>, StoreError> {
    let (low, high) = scope.code_bounds();
    Ok(land_rent_payments::table
        .filter(land_rent_payments::region_code.between(low, high))
        .filter(land_rent_payments::paid_on.between(from, to))
        .group_by(land_rent_payments::region_code)
        .select((
            land_rent_payments::region_code,
            sum_fen("land_rent_payments.amount_fen"),
        ))
        .load(conn)?)
}

/// Loans disbursed in `[from, to]`, with schedules and repayments loaded in two queries.
pub fn disbursed_loans(
    conn: &mut DbConn,
    scope: &RegionScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<LoanFigures>, StoreError> {
    use std::collections::HashMap;
    let (low, high) = scope.code_bounds();
    let rows: Vec<(String, String, String, i64, Option<NaiveDate>)> = loans::table
        .filter(loans::region_code.between(low.clone(), high.clone()))
        .filter(loans::disbursed_on.between(from, to))
        .order(loans::id.asc())
        .select((
            loans::id,
            loans::region_code,
            loans::status,
            loans::principal_fen,
            loans::disbursed_on,
        ))
        .load(conn)?;
    let mut schedules: HashMap<String, Vec<(NaiveDate, i64, i64)>> = HashMap::new();
    let periods: Vec<(String, NaiveDate, i64, i64)> = loan_instalments::table
        .inner_join(loans::table.on(loans::id.eq(loan_instalments::loan_id)))
        .filter(loans::region_code.between(low.clone(), high.clone()))
        .filter(loans::disbursed_on.between(from, to))
        .order((loan_instalments::loan_id, loan_instalments::period))
        .select((
            loan_instalments::loan_id,
            loan_instalments::due_on,
            loan_instalments::principal_fen,
            loan_instalments::interest_fen,
        ))
        .load(conn)?;
    for (loan, due_on, principal, interest) in periods {
        schedules
            .entry(loan)
            .or_default()
            .push((due_on, principal, interest));
    }
    let mut paid: HashMap<String, Vec<(NaiveDate, i64)>> = HashMap::new();
    let repayments: Vec<(String, NaiveDate, i64)> = loan_repayments::table
        .inner_join(loans::table.on(loans::id.eq(loan_repayments::loan_id)))
        .filter(loans::region_code.between(low.clone(), high.clone()))
        .filter(loans::disbursed_on.between(from, to))
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
        .load(conn)?;
    for (loan, paid_on, amount) in repayments {
        paid.entry(loan).or_default().push((paid_on, amount));
    }
    let mut extended: HashMap<String, NaiveDate> = HashMap::new();
    let extensions: Vec<(String, Option<NaiveDate>)> = loan_events::table
        .inner_join(loans::table.on(loans::id.eq(loan_events::loan_id)))
        .filter(loans::region_code.between(low, high))
        .filter(loans::disbursed_on.between(from, to))
        .filter(loan_events::maturity_on.is_not_null())
        .order((loan_events::loan_id, loan_events::seq))
        .select((loan_events::loan_id, loan_events::maturity_on))
        .load(conn)?;
    for (loan, maturity) in extensions {
        if let Some(maturity) = maturity {
            extended.insert(loan, maturity);
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(|(id, region_code, status, principal_fen, disbursed_on)| {
            Some(LoanFigures {
                schedule: schedules.remove(&id).unwrap_or_default(),
                repayments: paid.remove(&id).unwrap_or_default(),
                extended_to: extended.remove(&id),
                region_code,
                status,
                principal_fen,
                disbursed_on: disbursed_on?,
            })
        })
        .collect())
}
