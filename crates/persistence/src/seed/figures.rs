//! The article's figures in the demo district: 246 households (463 persons) exited by the end
//! of 2018 with the income and assessment that allowed it, 76 pupils in compulsory education
//! in 64 households, 20 microloans of 610,000 yuan in all, 777 health reimbursements of
//! 1,775,000 yuan, and 721,000 yuan of industry dividends.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use fupin_domain::dividend::allocate;
use fupin_domain::household::{Attribute, HouseholdStatus};
use fupin_domain::loan::{schedule, RepaymentMethod};
use fupin_domain::member::{Health, Relation, Sex};
use fupin_domain::money::InsuranceLayer;
use rand::rngs::SmallRng;
use rand::Rng;

use super::{birth_between, member, person_name, pick, IdNumbers};
use crate::assessments::AssessmentRow;
use crate::connection::DbConn;
use crate::entities::{DividendRow, EntityRow, LinkRow, RoundRow};
use crate::error::StoreError;
use crate::households::HouseholdRow;
use crate::incomes::IncomeRow;
use crate::loans::{InstalmentRow, LoanEventRow, LoanRow, RepaymentRow};
use crate::members::MemberRow;
use crate::schema::{
    assessments, business_entities, dividend_entries, dividend_rounds, entity_links,
    income_records, loan_events, loan_instalments, loan_repayments, loans, status_events,
    subsidy_entries,
};
use crate::status_events::StatusEventRow;
use crate::subsidies::SubsidyRow;

pub const EXITED_HOUSEHOLDS: usize = 246;
pub const EXITED_PERSONS: i32 = 463;
pub const PUPIL_HOUSEHOLDS: usize = 64;
pub const PUPILS: usize = 76;
pub const LOANS: usize = 20;
pub const HEALTH_REIMBURSEMENTS: usize = 777;
pub const HEALTH_REIMBURSED_FEN: i64 = 177_500_000;
pub const DIVIDENDS_FEN: i64 = 72_100_000;
const SEEDED_BY: &str = "demo seed";

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Adds the 76 pupils (aged 7 to 14 now) to 64 households, two each in the first 12.
pub fn add_pupils(
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
            let relation = match sex {
                Sex::Male => Relation::Grandson,
                Sex::Female => Relation::Granddaughter,
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
pub fn mark_exits(household_rows: &mut [HouseholdRow]) -> Vec<usize> {
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
    }
    others
}

/// Everything recorded beside the registry for the figures.
#[derive(Default)]
pub struct Ledgers {
    incomes: Vec<IncomeRow>,
    assessments: Vec<AssessmentRow>,
    events: Vec<StatusEventRow>,
    loans: Vec<LoanRow>,
    instalments: Vec<InstalmentRow>,
    repayments: Vec<RepaymentRow>,
    loan_events: Vec<LoanEventRow>,
    subsidies: Vec<SubsidyRow>,
    entities: Vec<EntityRow>,
    links: Vec<LinkRow>,
    rounds: Vec<RoundRow>,
    dividends: Vec<DividendRow>,
}

/// The income, passing assessment and approval of each exited household.
pub fn exit_records(
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
            reason: None,
            reference: Some(format!("高扶发〔{year}〕退出批复")),
            evidence_json: None,
            actor_id: SEEDED_BY.to_owned(),
            actor_name: SEEDED_BY.to_owned(),
            role: "district_officer".to_owned(),
            request_id: None,
            created_at: now,
        });
    }
}

