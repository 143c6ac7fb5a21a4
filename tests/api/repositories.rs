//! The persistence crate on the backend of this run: scope, uniqueness, seeding.

use chrono::{NaiveDate, Utc};
use fupin_domain::region::RegionCode;
use fupin_domain::resident_id::ResidentIdNumber;
use fupin_domain::scope::RegionScope;
use fupin_persistence::households::{self, HouseholdFilter};
use fupin_persistence::members::{self, MemberFilter};
use fupin_persistence::{in_transaction, regions, StoreError, UniqueRule};
use fupin_seed as seed;
use fupin_tests::{keys, TestDatabase};

fn scope(code: &str) -> RegionScope {
    RegionScope::Within(RegionCode::parse(code).unwrap())
}

#[test]
fn demo_seed_matches_the_article_and_is_idempotent() {
    let database = TestDatabase::create();
    let pool = database.pool();
    let mut conn = pool.get().unwrap();
    let now = Utc::now().naive_utc();
    let summary = in_transaction(&mut conn, |c| seed::load_demo(c, now, &keys())).unwrap();
    assert_eq!(
        (summary.regions, summary.households, summary.members),
        (72, 340, 606)
    );
    let again = in_transaction(&mut conn, |c| seed::load_demo(c, now, &keys())).unwrap();
    assert_eq!(again, seed::SeedSummary::default());

    let towns = regions::list(
        &mut conn,
        &RegionScope::Everything,
        &regions::RegionFilter {
            level: Some("town".into()),
            ..Default::default()
        },
        None,
        100,
    )
    .unwrap();
    assert_eq!(towns.len(), 5);
    let villages = regions::list(
        &mut conn,
        &RegionScope::Everything,
        &regions::RegionFilter {
            level: Some("village".into()),
            ..Default::default()
        },
        None,
        100,
    )
    .unwrap();
    assert_eq!(villages.len(), 66);

    let all = households::list(
        &mut conn,
        &RegionScope::Everything,
        &HouseholdFilter::default(),
        None,
        1000,
    )
    .unwrap();
    assert_eq!(all.len(), 340);
    assert_eq!(
        all.iter().map(|h| h.member_count as usize).sum::<usize>(),
        606
    );
    let key_villages = villages
        .iter()
        .filter(|v| all.iter().filter(|h| h.region_code == v.code).count() >= 10)
        .count();
    assert_eq!(key_villages, 8);

    let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let people = members::list(
        &mut conn,
        &RegionScope::Everything,
        &MemberFilter::default(),
        None,
        1000,
    )
    .unwrap();
    assert_eq!(people.len(), 606);
    for person in &people {
        let number = ResidentIdNumber::parse(
            &keys()
                .open(person.id_number_cipher.as_deref().unwrap())
                .unwrap(),
            today,
        )
        .expect("valid synthetic number");
        assert_eq!(number.birth_date(), person.birth_date);
        assert_eq!(number.sex().as_str(), person.sex);
    }
    let distinct: std::collections::HashSet<_> = people.iter().map(|p| &p.id_number_hmac).collect();
    assert_eq!(distinct.len(), 606);
}

#[test]
fn scope_limits_every_read() {
    let database = TestDatabase::create();
    let pool = database.pool();
    let mut conn = pool.get().unwrap();
    in_transaction(&mut conn, |c| {
        seed::load_demo(c, Utc::now().naive_utc(), &keys())
    })
    .unwrap();
    let village = "610117001201";
    let in_village = households::list(
        &mut conn,
        &scope(village),
        &HouseholdFilter::default(),
        None,
        1000,
    )
    .unwrap();
    assert!(!in_village.is_empty());
    assert!(in_village.iter().all(|h| h.region_code == village));
    let in_town = households::list(
        &mut conn,
        &scope("610117001000"),
        &HouseholdFilter::default(),
        None,
        1000,
    )
    .unwrap();
    assert!(in_town.len() > in_village.len());
    assert!(in_town
        .iter()
        .all(|h| h.region_code.starts_with("610117001")));

    let elsewhere = households::list(
        &mut conn,
        &scope("610117002000"),
        &HouseholdFilter::default(),
        None,
        1,
    )
    .unwrap();
    let outsider = &elsewhere[0].id;
    assert!(matches!(
        households::find(&mut conn, &scope(village), outsider),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        households::find_with_members(&mut conn, &scope(village), outsider),
        Err(StoreError::NotFound)
    ));
    let (household, people) =
        households::find_with_members(&mut conn, &RegionScope::Everything, outsider).unwrap();
    assert_eq!(people.len() as i32, household.member_count);
    assert!(people.iter().all(|m| m.household_id == household.id));

    let village_people = members::list(
        &mut conn,
        &scope(village),
        &MemberFilter::default(),
        None,
        1000,
    )
    .unwrap();
    assert!(village_people.iter().all(|m| m.region_code == village));
}

