//! The money of the demo district's figures: microloans with their schedules and repayments,
//! health reimbursements, and a cooperative's dividends.

use chrono::{Datelike, Duration, NaiveDateTime};
use fupin_domain::dividend::allocate;
use fupin_domain::loan::{schedule, RepaymentMethod};
use fupin_domain::loan_lifecycle::LoanStatus;
use fupin_domain::member::{Health, Relation};
use fupin_domain::money::InsuranceLayer;
use fupin_persistence::entities::{DividendRow, EntityRow, LinkRow, RoundRow};
use fupin_persistence::households::HouseholdRow;
use fupin_persistence::loans::{InstalmentRow, LoanEventRow, LoanRow, RepaymentRow};
use fupin_persistence::members::MemberRow;
use fupin_persistence::subsidies::SubsidyRow;
use rand::rngs::SmallRng;
use rand::Rng;

use crate::figures::{
    day, new_id, Ledgers, DIVIDENDS_FEN, HEALTH_REIMBURSED_FEN, HEALTH_REIMBURSEMENTS, LOANS,
    SEEDED_BY,
};
use crate::households::pick;

/// Twenty microloans, all repaid on time: a 40,000-yuan one for a tofu workshop and nineteen
/// of 30,000 yuan; borrowers are heads aged 25 to 60 when they applied.
pub(crate) fn microloans(
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
            (LoanStatus::Applied, applied_on + offset),
            (
                LoanStatus::Approved,
                applied_on + offset + Duration::days(5),
            ),
            (LoanStatus::Disbursed, disbursed_on),
            (LoanStatus::Repaid, repaid_on),
        ]
        .into_iter()
        .enumerate()
        {
            ledgers.loan_events.push(LoanEventRow {
                loan_id: id.clone(),
                seq: i32::try_from(seq + 1).unwrap_or(0),
                status: status.as_str().to_owned(),
                occurred_on: on,
                reason: None,
                maturity_on: None,
                recorded_by: SEEDED_BY.to_owned(),
                created_at: now,
                recorded_by_id: None,
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
            status: LoanStatus::Repaid.as_str().to_owned(),
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
pub(crate) fn health_reimbursements(
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
            recorded_by_id: None,
        });
    }
}

/// A vegetable cooperative with shares held by 150 households, paying 721,000 yuan for 2018.
pub(crate) fn dividends(
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
