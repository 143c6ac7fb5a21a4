use std::collections::HashSet;

use super::*;
use crate::resident_id::compose;

mod member_rules;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn settings() -> CheckSettings {
    CheckSettings {
        today: d(2019, 9, 1),
        year: 2019,
        loan_cap_fen: 5_000_000,
        loan_policies: vec![],
    }
}

fn member(
    id: &str,
    relation: Relation,
    sex: Sex,
    birth: NaiveDate,
    labour_ability: LabourAbility,
) -> MemberFacts {
    MemberFacts {
        id: id.into(),
        id_number: compose("610117", birth, 7, sex),
        sex,
        birth_date: birth,
        relation,
        schooling: SchoolingStatus::NotInSchool,
        disability: Disability::None,
        labour_ability,
        left_on: None,
    }
}

/// A household that breaks no rule; each test changes one thing.
fn good_household() -> HouseholdFacts {
    let mut child = member(
        "m3",
        Relation::Son,
        Sex::Male,
        d(2008, 1, 1),
        LabourAbility::None,
    );
    child.schooling = SchoolingStatus::Primary;
    let mut left = member(
        "m5",
        Relation::Daughter,
        Sex::Female,
        d(1995, 4, 4),
        LabourAbility::Ordinary,
    );
    left.left_on = Some(d(2018, 6, 1));
    HouseholdFacts {
        id: "h1".into(),
        region_is_village: true,
        attribute: Attribute::LowIncome,
        main_cause: Some(PovertyCause::Illness),
        other_causes: vec![PovertyCause::LackOfFunds],
        exited_on: Some(d(2018, 12, 20)),
        exit_year: Some(2018),
        phone: Some("13812345678".into()),
        members: vec![
            member(
                "m1",
                Relation::Head,
                Sex::Male,
                d(1968, 5, 17),
                LabourAbility::Ordinary,
            ),
            member(
                "m2",
                Relation::Spouse,
                Sex::Female,
                d(1970, 3, 2),
                LabourAbility::Weak,
            ),
            child,
            member(
                "m4",
                Relation::Mother,
                Sex::Female,
                d(1945, 2, 2),
                LabourAbility::None,
            ),
            left,
        ],
        exit_year_income_per_capita_fen: Some(660_000),
        exit_year_poverty_line_fen: Some(301_500),
        assessments: vec![
            AssessmentFacts {
                assessed_on: d(2018, 5, 1),
                passed: false,
            },
            AssessmentFacts {
                assessed_on: d(2018, 11, 1),
                passed: true,
            },
        ],
        minimum_allowance_entries_in_year: 2,
        loans: vec![LoanFacts {
            id: "l1".into(),
            borrower_birth_date: d(1968, 5, 17),
            applied_on: d(2018, 3, 1),
            outstanding_principal_fen: 4_000_000,
            overdue: false,
        }],
        dividends: vec![DividendFacts {
            entry_id: "d1".into(),
            record_date: d(2019, 6, 30),
            linked_on_record_date: true,
        }],
        member_payments: vec![
            MemberPaymentFacts {
                entry_id: "s1".into(),
                member_id: "m1".into(),
                paid_on: d(2019, 5, 1),
            },
            MemberPaymentFacts {
                entry_id: "s2".into(),
                member_id: "m5".into(),
                paid_on: d(2018, 6, 1),
            },
        ],
    }
}

fn check(h: &HouseholdFacts) -> Vec<Finding> {
    check_household(h, &settings())
}

/// The findings of a household that should break exactly `rule`, once per entity id given.
fn only(h: &HouseholdFacts, rule: &str, entities: &[&str]) -> Vec<Finding> {
    let findings = check(h);
    assert!(
        findings.iter().all(|f| f.rule == rule),
        "expected only {rule}: {findings:#?}"
    );
    let ids: Vec<&str> = findings.iter().map(|f| f.entity_id.as_str()).collect();
    assert_eq!(ids, entities, "{findings:#?}");
    findings
}

fn quiet(h: &HouseholdFacts) {
    assert_eq!(check(h), vec![]);
}

fn age_on_today(years: i32) -> NaiveDate {
    // Born on the check date `years` years ago: exactly that age today.
    d(2019 - years, 9, 1)
}

#[test]
fn the_good_household_has_no_findings() {
    quiet(&good_household());
}

