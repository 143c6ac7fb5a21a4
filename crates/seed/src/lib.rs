//! Synthetic registries: the demo district shaped like the article's Gaoling District, and
//! large ones for benchmarks. Every name and number is made up; every resident ID number is
//! valid. The same seed gives the same people.
//!
//! Generation only: the rows are written through `fupin-persistence`'s row types and schema.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fupin_persistence::households::HouseholdRow;
use fupin_persistence::members::MemberRow;
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::regions::RegionRow;
use fupin_persistence::schema;
use fupin_persistence::{DbConn, StoreError};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

mod bench;
mod figures;
mod households;
mod money;
mod regions;

pub use bench::load_bench;

use households::{add_family, household_with_head, IdNumbers};
use regions::{region, village_name};

/// The demo district's code (Gaoling District, Xi'an).
pub const DEMO_DISTRICT: &str = "610117000000";
const DEMO_TOWNS: [&str; 5] = ["鹿苑街道", "泾渭街道", "崇皇街道", "张卜街道", "通远街道"];
const DEMO_VILLAGES_PER_TOWN: [usize; 5] = [14, 13, 13, 13, 13];
const DEMO_HOUSEHOLDS: usize = 340;
const DEMO_PERSONS: usize = 606;

/// How many rows a seeding wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub regions: usize,
    pub households: usize,
    pub members: usize,
}

/// True when the demo district is already in the database.
pub fn demo_is_loaded(conn: &mut DbConn) -> Result<bool, StoreError> {
    let found: i64 = schema::regions::table
        .filter(schema::regions::code.eq(DEMO_DISTRICT))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// True when the database holds no region at all (a new database).
pub fn is_empty(conn: &mut DbConn) -> Result<bool, StoreError> {
    let found: i64 = schema::regions::table.count().get_result(conn)?;
    Ok(found == 0)
}

/// Loads the demo district (5 towns, 66 villages, 340 households, 606 persons) unless it is
/// there already. Call inside a transaction.
pub fn load_demo(
    conn: &mut DbConn,
    now: NaiveDateTime,
    keys: &PersonalDataKeys,
) -> Result<SeedSummary, StoreError> {
    if demo_is_loaded(conn)? {
        return Ok(SeedSummary::default());
    }
    let mut rng = SmallRng::seed_from_u64(610_117);
    let mut ids = IdNumbers::new(keys);
    let district = region(DEMO_DISTRICT, "高陵区", None, now);
    let mut region_rows = vec![district];
    let mut villages = Vec::new();
    for (town_index, (town_name, village_count)) in
        DEMO_TOWNS.iter().zip(DEMO_VILLAGES_PER_TOWN).enumerate()
    {
        let town_code = format!("610117{:03}000", town_index + 1);
        region_rows.push(region(&town_code, town_name, Some(DEMO_DISTRICT), now));
        for v in 0..village_count {
            let code = format!("{}{:03}", &town_code[..9], 201 + v);
            let name = village_name(&mut rng, &region_rows);
            region_rows.push(region(&code, &name, Some(&town_code), now));
            villages.push(code);
        }
    }
    // Eight key villages (≥ 10 poor households) take 88 households; the rest spread over the others.
    let mut per_village = vec![0usize; villages.len()];
    for count in per_village.iter_mut().take(8) {
        *count = 11;
    }
    let mut left = DEMO_HOUSEHOLDS - 88;
    while left > 0 {
        let index = rng.gen_range(8..villages.len());
        if per_village[index] < 8 {
            per_village[index] += 1;
            left -= 1;
        }
    }
    let mut household_rows = Vec::new();
    let mut member_rows = Vec::new();
    for (village, count) in villages.iter().zip(&per_village) {
        for seq in 1..=*count {
            let (household, head) = household_with_head(&mut rng, &mut ids, village, seq, now);
            member_rows.push(head);
            household_rows.push(household);
        }
    }
    add_family(
        &mut rng,
        &mut ids,
        &mut household_rows,
        &mut member_rows,
        DEMO_PERSONS - DEMO_HOUSEHOLDS - figures::PUPILS,
        now,
    );
    figures::add_pupils(
        &mut rng,
        &mut ids,
        &mut household_rows,
        &mut member_rows,
        now,
    );
    let exited = figures::mark_exits(&mut household_rows);
    let mut ledgers = figures::Ledgers::default();
    figures::exit_records(
        &mut rng,
        &household_rows,
        &member_rows,
        &exited,
        now,
        &mut ledgers,
    );
    money::microloans(&household_rows, &member_rows, now, &mut ledgers);
    money::health_reimbursements(&mut rng, &member_rows, now, &mut ledgers);
    money::dividends(&mut rng, &household_rows, now, &mut ledgers);
    insert_all(conn, &region_rows, &household_rows, &member_rows)?;
    figures::insert(conn, &ledgers)?;
    Ok(SeedSummary {
        regions: region_rows.len(),
        households: household_rows.len(),
        members: member_rows.len(),
    })
}

pub(crate) fn insert_all(
    conn: &mut DbConn,
    region_rows: &[RegionRow],
    household_rows: &[HouseholdRow],
    member_rows: &[MemberRow],
) -> Result<(), StoreError> {
    // Multi-row inserts do not go through the MultiConnection enum: write per backend.
    macro_rules! batch {
        ($c:expr) => {{
            for chunk in region_rows.chunks(500) {
                diesel::insert_into(schema::regions::table)
                    .values(chunk)
                    .execute($c)?;
            }
            for chunk in household_rows.chunks(500) {
                diesel::insert_into(schema::households::table)
                    .values(chunk)
                    .execute($c)?;
            }
            for chunk in member_rows.chunks(500) {
                diesel::insert_into(schema::members::table)
                    .values(chunk)
                    .execute($c)?;
            }
        }};
    }
    fupin_persistence::per_backend!(conn, c => batch!(c));
    Ok(())
}
