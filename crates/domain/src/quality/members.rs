//! The rules about members: identity, heads, schooling, labour ability, one person in one
//! household.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{entity, finding, ids, masked_id, Finding, HouseholdFacts, MemberFacts, WORKING_AGE};
use crate::assessment::{self, age_on};
use crate::member::{LabourAbility, Relation, Sex};
use crate::resident_id::{self, IdentityMismatch, ResidentIdError, ResidentIdNumber};

/// Rules 1 and 2: every member row, current or left.
pub(super) fn check_identity(facts: &HouseholdFacts, today: NaiveDate, out: &mut Vec<Finding>) {
    for member in &facts.members {
        let (shown, shown_zh) = (
            masked_id(&member.id_number, false),
            masked_id(&member.id_number, true),
        );
        match ResidentIdNumber::parse(&member.id_number, today) {
            Ok(number) => {
                for mismatch in
                    resident_id::check_consistency(&number, member.sex, member.birth_date)
                {
                    let (en, zh) = match mismatch {
                        IdentityMismatch::Sex { number: by_number, given } => (
                            format!(
                                "sex on record is {given} but ID number {shown} is a {by_number}'s (character 17 is {})",
                                if by_number == Sex::Male { "odd" } else { "even" }
                            ),
                            format!(
                                "性别登记为{}，但身份证号{shown_zh}第17位表示{}",
                                given.chinese(),
                                by_number.chinese()
                            ),
                        ),
                        IdentityMismatch::BirthDate { .. } => (
                            format!("birth date on record differs from characters 7-14 of ID number {shown}"),
                            format!("出生日期与身份证号{shown_zh}第7至14位不一致"),
                        ),
                    };
                    out.push(finding(
                        ids::ID_BIRTH_SEX_MISMATCH,
                        entity::MEMBER,
                        &member.id,
                        en,
                        zh,
                    ));
                }
            }
            Err(error) => {
                let (en, zh) = match error {
                    ResidentIdError::Malformed => (
                        format!("ID number {shown} is not 17 digits followed by a digit or X"),
                        format!("身份证号{shown_zh}格式错误，应为17位数字加1位数字或X"),
                    ),
                    ResidentIdError::CheckCharacter { expected } => (
                        format!("ID number {shown}: check character should be {expected}"),
                        format!("身份证号{shown_zh}校验位错误，应为{expected}"),
                    ),
                    ResidentIdError::BirthDateInvalid => (
                        format!("ID number {shown}: characters 7-14 are not a real date"),
                        format!("身份证号{shown_zh}第7至14位不是有效日期"),
                    ),
                    ResidentIdError::BirthDateInFuture => (
                        format!("ID number {shown}: the birth date in it is after {today}"),
                        format!("身份证号{shown_zh}中的出生日期晚于{today}"),
                    ),
                };
                out.push(finding(
                    ids::RESIDENT_ID_CHECK,
                    entity::MEMBER,
                    &member.id,
                    en,
                    zh,
                ));
            }
        }
    }
}

/// Rules 4 and 5.
pub(super) fn check_heads(facts: &HouseholdFacts, today: NaiveDate, out: &mut Vec<Finding>) {
    let current: Vec<&MemberFacts> = facts.members.iter().filter(|m| m.current(today)).collect();
    if current.is_empty() {
        let recorded = facts.members.len();
        out.push(finding(
            ids::NO_CURRENT_MEMBERS,
            entity::HOUSEHOLD,
            &facts.id,
            format!("the household has no current members ({recorded} recorded, all left)"),
            format!("该户无在册成员（登记{recorded}人，均已减少）"),
        ));
        return;
    }
    let heads: Vec<&str> = current
        .iter()
        .filter(|m| m.relation == Relation::Head)
        .map(|m| m.id.as_str())
        .collect();
    let (en, zh) = match heads.len() {
        1 => return,
        0 => (
            "no current member is the head of household (户主)".to_owned(),
            "该户无在册户主".to_owned(),
        ),
        n => (
            format!(
                "{n} current members are recorded as head ({}); a household has exactly one head",
                heads.join(", ")
            ),
            format!(
                "有{n}名在册成员登记为户主（{}），每户只能有一名户主",
                heads.join("、")
            ),
        ),
    };
    out.push(finding(
        ids::HEAD_COUNT,
        entity::HOUSEHOLD,
        &facts.id,
        en,
        zh,
    ));
}

/// Rule 7: the same children [`assessment::out_of_school_children`] finds.
pub(super) fn check_schooling(facts: &HouseholdFacts, today: NaiveDate, out: &mut Vec<Finding>) {
    let members: Vec<assessment::MemberFacts> = facts
        .members
        .iter()
        .map(|m| assessment::MemberFacts {
            id: m.id.clone(),
            name: String::new(),
            birth_date: m.birth_date,
            left_on: m.left_on,
            schooling: m.schooling,
            disability: m.disability,
            // Not looked at by the schooling rule.
            health: crate::member::Health::Healthy,
            basic_medical_insurance: true,
            critical_illness_insurance: true,
        })
        .collect();
    for child in assessment::out_of_school_children(&members, today) {
        let age = age_on(child.birth_date, today);
        let (lo, hi) = (assessment::SCHOOL_AGE.start(), assessment::SCHOOL_AGE.end());
        out.push(finding(
            ids::SCHOOL_AGE_NOT_IN_SCHOOL,
            entity::MEMBER,
            &child.id,
            format!(
                "aged {age} on {today} and schooling is {}; children aged {lo} to {hi} must be in compulsory education unless a grade 1 or 2 disability exempts them",
                child.schooling
            ),
            format!(
                "{today}时{age}岁，在校生状况为“{}”；{lo}至{hi}岁儿童应接受义务教育（一、二级残疾送教上门除外）",
                child.schooling.chinese()
            ),
        ));
    }
}

