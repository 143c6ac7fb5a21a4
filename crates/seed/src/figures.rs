//! The article's figures in the demo district: 246 households (463 persons) exited by the end
//! of 2018 with the income and assessment that allowed it, 76 pupils in compulsory education
//! in 64 households, 20 microloans of 610,000 yuan in all, 777 health reimbursements of
//! 1,775,000 yuan, and 721,000 yuan of industry dividends.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use fupin_domain::household::{Attribute, HouseholdStatus};
use fupin_domain::lifecycle::HistoricalEvent;
use fupin_domain::member::{Health, Relation, Sex};
use fupin_domain::relation_age::{MIN_GRANDPARENT_GAP_YEARS, MIN_PARENT_GAP_YEARS};
use fupin_persistence::assessments::AssessmentRow;
use fupin_persistence::entities::{DividendRow, EntityRow, LinkRow, RoundRow};
use fupin_persistence::households::HouseholdRow;
use fupin_persistence::incomes::IncomeRow;
use fupin_persistence::loans::{InstalmentRow, LoanEventRow, LoanRow, RepaymentRow};
use fupin_persistence::members::MemberRow;
use fupin_persistence::schema::{
    assessments, business_entities, dividend_entries, dividend_rounds, entity_links,
    income_records, loan_events, loan_instalments, loan_repayments, loans, status_events,
    subsidy_entries,
};
use fupin_persistence::status_events::{as_json, DocumentRef, StatusEventRow};
use fupin_persistence::subsidies::SubsidyRow;
use fupin_persistence::{DbConn, StoreError};
use rand::rngs::SmallRng;
use rand::Rng;

use crate::households::{birth_between, member, person_name, IdNumbers};

pub(crate) const EXITED_HOUSEHOLDS: usize = 246;
pub(crate) const EXITED_PERSONS: i32 = 463;
pub(crate) const PUPIL_HOUSEHOLDS: usize = 64;
pub(crate) const PUPILS: usize = 76;
pub(crate) const LOANS: usize = 20;
pub(crate) const HEALTH_REIMBURSEMENTS: usize = 777;
pub(crate) const HEALTH_REIMBURSED_FEN: i64 = 177_500_000;
pub(crate) const DIVIDENDS_FEN: i64 = 72_100_000;
pub(crate) const SEEDED_BY: &str = "demo seed";

pub(crate) fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Adds the 76 pupils (aged 7 to 14 now) to 64 households, two each in the first 12.
pub(crate) fn add_pupils(
    rng: &mut SmallRng,
    ids: &mut IdNumbers<'_>,
    household_rows: &mut [HouseholdRow],
    member_rows: &mut Vec<MemberRow>,
    now: NaiveDateTime,
) {
    let mut chosen = Vec::new();
    while chosen.len() < PUPIL_HOUSEHOLDS {
        let index = rng.gen_range(0..household_rows.len());
        let household = &household_rows[index];
        if household.attribute != Attribute::DestituteSupported.as_str()
            && household.member_count <= 4
            && !chosen.contains(&index)
        {
            chosen.push(index);
        }
    }
    for (n, index) in chosen.into_iter().enumerate() {
        let pupils = if n < PUPILS - PUPIL_HOUSEHOLDS { 2 } else { 1 };
        let household = &mut household_rows[index];
        let surname: String = household.head_name.chars().take(1).collect();
        for _ in 0..pupils {
            let sex = if rng.gen_bool(0.5) {
                Sex::Male
            } else {
                Sex::Female
            };
            let age = rng.gen_range(7..=14);
            let birth = birth_between(rng, now.year() - age, now.year() - age);
            // A grandchild where the head is old enough for one, else a child (relation_age).
            let head_birth = member_rows
                .iter()
                .find(|m| m.household_id == household.id && m.relation == Relation::Head.as_str())
                .map(|m| m.birth_date);
            let gap = head_birth.map(|head| fupin_domain::assessment::age_on(head, birth));
            let relation = match (gap, sex) {
                (Some(gap), Sex::Male) if gap >= MIN_GRANDPARENT_GAP_YEARS => Relation::Grandson,
                (Some(gap), Sex::Female) if gap >= MIN_GRANDPARENT_GAP_YEARS => {
                    Relation::Granddaughter
                }
                (Some(gap), Sex::Male) if gap >= MIN_PARENT_GAP_YEARS => Relation::Son,
                (Some(gap), Sex::Female) if gap >= MIN_PARENT_GAP_YEARS => Relation::Daughter,
                _ => Relation::Other,
            };
            let name = person_name(rng, Some(&surname));
            member_rows.push(member(
                rng,
                ids,
                &household.id,
                &household.region_code,
                name,
                sex,
                birth,
                relation,
                Health::Healthy,
                now,
            ));
            household.member_count += 1;
        }
    }
}

