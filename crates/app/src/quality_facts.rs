//! Turns a batch of stored rows into the facts the data-quality rules read.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use fupin_domain::household::PovertyCause;
use fupin_domain::income;
use fupin_domain::loan::{position, Instalment};
use fupin_domain::quality::{
    AssessmentFacts, DividendFacts, HouseholdFacts, LoanFacts, MemberFacts, MemberPaymentFacts,
};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::quality::Batch;
use fupin_persistence::StoreError;

use crate::models::stored;

/// Groups rows by a household id taken from each row.
fn by_household<T>(rows: Vec<T>, key: impl Fn(&T) -> &str) -> HashMap<String, Vec<T>> {
    let mut grouped: HashMap<String, Vec<T>> = HashMap::new();
    for row in rows {
        grouped.entry(key(&row).to_owned()).or_default().push(row);
    }
    grouped
}

/// The facts of every household in `batch`, in its order.
pub fn household_facts(
    batch: Batch,
    keys: &PersonalDataKeys,
    villages: &HashSet<String>,
    poverty_lines: &HashMap<i32, i64>,
    as_of: NaiveDate,
) -> Result<Vec<HouseholdFacts>, StoreError> {
    let Batch {
        households,
        members,
        incomes,
        exits,
        assessments,
        allowance_entries,
        member_payments,
        loans,
        instalments,
        repayments,
        extensions,
        dividends,
        links,
    } = batch;
    let member_rows = by_household(members, |m| &m.household_id);
    let income_rows = by_household(incomes, |i| &i.household_id);
    let exit_days: HashMap<String, NaiveDate> = exits.into_iter().collect();
    let assessment_rows = by_household(assessments, |a| &a.household_id);
    let mut allowances: HashMap<String, i64> = HashMap::new();
    for (household, is_reversal) in allowance_entries {
        *allowances.entry(household).or_default() += if is_reversal { -1 } else { 1 };
    }
    let payments = by_household(member_payments, |p| &p.1);
    let loan_rows = by_household(loans, |l| &l.household_id);
    let schedules = by_household(instalments, |i| &i.0);
    let paid = by_household(repayments, |r| &r.0);
    let maturities: HashMap<String, NaiveDate> = extensions
        .into_iter()
        .filter_map(|(loan, maturity)| Some((loan, maturity?)))
        .collect();
    let dividend_rows = by_household(dividends, |d| &d.1);
    let link_rows = by_household(links, |l| &l.household_id);

    let mut facts = Vec::with_capacity(households.len());
    for household in households {
        let id = household.id.clone();
        let rows = member_rows.get(&id).map(Vec::as_slice).unwrap_or_default();
        let mut people = Vec::with_capacity(rows.len());
        for m in rows {
            people.push(MemberFacts {
                id: m.id.clone(),
                id_number: m
                    .id_number_cipher
                    .as_deref()
                    .and_then(|c| keys.open(c).ok())
                    .unwrap_or_default(),
                sex: stored(&m.sex)?,
                birth_date: m.birth_date,
                relation: stored(&m.relation)?,
                schooling: stored(&m.schooling)?,
                disability: stored(&m.disability)?,
                labour_ability: stored(&m.labour_ability)?,
                left_on: m.left_on,
            });
        }
        let exited = household.status == "exited";
        let exit_year = household.exit_year.filter(|_| exited);
        let spans: Vec<(NaiveDate, Option<NaiveDate>)> =
            rows.iter().map(|m| (m.birth_date, m.left_on)).collect();
        let exit_income = exit_year.and_then(|year| {
            let latest = income_rows
                .get(&id)?
                .iter()
                .filter(|r| r.year == year)
                .max_by_key(|r| r.version)?;
            let items = income::IncomeItems {
                wage_fen: latest.wage_fen,
                production_fen: latest.production_fen,
                property_fen: latest.property_fen,
                transfer_fen: latest.transfer_fen,
                production_cost_fen: latest.production_cost_fen,
            };
            let size = income::household_size_on(&spans, latest.recorded_on);
            income::per_capita_fen(items.net_fen(), size).ok()
        });
        let assessments = match assessment_rows.get(&id) {
            None => Vec::new(),
            Some(list) => {
                let people_for_assessment = super::assessments::member_facts_of(rows)?;
                let mut out = Vec::with_capacity(list.len());
                for row in list {
                    out.push(AssessmentFacts {
                        assessed_on: row.assessed_on,
                        passed: super::assessments::evaluate(row.clone(), &people_for_assessment)?
                            .all_satisfied,
                    });
                }
                out
            }
        };
        let births: HashMap<&str, NaiveDate> =
            rows.iter().map(|m| (m.id.as_str(), m.birth_date)).collect();
        let mut loans = Vec::new();
        for loan in loan_rows.get(&id).map(Vec::as_slice).unwrap_or_default() {
            let schedule: Vec<Instalment> = schedules
                .get(&loan.id)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .enumerate()
                .map(|(n, (_, due_on, principal_fen, interest_fen))| Instalment {
                    period: u32::try_from(n + 1).unwrap_or(u32::MAX),
                    due_on: *due_on,
                    principal_fen: *principal_fen,
                    interest_fen: *interest_fen,
                })
                .collect();
            let repaid: Vec<(NaiveDate, i64)> = paid
                .get(&loan.id)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|(_, paid_on, amount)| (*paid_on, *amount))
                .collect();
            let (_, position) =
                position(schedule, maturities.get(&loan.id).copied(), &repaid, as_of);
            loans.push(LoanFacts {
                id: loan.id.clone(),
                borrower_birth_date: births
                    .get(loan.member_id.as_str())
                    .copied()
                    .unwrap_or(loan.applied_on),
                applied_on: loan.applied_on,
                outstanding_principal_fen: position.outstanding_principal_fen,
                overdue: position.overdue,
            });
        }
        let household_links = link_rows.get(&id).map(Vec::as_slice).unwrap_or_default();
        let dividends = dividend_rows
            .get(&id)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|(entry, _, entity, record_date)| DividendFacts {
                entry_id: entry.clone(),
                record_date: *record_date,
                linked_on_record_date: household_links.iter().any(|l| {
                    &l.entity_id == entity
                        && l.kind == "shares"
                        && l.starts_on <= *record_date
                        && l.ends_on.is_none_or(|end| end > *record_date)
                }),
            })
            .collect();
        let member_payments = payments
            .get(&id)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|(entry, _, member, paid_on)| MemberPaymentFacts {
                entry_id: entry.clone(),
                member_id: member.clone(),
                paid_on: *paid_on,
            })
            .collect();
        let mut other_causes: Vec<PovertyCause> = Vec::new();
        for cause in [&household.other_cause_1, &household.other_cause_2]
            .into_iter()
            .flatten()
        {
            other_causes.push(stored(cause)?);
        }
        facts.push(HouseholdFacts {
            region_is_village: villages.contains(&household.region_code),
            attribute: stored(&household.attribute)?,
            main_cause: household.main_cause.parse().ok(),
            other_causes,
            exited_on: exit_days.get(&id).copied().filter(|_| exited),
            exit_year,
            phone: household
                .phone_cipher
                .as_deref()
                .and_then(|c| keys.open(c).ok()),
            members: people,
            exit_year_income_per_capita_fen: exit_income,
            exit_year_poverty_line_fen: exit_year.and_then(|y| poverty_lines.get(&y).copied()),
            assessments,
            minimum_allowance_entries_in_year: u32::try_from(
                allowances.get(&id).copied().unwrap_or(0).max(0),
            )
            .unwrap_or(0),
            loans,
            dividends,
            member_payments,
            id,
        });
    }
    Ok(facts)
}