/// Twenty microloans, all repaid on time: a 40,000-yuan one for a tofu workshop and nineteen
/// of 30,000 yuan; borrowers are heads aged 25 to 60 when they applied.
pub fn microloans(
    household_rows: &[HouseholdRow],
    member_rows: &[MemberRow],
    now: NaiveDateTime,
    ledgers: &mut Ledgers,
) {
    let applied_on = day(2017, 3, 1);
    let heads: Vec<&MemberRow> = member_rows
        .iter()
        .filter(|m| m.relation == Relation::Head.as_str())
        .filter(|m| (25..=60).contains(&(applied_on.year() - m.birth_date.year())))
        .collect();
    // The example household of the article: a disabled head; the rest in registry order.
    let example = heads
        .iter()
        .position(|m| m.health == Health::Disabled.as_str())
        .unwrap_or(0);
    let mut borrowers: Vec<&MemberRow> = heads.get(example).copied().into_iter().collect();
    borrowers.extend(
        heads
            .iter()
            .enumerate()
            .filter(|(n, _)| *n != example)
            .map(|(_, m)| *m)
            .take(LOANS - 1),
    );
    for (n, borrower) in borrowers.into_iter().enumerate() {
        let Some(h) = household_rows
            .iter()
            .find(|h| h.id == borrower.household_id)
        else {
            continue;
        };
        let (principal_fen, purpose) = if n == 0 {
            (4_000_000, "豆腐作坊：三轮车和磨浆机")
        } else {
            (3_000_000, "设施蔬菜大棚")
        };
        let offset = Duration::days(i64::try_from(n).unwrap_or(0) * 7);
        let disbursed_on = applied_on + offset + Duration::days(10);
        let id = new_id();
        let method = RepaymentMethod::InterestThenPrincipal;
        let periods = schedule(principal_fen, 36, 435, method, disbursed_on);
        let repaid_on = periods.last().map_or(disbursed_on, |p| p.due_on);
        for period in &periods {
            ledgers.instalments.push(InstalmentRow {
                loan_id: id.clone(),
                period: i32::try_from(period.period).unwrap_or(0),
                due_on: period.due_on,
                principal_fen: period.principal_fen,
                interest_fen: period.interest_fen,
            });
            ledgers.repayments.push(RepaymentRow {
                id: new_id(),
                loan_id: id.clone(),
                paid_on: period.due_on,
                amount_fen: period.principal_fen + period.interest_fen,
                reference: format!("HK-{n:02}-{:02}", period.period),
                recorded_by: SEEDED_BY.to_owned(),
                created_at: now,
            });
        }
        for (seq, (status, on)) in [
            ("applied", applied_on + offset),
            ("approved", applied_on + offset + Duration::days(5)),
            ("disbursed", disbursed_on),
            ("repaid", repaid_on),
        ]
        .into_iter()
        .enumerate()
        {
            ledgers.loan_events.push(LoanEventRow {
                loan_id: id.clone(),
                seq: i32::try_from(seq + 1).unwrap_or(0),
                status: status.to_owned(),
                occurred_on: on,
                reason: None,
                maturity_on: None,
                recorded_by: SEEDED_BY.to_owned(),
                created_at: now,
            });
        }
        ledgers.loans.push(LoanRow {
            id,
            household_id: h.id.clone(),
            county_code: h.county_code.clone(),
            region_code: h.region_code.clone(),
            member_id: borrower.id.clone(),
            bank: "高陵区农村商业银行".to_owned(),
            principal_fen,
            term_months: 36,
            annual_rate_bp: 435,
            subsidy_share_bp: 10_000,
            purpose: purpose.to_owned(),
            method: method.as_str().to_owned(),
            status: "repaid".to_owned(),
            applied_on: applied_on + offset,
            decided_on: Some(applied_on + offset + Duration::days(5)),
            disbursed_on: Some(disbursed_on),
            version: 4,
            created_at: now,
            updated_at: now,
        });
    }
}

