//! Synthetic registries: the demo district shaped like the article's Gaoling District, and
//! large ones for benchmarks. Every name and number is made up; every resident ID number is
//! valid. The same seed gives the same people.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use fupin_domain::household::{Attribute, HouseholdStatus, PovertyCause};
use fupin_domain::member::{
    Disability, Education, Employment, Health, LabourAbility, Relation, SchoolingStatus, Sex,
};
use fupin_domain::region::RegionLevel;
use fupin_domain::resident_id::compose;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::households::HouseholdRow;
use crate::members::MemberRow;
use crate::personal_data::PersonalDataKeys;
use crate::regions::RegionRow;
use crate::schema::{households, members, regions};

mod figures;

/// The demo district's code (Gaoling District, Xi'an).
pub const DEMO_DISTRICT: &str = "610117000000";
const DEMO_TOWNS: [&str; 5] = ["鹿苑街道", "泾渭街道", "崇皇街道", "张卜街道", "通远街道"];
const DEMO_VILLAGES_PER_TOWN: [usize; 5] = [14, 13, 13, 13, 13];
const DEMO_HOUSEHOLDS: usize = 340;
const DEMO_PERSONS: usize = 606;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: &[&str] = &[
    "建", "国", "军", "民", "秀", "英", "华", "兰", "明", "芳", "伟", "丽", "强", "敏", "静", "平",
    "刚", "红", "文", "霞", "福", "春", "志", "海", "玉", "梅", "林", "峰", "宁", "娟",
];
const VILLAGE_SYLLABLES: &[&str] = &[
    "东", "西", "南", "北", "马", "杨", "张", "樊", "家", "寨", "堡", "庄", "渠", "坡", "湾", "河",
    "新", "井", "槐", "柳",
];

/// How many rows a seeding wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub regions: usize,
    pub households: usize,
    pub members: usize,
}

