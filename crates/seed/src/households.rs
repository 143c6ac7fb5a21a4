//! Households and their members: names, resident ID numbers, the head of each household and
//! the family added around them.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use fupin_domain::household::{Attribute, HouseholdStatus, PovertyCause};
use fupin_domain::member::{
    Disability, Education, Employment, Health, LabourAbility, Relation, SchoolingStatus, Sex,
};
use fupin_domain::resident_id::compose;
use fupin_persistence::households::HouseholdRow;
use fupin_persistence::members::MemberRow;
use fupin_persistence::personal_data::PersonalDataKeys;
use rand::rngs::SmallRng;
use rand::Rng;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: &[&str] = &[
    "建", "国", "军", "民", "秀", "英", "华", "兰", "明", "芳", "伟", "丽", "强", "敏", "静", "平",
    "刚", "红", "文", "霞", "福", "春", "志", "海", "玉", "梅", "林", "峰", "宁", "娟",
];

pub(crate) fn person_name(rng: &mut SmallRng, surname: Option<&str>) -> String {
    let surname = surname.unwrap_or_else(|| SURNAMES[rng.gen_range(0..SURNAMES.len())]);
    let first = GIVEN[rng.gen_range(0..GIVEN.len())];
    if rng.gen_bool(0.6) {
        format!("{surname}{first}{}", GIVEN[rng.gen_range(0..GIVEN.len())])
    } else {
        format!("{surname}{first}")
    }
}

/// Hands out unique, valid resident ID numbers, and seals personal data with the keys.
pub(crate) struct IdNumbers<'k> {
    seen: HashSet<String>,
    pub(crate) keys: &'k PersonalDataKeys,
}

impl<'k> IdNumbers<'k> {
    pub(crate) fn new(keys: &'k PersonalDataKeys) -> Self {
        Self {
            seen: HashSet::new(),
            keys,
        }
    }

    pub(crate) fn next(&mut self, rng: &mut SmallRng, birth: NaiveDate, sex: Sex) -> String {
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

pub(crate) fn birth_between(rng: &mut SmallRng, oldest: i32, youngest: i32) -> NaiveDate {
    let year = rng.gen_range(oldest..=youngest);
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    start + Duration::days(rng.gen_range(0..365))
}

pub(crate) fn pick<T: Copy>(rng: &mut SmallRng, weighted: &[(T, u32)]) -> T {
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

pub(crate) fn household_with_head(
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
        exit_recorded_as_history: false,
    };
    (household, head)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn member(
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
pub(crate) fn add_family(
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