/// 777 health reimbursements in 2018 to members of the households, 1,775,000 yuan in all,
/// split by random weights to the fen.
pub fn health_reimbursements(
    rng: &mut SmallRng,
    member_rows: &[MemberRow],
    now: NaiveDateTime,
    ledgers: &mut Ledgers,
) {
    let weights: Vec<(String, i64)> = (0..HEALTH_REIMBURSEMENTS)
        .map(|n| (n.to_string(), rng.gen_range(20..=400)))
        .collect();
    let Ok(amounts) = allocate(HEALTH_REIMBURSED_FEN, &weights) else {
        return;
    };
    for (n, (_, amount_fen)) in amounts.into_iter().enumerate() {
        let patient = &member_rows[rng.gen_range(0..member_rows.len())];
        let layer = pick(
            rng,
            &[
                (InsuranceLayer::Basic, 60),
                (InsuranceLayer::CriticalIllness, 15),
                (InsuranceLayer::MedicalAssistance, 20),
                (InsuranceLayer::Supplementary, 5),
            ],
        );
        ledgers.subsidies.push(SubsidyRow {
            id: new_id(),
            household_id: patient.household_id.clone(),
            county_code: patient.county_code.clone(),
            region_code: patient.region_code.clone(),
            member_id: Some(patient.id.clone()),
            category: "health_reimbursement".to_owned(),
            insurance_layer: Some(layer.as_str().to_owned()),
            source: "高陵区医疗保障局".to_owned(),
            program: Some("健康扶贫“一站式”结算".to_owned()),
            amount_fen,
            paid_on: day(2018, 1, 2) + Duration::days(rng.gen_range(0..360)),
            reference: format!("YB2018-{n:04}"),
            reverses_id: None,
            note: None,
            recorded_by: SEEDED_BY.to_owned(),
            created_at: now,
        });
    }
}

/// A vegetable cooperative with shares held by 150 households, paying 721,000 yuan for 2018.
pub fn dividends(
    rng: &mut SmallRng,
    household_rows: &[HouseholdRow],
    now: NaiveDateTime,
    ledgers: &mut Ledgers,
) {
    let body = "93610117MA6TG0001";
    let check = fupin_domain::credit_code::check_character(body).unwrap_or('0');
    let entity = EntityRow {
        id: new_id(),
        name: "高陵区鹿苑街道设施蔬菜专业合作社".to_owned(),
        kind: "cooperative".to_owned(),
        credit_code: format!("{body}{check}"),
        county_code: "610117".to_owned(),
        region_code: "610117001000".to_owned(),
        created_at: now,
    };
    let record_date = day(2018, 12, 31);
    let mut stakes = Vec::new();
    for h in household_rows.iter().step_by(2).take(150) {
        let stake = rng.gen_range(1..=5) * 1_000;
        stakes.push((h.id.clone(), stake));
        ledgers.links.push(LinkRow {
            id: new_id(),
            entity_id: entity.id.clone(),
            household_id: h.id.clone(),
            region_code: h.region_code.clone(),
            kind: "shares".to_owned(),
            stake: Some(stake),
            land_hundredth_mu: None,
            rent_per_mu_fen: None,
            starts_on: day(2017, 4, 1),
            ends_on: None,
            created_at: now,
        });
    }
    let round = RoundRow {
        id: new_id(),
        entity_id: entity.id.clone(),
        period: "2018".to_owned(),
        pool_fen: DIVIDENDS_FEN,
        record_date,
        recorded_by: SEEDED_BY.to_owned(),
        created_at: now,
    };
    if let Ok(parts) = allocate(DIVIDENDS_FEN, &stakes) {
        for (household_id, amount_fen) in parts {
            let region_code = household_rows
                .iter()
                .find(|h| h.id == household_id)
                .map(|h| h.region_code.clone())
                .unwrap_or_default();
            ledgers.dividends.push(DividendRow {
                id: new_id(),
                round_id: round.id.clone(),
                household_id,
                region_code,
                amount_fen,
                created_at: now,
            });
        }
    }
    ledgers.entities.push(entity);
    ledgers.rounds.push(round);
}

/// Writes the ledgers (after the households and members they refer to).
pub fn insert(conn: &mut DbConn, l: &Ledgers) -> Result<(), StoreError> {
    macro_rules! rows {
        ($c:expr, $table:expr, $rows:expr) => {
            for chunk in $rows.chunks(300) {
                diesel::insert_into($table).values(chunk).execute($c)?;
            }
        };
    }
    // Multi-row inserts do not go through the MultiConnection enum: write per backend.
    crate::per_backend!(conn, c => {
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