/// Rule 8: current members born by `today`.
pub(super) fn check_labour_ability(
    facts: &HouseholdFacts,
    today: NaiveDate,
    out: &mut Vec<Finding>,
) {
    let (min, max) = (*WORKING_AGE.start(), *WORKING_AGE.end());
    for member in facts
        .members
        .iter()
        .filter(|m| m.current(today) && m.birth_date <= today)
    {
        let age = age_on(member.birth_date, today);
        let ability = member.labour_ability;
        let (en, zh) = if age < min && ability != LabourAbility::None {
            (
                format!("aged {age} and labour ability is {ability}; children under {min} are recorded as none"),
                format!("{age}岁，劳动能力登记为“{}”；{min}岁以下应为无劳动力", ability.chinese()),
            )
        } else if WORKING_AGE.contains(&age) && ability == LabourAbility::None {
            (
                format!("aged {age} and labour ability is none; a member aged {min} to {max} who cannot work is recorded as lost"),
                format!("{age}岁，劳动能力登记为“无劳动力”；{min}至{max}岁不能劳动的应登记为丧失劳动力"),
            )
        } else if age > max && matches!(ability, LabourAbility::Skilled | LabourAbility::Ordinary) {
            (
                format!("aged {age} and labour ability is {ability}; members over {max} are recorded as weak, lost or none"),
                format!("{age}岁，劳动能力登记为“{}”；{max}岁以上应为弱劳动力、丧失劳动力或无劳动力", ability.chinese()),
            )
        } else {
            continue;
        };
        out.push(finding(
            ids::LABOUR_ABILITY_AGE,
            entity::MEMBER,
            &member.id,
            en,
            zh,
        ));
    }
}

/// Rule 3 over `(person key, member id, household id)` rows of current members, where the key
/// identifies a person (e.g. the resident ID hash); rows with an empty key are ignored. Every row
/// whose person has another current row (in another household, or a second row in the same
/// household) gets one finding, in input order.
pub fn people_in_two_households<'a>(
    current_members: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Vec<Finding> {
    let rows: Vec<(&str, &str, &str)> = current_members
        .into_iter()
        .filter(|(key, _, _)| !key.is_empty())
        .collect();
    let mut by_person: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, (key, _, _)) in rows.iter().enumerate() {
        by_person.entry(*key).or_default().push(index);
    }
    let mut out = Vec::new();
    for (index, (key, member_id, household_id)) in rows.iter().enumerate() {
        let Some(group) = by_person.get(key) else {
            continue;
        };
        let others: Vec<(&str, &str)> = group
            .iter()
            .filter(|&&other| other != index)
            .filter_map(|&other| rows.get(other).map(|(_, m, h)| (*m, *h)))
            .collect();
        if others.is_empty() {
            continue;
        }
        let describe = |chinese: bool| {
            others
                .iter()
                .map(|(m, h)| match (h == household_id, chinese) {
                    (true, false) => format!("this household (member {m})"),
                    (true, true) => format!("本户（成员{m}）"),
                    (false, false) => format!("household {h} (member {m})"),
                    (false, true) => format!("户{h}（成员{m}）"),
                })
                .collect::<Vec<_>>()
        };
        out.push(finding(
            ids::PERSON_IN_TWO_HOUSEHOLDS,
            entity::MEMBER,
            member_id,
            format!(
                "the same resident ID number is also current in {}; a person belongs to one household",
                describe(false).join(", ")
            ),
            format!("同一身份证号同时在{}在册，一人只能属于一户", describe(true).join("、")),
        ));
    }
    out
}

/// The relation rule: every current member against the current head (see `relation_age`).
pub(super) fn check_relation_ages(
    facts: &HouseholdFacts,
    today: NaiveDate,
    out: &mut Vec<Finding>,
) {
    let current = || facts.members.iter().filter(|m| m.current(today));
    let mut heads = current().filter(|m| m.relation == Relation::Head);
    let head_birth_date = match (heads.next(), heads.next()) {
        (Some(head), None) => Some(head.birth_date),
        // No head, or several: the head rule reports it; only the spouse's age is judged.
        _ => None,
    };
    for member in current().filter(|m| m.relation != Relation::Head) {
        if let Err(mismatch) = crate::relation_age::check_relation_age(
            member.relation,
            member.sex,
            member.birth_date,
            head_birth_date,
            today,
        ) {
            out.push(finding(
                ids::RELATION_AGE,
                entity::MEMBER,
                &member.id,
                format!("relation `{}`: {mismatch}", member.relation.as_str()),
                format!("家庭关系“{}”与年龄不符", member.relation.chinese()),
            ));
        }
    }
}
