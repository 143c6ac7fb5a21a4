//! Tests of the rules about members.

use super::*;
use crate::resident_id;

#[test]
fn resident_id_check_names_the_expected_check_character() {
    let mut h = good_household();
    let number = h.members[1].id_number.clone();
    let expected = number.chars().last().unwrap();
    let wrong = if expected == '0' { '1' } else { '0' };
    h.members[1].id_number = format!("{}{wrong}", &number[..17]);
    let f = only(&h, ids::RESIDENT_ID_CHECK, &["m2"]);
    assert_eq!(f[0].entity_type, entity::MEMBER);
    assert_eq!(
        f[0].message_en,
        format!(
            "ID number {}: check character should be {expected}",
            mask_id_number(&h.members[1].id_number)
        )
    );
    assert!(f[0].message_zh.contains("校验位"));
}

#[test]
fn resident_id_check_covers_malformed_impossible_future_and_left_members() {
    let mut h = good_household();
    h.members[4].id_number = "61011719950404".into();
    let f = only(&h, ids::RESIDENT_ID_CHECK, &["m5"]);
    assert!(f[0].message_en.contains("not 17 digits"));

    h.members[4].id_number = String::new();
    let f = only(&h, ids::RESIDENT_ID_CHECK, &["m5"]);
    assert!(f[0].message_en.contains("(empty)"));
    assert!(f[0].message_zh.contains("（空）"));

    let first = "61011720000230001";
    h.members[4].id_number = format!("{first}{}", resident_id::check_character(first));
    let f = only(&h, ids::RESIDENT_ID_CHECK, &["m5"]);
    assert!(f[0].message_en.contains("not a real date"));

    let mut h = good_household();
    h.members[2].id_number = compose("610117", d(2019, 9, 2), 1, Sex::Male);
    let f = only(&h, ids::RESIDENT_ID_CHECK, &["m3"]);
    assert!(f[0].message_en.contains("after 2019-09-01"));
}

#[test]
fn id_birth_sex_mismatch_reports_each_mismatch() {
    let mut h = good_household();
    h.members[0].sex = Sex::Female;
    let f = only(&h, ids::ID_BIRTH_SEX_MISMATCH, &["m1"]);
    assert!(f[0].message_en.starts_with("sex on record is female"));
    assert!(f[0].message_en.contains("character 17 is odd"));

    let mut h = good_household();
    h.members[0].birth_date = d(1968, 5, 18);
    let f = only(&h, ids::ID_BIRTH_SEX_MISMATCH, &["m1"]);
    assert!(f[0].message_en.contains("characters 7-14"));

    h.members[0].sex = Sex::Female;
    only(&h, ids::ID_BIRTH_SEX_MISMATCH, &["m1", "m1"]);
}

#[test]
fn one_person_current_in_two_households_is_reported_on_every_row() {
    let rows = [
        ("p1", "m1", "h1"),
        ("p2", "m2", "h1"),
        ("p1", "m9", "h2"),
        ("", "m7", "h3"),
        ("", "m8", "h4"),
    ];
    let f = people_in_two_households(rows);
    assert_eq!(
        f.iter().map(|f| f.entity_id.as_str()).collect::<Vec<_>>(),
        ["m1", "m9"]
    );
    assert!(f
        .iter()
        .all(|f| f.rule == ids::PERSON_IN_TWO_HOUSEHOLDS && f.entity_type == entity::MEMBER));
    assert!(f[0].message_en.contains("household h2 (member m9)"));
    assert!(f[1].message_zh.contains("户h1（成员m1）"));
    assert!(!f[0].message_en.contains("p1"));

    let twice = people_in_two_households([("p1", "m1", "h1"), ("p1", "m2", "h1")]);
    assert_eq!(twice.len(), 2);
    assert!(twice[0].message_en.contains("this household (member m2)"));

    assert!(people_in_two_households([("p1", "m1", "h1"), ("p2", "m2", "h2")]).is_empty());
    assert!(people_in_two_households(Vec::new()).is_empty());
}