#[test]
fn rules_have_unique_snake_case_ids_and_names() {
    let mut seen = HashSet::new();
    for r in RULES {
        assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
        assert!(
            r.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{}",
            r.id
        );
        assert!(!r.name_zh.is_empty() && !r.name_en.is_empty() && !r.description.is_empty());
        assert_eq!(rule(r.id), Some(r));
    }
    assert_eq!(RULES.len(), 19);
    assert_eq!(rule("nope"), None);
    assert_eq!(rule(ids::LOAN_OVERDUE).unwrap().severity, Severity::Warning);
    assert_eq!(rule(ids::CAUSES).unwrap().severity, Severity::Error);
    assert_eq!(Severity::Error.as_str(), "error");
    assert_eq!("warning".parse::<Severity>(), Ok(Severity::Warning));
}

#[test]
fn causes_need_a_main_one_and_at_most_two_distinct_others() {
    use PovertyCause::*;
    let mut h = good_household();
    h.main_cause = None;
    let f = only(&h, ids::CAUSES, &["h1"]);
    assert!(f[0].message_en.contains("no main poverty cause"));

    h.other_causes = vec![LackOfFunds, LackOfSkills, Disaster];
    let f = only(&h, ids::CAUSES, &["h1", "h1"]);
    assert!(f[1].message_en.starts_with("3 other causes recorded"));

    h.main_cause = Some(Illness);
    only(&h, ids::CAUSES, &["h1"]);

    h.other_causes = vec![Illness];
    let f = only(&h, ids::CAUSES, &["h1"]);
    assert_eq!(
        f[0].message_en,
        "main cause illness is also listed among the other causes"
    );

    h.other_causes = vec![LackOfFunds, LackOfFunds];
    let f = only(&h, ids::CAUSES, &["h1"]);
    assert!(f[0].message_en.contains("repeat"));

    h.other_causes = vec![LackOfFunds, LackOfSkills];
    quiet(&h);
}

#[test]
fn exit_income_must_be_known_and_above_the_line() {
    let mut h = good_household();
    h.exit_year_income_per_capita_fen = Some(301_500);
    let f = only(&h, ids::EXIT_INCOME_BELOW_LINE, &["h1"]);
    assert_eq!(
        f[0].message_en,
        "exited on 2018-12-20 with per-capita net income of 3015.00 yuan in 2018, not above that year's poverty line of 3015.00 yuan"
    );
    h.exit_year_income_per_capita_fen = Some(301_501);
    quiet(&h);
    h.exit_year_income_per_capita_fen = Some(-5);
    only(&h, ids::EXIT_INCOME_BELOW_LINE, &["h1"]);

    h.exit_year_income_per_capita_fen = None;
    let f = only(&h, ids::EXIT_INCOME_BELOW_LINE, &["h1"]);
    assert!(f[0]
        .message_en
        .contains("no per-capita net income is recorded for 2018"));
    h.exit_year = None;
    let f = only(&h, ids::EXIT_INCOME_BELOW_LINE, &["h1"]);
    assert!(f[0].message_en.contains("for the exit year"));

    // An unknown line is not the household's fault.
    let mut h = good_household();
    h.exit_year_income_per_capita_fen = Some(1);
    h.exit_year_poverty_line_fen = None;
    quiet(&h);

    // Households that have not exited are not checked.
    let mut h = good_household();
    h.exited_on = None;
    h.exit_year = None;
    h.exit_year_income_per_capita_fen = None;
    h.assessments.clear();
    quiet(&h);
}

#[test]
fn exit_needs_a_passing_assessment_by_the_exit_date() {
    let mut h = good_household();
    h.assessments[1].assessed_on = d(2018, 12, 20);
    quiet(&h);

    h.assessments[1].assessed_on = d(2018, 12, 21);
    let f = only(&h, ids::EXIT_WITHOUT_PASSING_ASSESSMENT, &["h1"]);
    assert!(f[0]
        .message_en
        .contains("first passing one is dated 2018-12-21"));

    h.assessments[1].passed = false;
    let f = only(&h, ids::EXIT_WITHOUT_PASSING_ASSESSMENT, &["h1"]);
    assert!(!f[0].message_en.contains("first passing"));

    h.assessments.clear();
    only(&h, ids::EXIT_WITHOUT_PASSING_ASSESSMENT, &["h1"]);
}

#[test]
fn low_income_households_need_an_allowance_entry_in_the_year() {
    let mut h = good_household();
    h.minimum_allowance_entries_in_year = 0;
    let f = only(&h, ids::MINIMUM_ALLOWANCE_WITHOUT_ENTRY, &["h1"]);
    assert!(f[0].message_en.contains("in 2019"));
    h.attribute = Attribute::General;
    quiet(&h);
    h.attribute = Attribute::DestituteSupported;
    quiet(&h);
}