/// Marks 246 households with 463 persons as exited in 2016 or 2018: the 94 left are chosen
/// smallest first, then swapped for one person larger until they hold 143 persons.
pub(crate) fn mark_exits(household_rows: &mut [HouseholdRow]) -> Vec<usize> {
    let remaining_count = household_rows.len() - EXITED_HOUSEHOLDS;
    let total: i32 = household_rows.iter().map(|h| h.member_count).sum();
    let target = total - EXITED_PERSONS;
    let mut order: Vec<usize> = (0..household_rows.len()).collect();
    order.sort_by_key(|i| (household_rows[*i].member_count, *i));
    let mut remaining: Vec<usize> = order[..remaining_count].to_vec();
    let mut others: Vec<usize> = order[remaining_count..].to_vec();
    let size = |i: usize| household_rows[i].member_count;
    let mut held: i32 = remaining.iter().map(|i| size(*i)).sum();
    while held < target {
        let swap = remaining.iter().enumerate().find_map(|(r, kept)| {
            others
                .iter()
                .position(|o| size(*o) == size(*kept) + 1)
                .map(|o| (r, o))
        });
        let Some((r, o)) = swap else {
            break;
        };
        held += 1;
        std::mem::swap(&mut remaining[r], &mut others[o]);
    }
    others.sort_unstable();
    for (n, index) in others.iter().enumerate() {
        let household = &mut household_rows[*index];
        household.status = HouseholdStatus::Exited.as_str().to_owned();
        household.exit_year = Some(if n % 5 < 2 { 2016 } else { 2018 });
        household.exit_recorded_as_history = true;
    }
    others
}

/// Everything recorded beside the registry for the figures.
#[derive(Default)]
pub(crate) struct Ledgers {
    pub(crate) incomes: Vec<IncomeRow>,
    pub(crate) assessments: Vec<AssessmentRow>,
    pub(crate) events: Vec<StatusEventRow>,
    pub(crate) loans: Vec<LoanRow>,
    pub(crate) instalments: Vec<InstalmentRow>,
    pub(crate) repayments: Vec<RepaymentRow>,
    pub(crate) loan_events: Vec<LoanEventRow>,
    pub(crate) subsidies: Vec<SubsidyRow>,
    pub(crate) entities: Vec<EntityRow>,
    pub(crate) links: Vec<LinkRow>,
    pub(crate) rounds: Vec<RoundRow>,
    pub(crate) dividends: Vec<DividendRow>,
}

