//! Benchmark counties: 20 towns of 25 villages and as many households as asked for.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::{in_transaction, DbConn, StoreError};
use rand::rngs::SmallRng;
use rand::SeedableRng;

use crate::households::{add_family, household_with_head, IdNumbers};
use crate::regions::region;
use crate::{insert_all, SeedSummary};

/// Loads a benchmark county `county` (6 digits) with `households` households of about three
/// members each, in batches; `progress` hears after each batch.
pub fn load_bench(
    conn: &mut DbConn,
    county: &str,
    household_count: usize,
    now: NaiveDateTime,
    keys: &PersonalDataKeys,
    mut progress: impl FnMut(usize),
) -> Result<SeedSummary, StoreError> {
    let mut rng = SmallRng::seed_from_u64(u64::from(county.bytes().map(u32::from).sum::<u32>()));
    let mut ids = IdNumbers::new(keys);
    let district = format!("{county}000000");
    let mut region_rows = vec![region(&district, "基准测试区", None, now)];
    let mut villages = Vec::new();
    for town in 1..=20 {
        let town_code = format!("{county}{town:03}000");
        region_rows.push(region(
            &town_code,
            &format!("测试街道{town}"),
            Some(&district),
            now,
        ));
        for v in 0..25 {
            let code = format!("{county}{town:03}{:03}", 201 + v);
            region_rows.push(region(
                &code,
                &format!("测试村{town}-{v}"),
                Some(&town_code),
                now,
            ));
            villages.push(code);
        }
    }
    insert_all(conn, &region_rows, &[], &[])?;
    let mut written = SeedSummary {
        regions: region_rows.len(),
        ..SeedSummary::default()
    };
    let batch = 1000;
    let mut start = 0;
    while start < household_count {
        let end = (start + batch).min(household_count);
        let mut household_rows = Vec::with_capacity(end - start);
        let mut member_rows = Vec::with_capacity((end - start) * 3);
        for n in start..end {
            let village = &villages[n % villages.len()];
            let (household, head) =
                household_with_head(&mut rng, &mut ids, village, n / villages.len() + 1, now);
            member_rows.push(head);
            household_rows.push(household);
        }
        let extra = household_rows.len() * 2;
        add_family(
            &mut rng,
            &mut ids,
            &mut household_rows,
            &mut member_rows,
            extra,
            now,
        );
        in_transaction(conn, |conn| {
            insert_all(conn, &[], &household_rows, &member_rows)
        })?;
        written.households += household_rows.len();
        written.members += member_rows.len();
        progress(written.households);
        start = end;
    }
    // Fresh statistics, so the planners choose the (region_code, id) index for list pages.
    conn.batch_execute("ANALYZE")?;
    Ok(written)
}