#[test]
fn borrowers_are_18_to_65_on_the_application_date() {
    let applied = d(2018, 3, 1);
    for (birth, flagged) in [
        (d(2000, 3, 1), false),
        (d(2000, 3, 2), true),
        (d(1952, 3, 2), false),
        (d(1952, 3, 1), true),
    ] {
        let mut h = good_household();
        h.loans[0].borrower_birth_date = birth;
        if flagged {
            let f = only(&h, ids::LOAN_BORROWER_AGE, &["l1"]);
            assert_eq!(f[0].entity_type, entity::LOAN);
            assert!(f[0]
                .message_en
                .contains(&format!("application date {applied}")));
        } else {
            quiet(&h);
        }
    }
}

#[test]
fn a_borrower_is_judged_by_the_policy_of_the_application_date() {
    let mut h = good_household();
    h.loans[0].borrower_birth_date = d(1948, 1, 1);
    let mut later = settings();
    let wider = crate::loan::LoanPolicy {
        max_borrower_age: 75,
        ..Default::default()
    };
    later.loan_policies = vec![(d(2014, 1, 1), Default::default()), (d(2018, 6, 1), wider)];
    let aged = |settings: &CheckSettings| {
        check_household(&h, settings)
            .iter()
            .filter(|f| f.rule == ids::LOAN_BORROWER_AGE)
            .count()
    };
    assert_eq!(
        aged(&later),
        1,
        "applied on 2018-03-01, before the wider version"
    );
    later.loan_policies[1].0 = d(2018, 1, 1);
    assert_eq!(aged(&later), 0, "in force on the application date");
}

#[test]
fn outstanding_principal_is_capped_per_household() {
    let mut h = good_household();
    let mut second = h.loans[0].clone();
    second.id = "l2".into();
    second.outstanding_principal_fen = 1_000_000;
    h.loans.push(second);
    quiet(&h);

    h.loans[1].outstanding_principal_fen = 1_000_001;
    let f = only(&h, ids::LOAN_OVER_CAP, &["h1"]);
    assert_eq!(
        f[0].message_en,
        "outstanding principal across 2 loan(s) is 50000.01 yuan, above the cap of 50000.00 yuan"
    );

    h.loans[0].outstanding_principal_fen = i64::MAX;
    h.loans[1].outstanding_principal_fen = i64::MAX;
    only(&h, ids::LOAN_OVER_CAP, &["h1"]);
}

#[test]
fn overdue_loans_are_warned_one_by_one() {
    let mut h = good_household();
    h.loans[0].overdue = true;
    h.loans[0].outstanding_principal_fen = 1_234_505;
    let f = only(&h, ids::LOAN_OVERDUE, &["l1"]);
    assert!(f[0].message_en.contains("12345.05 yuan"));
    assert_eq!(rule(f[0].rule).unwrap().severity, Severity::Warning);
}

#[test]
fn dividends_go_only_to_households_linked_on_the_record_date() {
    let mut h = good_household();
    h.dividends[0].linked_on_record_date = false;
    let f = only(&h, ids::DIVIDEND_NOT_LINKED, &["d1"]);
    assert_eq!(f[0].entity_type, entity::DIVIDEND);
    assert!(f[0].message_en.contains("2019-06-30"));
}

#[test]
fn payments_to_members_who_left_or_never_belonged_are_errors() {
    let mut h = good_household();
    h.member_payments[1].paid_on = d(2018, 6, 2);
    let f = only(&h, ids::PAYMENT_AFTER_MEMBER_LEFT, &["s2"]);
    assert_eq!(f[0].entity_type, entity::SUBSIDY);
    assert_eq!(
        f[0].message_en,
        "paid on 2018-06-02 to member m5, who left the household on 2018-06-01"
    );

    let mut h = good_household();
    h.member_payments[0].member_id = "m99".into();
    let f = only(&h, ids::PAYMENT_AFTER_MEMBER_LEFT, &["s1"]);
    assert!(f[0].message_en.contains("not a member of this household"));
}

#[test]
fn phone_numbers_must_be_callable() {
    let mut h = good_household();
    h.phone = Some("1381234567".into());
    let f = only(&h, ids::PHONE_INVALID, &["h1"]);
    assert!(f[0].message_en.contains("138***4567"));
    assert!(!f[0].message_en.contains("1381234567"));

    for fine in [
        None,
        Some(""),
        Some("  "),
        Some("029-86912345"),
        Some("139 1234 5678"),
    ] {
        h.phone = fine.map(str::to_owned);
        quiet(&h);
    }
}

#[test]
fn households_belong_in_villages() {
    let mut h = good_household();
    h.region_is_village = false;
    let f = only(&h, ids::HOUSEHOLD_NOT_IN_VILLAGE, &["h1"]);
    assert_eq!(f[0].entity_type, entity::HOUSEHOLD);
}