/// The income, passing assessment and approval of each exited household.
pub(crate) fn exit_records(
    rng: &mut SmallRng,
    household_rows: &[HouseholdRow],
    member_rows: &[MemberRow],
    exited: &[usize],
    now: NaiveDateTime,
    ledgers: &mut Ledgers,
) {
    for index in exited {
        let h = &household_rows[*index];
        let year = h.exit_year.unwrap_or(2018);
        let persons = i64::from(h.member_count);
        // Per-capita net income of 6,000 to 9,000 yuan: well above either year's line.
        let wage_fen = persons * rng.gen_range(600_000..900_000);
        ledgers.incomes.push(IncomeRow {
            id: new_id(),
            household_id: h.id.clone(),
            county_code: h.county_code.clone(),
            region_code: h.region_code.clone(),
            year,
            version: 1,
            wage_fen,
            production_fen: 0,
            property_fen: 0,
            transfer_fen: 0,
            production_cost_fen: 0,
            recorded_on: day(year, 11, 1),
            recorded_by: SEEDED_BY.to_owned(),
            note: None,
            created_at: now,
        });
        // Schooling is stored as it is now: a child of school age then who has left school
        // since would fail the derived education item, so the assessment records why it held.
        let assessed_on = day(year, 10, 15);
        let schooled_then = member_rows.iter().any(|m| {
            m.household_id == h.id
                && (6..=15).contains(&fupin_domain::assessment::age_on(m.birth_date, assessed_on))
                && m.schooling == "not_in_school"
        });
        ledgers.assessments.push(AssessmentRow {
            id: new_id(),
            household_id: h.id.clone(),
            county_code: h.county_code.clone(),
            region_code: h.region_code.clone(),
            assessed_on,
            food_ok: true,
            food_note: None,
            clothing_ok: true,
            clothing_note: None,
            housing_grade: "b".to_owned(),
            housing_note: None,
            water_ok: true,
            water_note: None,
            education_override: schooled_then.then(|| {
                "评估时在校就读，现已毕业 (in school when assessed, since finished)".to_owned()
            }),
            medical_override: None,
            assessed_by: SEEDED_BY.to_owned(),
            created_at: now,
        });
        // The exits of 2016 and 2018 were decided on paper before the registry: history.
        let document = DocumentRef {
            number: format!("高扶发〔{year}〕退出批复"),
            issuer: "高陵区扶贫开发领导小组".to_owned(),
            issued_on: day(year, 12, 1),
        };
        ledgers.events.push(StatusEventRow {
            id: new_id(),
            household_id: h.id.clone(),
            county_code: h.county_code.clone(),
            region_code: h.region_code.clone(),
            event: "approve_exit".to_owned(),
            from_status: HouseholdStatus::NotExited.as_str().to_owned(),
            to_status: HouseholdStatus::Exited.as_str().to_owned(),
            from_stage: "noticed".to_owned(),
            to_stage: "none".to_owned(),
            occurred_on: day(year, 12, 1),
            reason: Some(
                "据纸质档案补录的年度脱贫退出 (the year's exit, from the paper files)".to_owned(),
            ),
            reference: Some(document.number.clone()),
            evidence_json: None,
            actor_id: SEEDED_BY.to_owned(),
            actor_name: SEEDED_BY.to_owned(),
            role: "district_officer".to_owned(),
            request_id: None,
            created_at: now,
            historical: true,
            document_json: as_json(&document),
            unchecked_json: as_json(&HistoricalEvent::Exit.unchecked_steps()),
        });
    }
}

/// Writes the ledgers (after the households and members they refer to).
pub(crate) fn insert(conn: &mut DbConn, l: &Ledgers) -> Result<(), StoreError> {
    macro_rules! rows {
        ($c:expr, $table:expr, $rows:expr) => {
            for chunk in $rows.chunks(300) {
                diesel::insert_into($table).values(chunk).execute($c)?;
            }
        };
    }
    // Multi-row inserts do not go through the MultiConnection enum: write per backend.
    fupin_persistence::per_backend!(conn, c => {
        rows!(c, income_records::table, l.incomes);
        rows!(c, assessments::table, l.assessments);
        rows!(c, status_events::table, l.events);
        rows!(c, loans::table, l.loans);
        rows!(c, loan_instalments::table, l.instalments);
        rows!(c, loan_repayments::table, l.repayments);
        rows!(c, loan_events::table, l.loan_events);
        rows!(c, subsidy_entries::table, l.subsidies);
        rows!(c, business_entities::table, l.entities);
        rows!(c, entity_links::table, l.links);
        rows!(c, dividend_rounds::table, l.rounds);
        rows!(c, dividend_entries::table, l.dividends);
    });
    Ok(())
}