/// True when the demo district is already in the database.
pub fn demo_is_loaded(conn: &mut DbConn) -> Result<bool, StoreError> {
    let found: i64 = regions::table
        .filter(regions::code.eq(DEMO_DISTRICT))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// True when the database holds no region at all (a new database).
pub fn is_empty(conn: &mut DbConn) -> Result<bool, StoreError> {
    let found: i64 = regions::table.count().get_result(conn)?;
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
    figures::microloans(&household_rows, &member_rows, now, &mut ledgers);
    figures::health_reimbursements(&mut rng, &member_rows, now, &mut ledgers);
    figures::dividends(&mut rng, &household_rows, now, &mut ledgers);
    insert_all(conn, &region_rows, &household_rows, &member_rows)?;
    figures::insert(conn, &ledgers)?;
    Ok(SeedSummary {
        regions: region_rows.len(),
        households: household_rows.len(),
        members: member_rows.len(),
    })
}

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
        crate::in_transaction(conn, |conn| {
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

fn region(code: &str, name: &str, parent: Option<&str>, now: NaiveDateTime) -> RegionRow {
    let level = match (&code[6..9], &code[9..]) {
        ("000", _) => RegionLevel::District,
        (_, "000") => RegionLevel::Town,
        _ => RegionLevel::Village,
    };
    RegionRow {
        id: uuid::Uuid::now_v7().to_string(),
        code: code.to_owned(),
        name: name.to_owned(),
        level: level.as_str().to_owned(),
        parent_code: parent.map(str::to_owned),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

fn village_name(rng: &mut SmallRng, taken: &[RegionRow]) -> String {
    loop {
        let a = VILLAGE_SYLLABLES[rng.gen_range(0..VILLAGE_SYLLABLES.len())];
        let b = VILLAGE_SYLLABLES[rng.gen_range(0..VILLAGE_SYLLABLES.len())];
        let name = format!("{a}{b}村");
        if a != b && !taken.iter().any(|r| r.name == name) {
            return name;
        }
    }
}

fn person_name(rng: &mut SmallRng, surname: Option<&str>) -> String {
    let surname = surname.unwrap_or_else(|| SURNAMES[rng.gen_range(0..SURNAMES.len())]);
    let first = GIVEN[rng.gen_range(0..GIVEN.len())];
    if rng.gen_bool(0.6) {
        format!("{surname}{first}{}", GIVEN[rng.gen_range(0..GIVEN.len())])
    } else {
        format!("{surname}{first}")
    }
}

/// Hands out unique, valid resident ID numbers, and seals personal data with the keys.
struct IdNumbers<'k> {
    seen: HashSet<String>,
    keys: &'k PersonalDataKeys,
}

impl<'k> IdNumbers<'k> {
    fn new(keys: &'k PersonalDataKeys) -> Self {
        Self {
            seen: HashSet::new(),
            keys,
        }
    }

    fn next(&mut self, rng: &mut SmallRng, birth: NaiveDate, sex: Sex) -> String {
        let mut sequence: u16 = rng.gen_range(0..500);
        loop {
            let number = compose("610117", birth, sequence, sex);
            if self.seen.insert(number.clone()) {
                return number;
            }
            sequence = (sequence + 1) % 500;
        }
    }
}

fn birth_between(rng: &mut SmallRng, oldest: i32, youngest: i32) -> NaiveDate {
    let year = rng.gen_range(oldest..=youngest);
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    start + Duration::days(rng.gen_range(0..365))
}

fn pick<T: Copy>(rng: &mut SmallRng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total);
    for (value, weight) in weighted {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    weighted[0].0
}

fn household_with_head(
    rng: &mut SmallRng,
    ids: &mut IdNumbers<'_>,
    village: &str,
    seq: usize,
    now: NaiveDateTime,
) -> (HouseholdRow, MemberRow) {
    use PovertyCause::*;
    let attribute = pick(
        rng,
        &[
            (Attribute::General, 60),
            (Attribute::LowIncome, 30),
            (Attribute::DestituteSupported, 10),
        ],
    );
    let main_cause = pick(
        rng,
        &[
            (Illness, 35),
            (Disability, 20),
            (LackOfLabour, 10),
            (Schooling, 8),
            (LackOfSkills, 8),
            (LackOfFunds, 7),
            (Disaster, 3),
            (LackOfLand, 3),
            (LackOfWater, 1),
            (PoorTransport, 1),
            (LackOfDrive, 3),
            (Other, 1),
        ],
    );
    let other = pick(
        rng,
        &[
            (None, 50),
            (Some(LackOfFunds), 20),
            (Some(LackOfSkills), 20),
            (Some(LackOfLabour), 10),
        ],
    )
    .filter(|c| *c != main_cause);
    let sex = if rng.gen_bool(0.75) {
        Sex::Male
    } else {
        Sex::Female
    };
    let birth = birth_between(rng, 1940, 1990);
    let id = uuid::Uuid::now_v7().to_string();
    let name = person_name(rng, None);
    let health = match main_cause {
        Illness => Health::SeriousIllness,
        Disability => Health::Disabled,
        _ => Health::Healthy,
    };
    let head = member(
        rng,
        ids,
        &id,
        village,
        name.clone(),
        sex,
        birth,
        Relation::Head,
        health,
        now,
    );
    let household = HouseholdRow {
        id,
        county_code: village[..6].to_owned(),
        region_code: village.to_owned(),
        household_number: format!("{village}{seq:04}"),
        head_name: name,
        phone_cipher: rng
            .gen_bool(0.8)
            .then(|| {
                format!(
                    "1{}{:09}",
                    rng.gen_range(3..=9),
                    rng.gen_range(0..1_000_000_000u32)
                )
            })
            .and_then(|phone| ids.keys.seal(&phone).ok()),
        address: format!("{}组{}号", rng.gen_range(1..=9), rng.gen_range(1..=80)),
        attribute: attribute.as_str().to_owned(),
        main_cause: main_cause.as_str().to_owned(),
        other_cause_1: other.map(|c| c.as_str().to_owned()),
        other_cause_2: None,
        identified_year: rng.gen_range(2014..=2016),
        status: HouseholdStatus::NotExited.as_str().to_owned(),
        member_count: 1,
        version: 1,
        created_at: now,
        updated_at: now,
        exit_stage: "none".to_owned(),
        exit_year: None,
        notice_started_on: None,
        monitoring_kind: None,
        monitoring_risk: None,
        monitoring_since: None,
        kind: "registered".to_owned(),
    };
    (household, head)
}

#[allow(clippy::too_many_arguments)]
fn member(
    rng: &mut SmallRng,
    ids: &mut IdNumbers<'_>,
    household_id: &str,
    village: &str,
    name: String,
    sex: Sex,
    birth: NaiveDate,
    relation: Relation,
    health: Health,
    now: NaiveDateTime,
) -> MemberRow {
    let age = now.year() - birth.year();
    let (education, schooling, labour, employment) = match age {
        0..=5 => (
            Education::Preschool,
            SchoolingStatus::Preschool,
            LabourAbility::None,
            Employment::NotApplicable,
        ),
        6..=11 => (
            Education::Primary,
            SchoolingStatus::Primary,
            LabourAbility::None,
            Employment::NotApplicable,
        ),
        12..=14 => (
            Education::JuniorSecondary,
            SchoolingStatus::JuniorSecondary,
            LabourAbility::None,
            Employment::NotApplicable,
        ),
        15..=17 => (
            Education::JuniorSecondary,
            SchoolingStatus::SeniorSecondary,
            LabourAbility::None,
            Employment::NotApplicable,
        ),
        18..=59 => (
            pick(
                rng,
                &[
                    (Education::Primary, 30),
                    (Education::JuniorSecondary, 50),
                    (Education::SeniorSecondary, 20),
                ],
            ),
            SchoolingStatus::NotInSchool,
            if health == Health::Healthy {
                LabourAbility::Ordinary
            } else {
                LabourAbility::Weak
            },
            pick(
                rng,
                &[
                    (Employment::LocalWork, 35),
                    (Employment::MigrantWork, 20),
                    (Employment::Farming, 25),
                    (Employment::PublicWelfarePost, 10),
                    (Employment::SelfEmployed, 5),
                    (Employment::Unemployed, 5),
                ],
            ),
        ),
        _ => (
            Education::Illiterate,
            SchoolingStatus::NotInSchool,
            LabourAbility::Lost,
            Employment::NotApplicable,
        ),
    };
    let id_number = ids.next(rng, birth, sex);
    MemberRow {
        id: uuid::Uuid::now_v7().to_string(),
        household_id: household_id.to_owned(),
        county_code: village[..6].to_owned(),
        region_code: village.to_owned(),
        name,
        id_number_cipher: ids.keys.seal(&id_number).ok(),
        id_number_hmac: Some(ids.keys.id_number_hash(&id_number)),
        sex: sex.as_str().to_owned(),
        birth_date: birth,
        relation: relation.as_str().to_owned(),
        ethnicity: "汉族".to_owned(),
        education: education.as_str().to_owned(),
        schooling: schooling.as_str().to_owned(),
        health: health.as_str().to_owned(),
        disability: if health == Health::Disabled {
            Disability::Grade3
        } else {
            Disability::None
        }
        .as_str()
        .to_owned(),
        labour_ability: labour.as_str().to_owned(),
        employment: employment.as_str().to_owned(),
        basic_medical_insurance: true,
        critical_illness_insurance: true,
        pension_insurance: age >= 16,
        left_on: None,
        leave_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// Adds `extra` spouses, children and parents across the households, most to general ones.
fn add_family(
    rng: &mut SmallRng,
    ids: &mut IdNumbers<'_>,
    household_rows: &mut [HouseholdRow],
    member_rows: &mut Vec<MemberRow>,
    extra: usize,
    now: NaiveDateTime,
) {
    let heads: Vec<(Sex, NaiveDate, String)> = member_rows
        .iter()
        .map(|m| {
            (
                if m.sex == "male" {
                    Sex::Male
                } else {
                    Sex::Female
                },
                m.birth_date,
                m.name.chars().take(1).collect(),
            )
        })
        .collect();
    let mut added = 0;
    while added < extra {
        let index = rng.gen_range(0..household_rows.len());
        let household = &mut household_rows[index];
        if household.attribute == Attribute::DestituteSupported.as_str()
            || household.member_count >= 6
        {
            continue;
        }
        let (head_sex, head_birth, surname) = &heads[index];
        let (relation, sex, birth, name) = match household.member_count {
            1 => {
                let sex = if *head_sex == Sex::Male {
                    Sex::Female
                } else {
                    Sex::Male
                };
                let birth = birth_between(
                    rng,
                    head_birth.year() - 3,
                    (head_birth.year() + 3).min(2000),
                );
                (Relation::Spouse, sex, birth, person_name(rng, None))
            }
            _ => {
                let sex = if rng.gen_bool(0.5) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let oldest = (head_birth.year() + 20).min(2024);
                let youngest = (head_birth.year() + 40).clamp(oldest, 2024);
                // Pupils of compulsory-school age are added apart, to match the article.
                let mut birth = birth_between(rng, oldest, youngest);
                for _ in 0..50 {
                    if !(6..=15).contains(&(now.year() - birth.year())) {
                        break;
                    }
                    birth = birth_between(rng, oldest, youngest);
                }
                if (6..=15).contains(&(now.year() - birth.year())) {
                    birth = birth_between(rng, now.year() - 3, now.year() - 2);
                }
                let relation = if sex == Sex::Male {
                    Relation::Son
                } else {
                    Relation::Daughter
                };
                (relation, sex, birth, person_name(rng, Some(surname)))
            }
        };
        let row = member(
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
        );
        member_rows.push(row);
        household.member_count += 1;
        added += 1;
    }
}

fn insert_all(
    conn: &mut DbConn,
    region_rows: &[RegionRow],
    household_rows: &[HouseholdRow],
    member_rows: &[MemberRow],
) -> Result<(), StoreError> {
    // Multi-row inserts do not go through the MultiConnection enum: write per backend.
    macro_rules! batch {
        ($c:expr) => {{
            for chunk in region_rows.chunks(500) {
                diesel::insert_into(regions::table)
                    .values(chunk)
                    .execute($c)?;
            }
            for chunk in household_rows.chunks(500) {
                diesel::insert_into(households::table)
                    .values(chunk)
                    .execute($c)?;
            }
            for chunk in member_rows.chunks(500) {
                diesel::insert_into(members::table)
                    .values(chunk)
                    .execute($c)?;
            }
        }};
    }
    crate::per_backend!(conn, c => batch!(c));
    Ok(())
}