/// A household breaking every household rule at once.
fn bad_household() -> HouseholdFacts {
    let mut h = good_household();
    let number = h.members[0].id_number.clone();
    h.members[0].id_number = format!(
        "{}{}",
        &number[..17],
        if number.ends_with('0') { '1' } else { '0' }
    );
    h.members[1].relation = Relation::Head;
    h.members[1].sex = Sex::Male;
    h.members[2].schooling = SchoolingStatus::DroppedOut;
    h.members[2].labour_ability = LabourAbility::Ordinary;
    h.main_cause = None;
    h.exit_year_income_per_capita_fen = Some(100);
    h.assessments.clear();
    h.minimum_allowance_entries_in_year = 0;
    h.loans[0].borrower_birth_date = d(2005, 1, 1);
    h.loans[0].outstanding_principal_fen = 6_000_000;
    h.loans[0].overdue = true;
    h.dividends[0].linked_on_record_date = false;
    h.member_payments[1].paid_on = d(2019, 1, 1);
    h.phone = Some("13812345678999".into());
    h.region_is_village = false;
    h.members.push(member(
        "m9",
        Relation::Spouse,
        Sex::Female,
        d(2018, 1, 1),
        LabourAbility::None,
    ));
    h
}

#[test]
fn an_eight_year_old_spouse_and_a_son_older_than_the_head_are_found() {
    let mut h = good_household();
    h.members.push(member(
        "m8",
        Relation::Spouse,
        Sex::Female,
        d(2018, 1, 1),
        LabourAbility::None,
    ));
    let head_birth = h.members[0].birth_date;
    h.members.push(member(
        "m9",
        Relation::Son,
        Sex::Male,
        head_birth - chrono::Duration::days(400),
        LabourAbility::Ordinary,
    ));
    only(&h, ids::RELATION_AGE, &["m8", "m9"]);
}

#[test]
fn every_finding_names_a_known_rule_and_entity_type() {
    let h = bad_household();
    let mut findings = check(&h);
    findings.extend(people_in_two_households([
        ("k", "m1", "h1"),
        ("k", "x", "h2"),
    ]));
    let entity_types = [
        entity::HOUSEHOLD,
        entity::MEMBER,
        entity::LOAN,
        entity::SUBSIDY,
        entity::DIVIDEND,
    ];
    for f in &findings {
        assert!(rule(f.rule).is_some(), "{}", f.rule);
        assert!(entity_types.contains(&f.entity_type), "{}", f.entity_type);
        assert!(!f.message_en.is_empty() && !f.message_zh.is_empty());
    }
    let fired: HashSet<&str> = findings.iter().map(|f| f.rule).collect();
    let mut all_but_no_members: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| *id != ids::NO_CURRENT_MEMBERS)
        .collect();
    all_but_no_members.retain(|id| !fired.contains(id));
    assert_eq!(all_but_no_members, Vec::<&str>::new());
    // Findings come in the order of RULES (the rule-3 ones were appended last).
    let order = |id: &str| RULES.iter().position(|r| r.id == id).unwrap();
    let household_only = check(&h);
    assert!(household_only
        .windows(2)
        .all(|w| order(w[0].rule) <= order(w[1].rule)));
}

#[test]
fn messages_never_show_a_whole_id_number_its_birth_digits_or_a_phone() {
    let h = bad_household();
    let findings = check(&h);
    for f in &findings {
        for text in [&f.message_en, &f.message_zh] {
            for m in &h.members {
                assert!(!text.contains(&m.id_number), "{text}");
                assert!(!text.contains(&m.id_number[6..14]), "{text}");
            }
            assert!(!text.contains("13812345678999"), "{text}");
        }
    }
    assert!(findings
        .iter()
        .any(|f| f.message_en.contains("610117********")));
}

#[test]
fn yuan_keeps_two_decimals_and_the_sign() {
    assert_eq!(yuan(0), "0.00");
    assert_eq!(yuan(5), "0.05");
    assert_eq!(yuan(-50), "-0.50");
    assert_eq!(yuan(123_456), "1234.56");
    assert_eq!(yuan(i64::MIN), "-92233720368547758.08");
}

#[test]
fn debug_output_masks_id_numbers_and_phones() {
    let h = good_household();
    let shown = format!("{h:?}");
    for m in &h.members {
        assert!(!shown.contains(&m.id_number), "{shown}");
    }
    assert!(!shown.contains("13812345678"));
    assert!(shown.contains("138****5678") && shown.contains("610117********"));
}
