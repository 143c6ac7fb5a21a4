//! Data-quality runs: what a run needs to know about a batch of households (loaded with one
//! query per table, not per household). Runs, findings and checks are kept by `records`.

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
    loan_events, loan_instalments, loan_repayments, loans, members, regions, status_events,
    subsidy_entries,
};
use crate::ListKey;

mod records;
pub use records::*;

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