#[test]
fn unique_rules_are_reported_by_name() {
    let database = TestDatabase::create();
    let pool = database.pool();
    let mut conn = pool.get().unwrap();
    in_transaction(&mut conn, |c| {
        seed::load_demo(c, Utc::now().naive_utc(), &keys())
    })
    .unwrap();
    let existing = households::list(
        &mut conn,
        &RegionScope::Everything,
        &HouseholdFilter::default(),
        None,
        1,
    )
    .unwrap();
    let mut copy = existing[0].clone();
    copy.id = uuid::Uuid::now_v7().to_string();
    let error = in_transaction(&mut conn, |c| households::insert(c, &copy)).unwrap_err();
    assert!(
        matches!(error, StoreError::Unique(UniqueRule::HouseholdNumber)),
        "{error:?}"
    );

    let person = members::list(
        &mut conn,
        &RegionScope::Everything,
        &MemberFilter::default(),
        None,
        1,
    )
    .unwrap();
    let mut twin = person[0].clone();
    twin.id = uuid::Uuid::now_v7().to_string();
    twin.relation = "son".into();
    let error = in_transaction(&mut conn, |c| members::insert(c, &twin)).unwrap_err();
    assert!(
        matches!(error, StoreError::Unique(UniqueRule::CurrentResidentId)),
        "{error:?}"
    );

    let mut second_head = person[0].clone();
    second_head.id = uuid::Uuid::now_v7().to_string();
    second_head.id_number_hmac = Some(keys().id_number_hash("11010519491231002X"));
    second_head.relation = "head".into();
    let error = in_transaction(&mut conn, |c| members::insert(c, &second_head)).unwrap_err();
    assert!(
        matches!(error, StoreError::Unique(UniqueRule::CurrentHead)),
        "{error:?}"
    );

    let region = regions::list(
        &mut conn,
        &RegionScope::Everything,
        &Default::default(),
        None,
        1,
    )
    .unwrap();
    let mut dup = region[0].clone();
    dup.id = uuid::Uuid::now_v7().to_string();
    let error = in_transaction(&mut conn, |c| regions::insert(c, &dup)).unwrap_err();
    assert!(
        matches!(error, StoreError::Unique(UniqueRule::RegionCode)),
        "{error:?}"
    );
}

#[test]
fn a_failed_unit_of_work_leaves_nothing_behind() {
    let database = TestDatabase::create();
    let pool = database.pool();
    let mut conn = pool.get().unwrap();
    let result: Result<(), StoreError> = in_transaction(&mut conn, |c| {
        seed::load_demo(c, Utc::now().naive_utc(), &keys())?;
        Err(StoreError::NotFound)
    });
    assert!(result.is_err());
    assert!(seed::is_empty(&mut conn).unwrap());
}

#[test]
fn resealing_moves_data_to_new_keys_and_keeps_lookups_working() {
    use base64::Engine;
    use fupin_persistence::personal_data::{PersonalDataKeys, DEMO_DATA_KEYS};
    let database = TestDatabase::create();
    let pool = database.pool();
    let mut conn = pool.get().unwrap();
    in_transaction(&mut conn, |c| {
        seed::load_demo(c, Utc::now().naive_utc(), &keys())
    })
    .unwrap();
    let new_key = base64::engine::general_purpose::STANDARD.encode([42u8; 32]);
    let new_lookup = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let rotated =
        PersonalDataKeys::parse(&format!("k2:{new_key},{DEMO_DATA_KEYS}"), &new_lookup).unwrap();
    let summary = in_transaction(&mut conn, |c| {
        fupin_persistence::reseal::reseal_all(c, &rotated)
    })
    .unwrap();
    assert_eq!(summary.members, 606);
    let only_new = PersonalDataKeys::parse(&format!("k2:{new_key}"), &new_lookup).unwrap();
    let people = members::list(
        &mut conn,
        &RegionScope::Everything,
        &MemberFilter::default(),
        None,
        1000,
    )
    .unwrap();
    let number = only_new
        .open(people[0].id_number_cipher.as_deref().unwrap())
        .unwrap();
    let holder =
        members::current_holder_of(&mut conn, &only_new.id_number_hash(&number), None).unwrap();
    assert_eq!(holder.unwrap().member_id, people[0].id);
}