#[test]
fn head_count_needs_exactly_one_current_head() {
    let mut h = good_household();
    h.members[0].relation = Relation::Other;
    let f = only(&h, ids::HEAD_COUNT, &["h1"]);
    assert!(f[0].message_en.contains("no current member is the head"));

    let mut h = good_household();
    h.members[1].relation = Relation::Head;
    let f = only(&h, ids::HEAD_COUNT, &["h1"]);
    assert!(f[0]
        .message_en
        .starts_with("2 current members are recorded as head (m1, m2)"));

    // A head who left no longer counts.
    let mut h = good_household();
    h.members[4].relation = Relation::Head;
    quiet(&h);
}

#[test]
fn a_household_whose_members_all_left_has_no_current_members() {
    let mut h = good_household();
    for m in &mut h.members {
        m.left_on.get_or_insert(d(2019, 8, 31));
    }
    let f = only(&h, ids::NO_CURRENT_MEMBERS, &["h1"]);
    assert!(f[0].message_en.contains("5 recorded"));
    // Leaving after today means still current.
    let mut h = good_household();
    h.members[0].left_on = Some(d(2019, 9, 2));
    quiet(&h);
}

#[test]
fn school_age_children_out_of_school_are_flagged_unless_exempt() {
    let mut h = good_household();
    h.members[2].schooling = SchoolingStatus::DroppedOut;
    let f = only(&h, ids::SCHOOL_AGE_NOT_IN_SCHOOL, &["m3"]);
    assert!(f[0]
        .message_en
        .starts_with("aged 11 on 2019-09-01 and schooling is dropped_out"));

    h.members[2].disability = Disability::Grade2;
    quiet(&h);
    h.members[2].disability = Disability::Grade3;
    only(&h, ids::SCHOOL_AGE_NOT_IN_SCHOOL, &["m3"]);
    h.members[2].disability = Disability::None;

    h.members[2].schooling = SchoolingStatus::NotInSchool;
    for (birth, flagged) in [
        (age_on_today(6), true),
        (age_on_today(6).succ_opt().unwrap(), false),
        (age_on_today(16).succ_opt().unwrap(), true),
        (age_on_today(16), false),
    ] {
        h.members[2].birth_date = birth;
        h.members[2].id_number = compose("610117", birth, 7, Sex::Male);
        let findings = check(&h);
        let schooling = findings
            .iter()
            .any(|f| f.rule == ids::SCHOOL_AGE_NOT_IN_SCHOOL);
        assert_eq!(schooling, flagged, "{birth}: {findings:#?}");
    }

    let mut h = good_household();
    h.members[2].schooling = SchoolingStatus::Preschool;
    quiet(&h);
    h.members[2].schooling = SchoolingStatus::DroppedOut;
    h.members[2].left_on = Some(d(2019, 1, 1));
    quiet(&h);
}

#[test]
fn labour_ability_must_fit_age() {
    let cases = [
        (15, LabourAbility::None, false),
        (15, LabourAbility::Weak, true),
        (0, LabourAbility::Lost, true),
        (16, LabourAbility::None, true),
        (16, LabourAbility::Ordinary, false),
        (40, LabourAbility::Lost, false),
        (65, LabourAbility::None, true),
        (65, LabourAbility::Skilled, false),
        (66, LabourAbility::None, false),
        (66, LabourAbility::Weak, false),
        (66, LabourAbility::Lost, false),
        (66, LabourAbility::Ordinary, true),
        (80, LabourAbility::Skilled, true),
    ];
    for (age, ability, flagged) in cases {
        let mut h = good_household();
        let birth = age_on_today(age);
        let mut m = member("m9", Relation::Other, Sex::Female, birth, ability);
        if (6..=15).contains(&age) {
            m.schooling = SchoolingStatus::JuniorSecondary;
        }
        h.members.push(m);
        if flagged {
            let f = only(&h, ids::LABOUR_ABILITY_AGE, &["m9"]);
            assert!(
                f[0].message_en
                    .starts_with(&format!("aged {age} and labour ability is {ability}")),
                "{f:#?}"
            );
        } else {
            quiet(&h);
        }
    }
    // Members who left are not checked.
    let mut h = good_household();
    h.members[4].labour_ability = LabourAbility::None;
    quiet(&h);
}
