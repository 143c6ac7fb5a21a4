//! Data-quality rules (数据信息质量): consistency checks run over a household's records, each
//! finding naming the rule it breaks, the record to fix and what is wrong with it.
//!
//! The caller gathers the facts (from the database, with today's date and the year checked)
//! and these functions decide. Messages never carry a whole resident ID number or phone number:
//! they are masked with [`crate::masking`], and no message repeats the birth date held in an ID
//! number (with the masked number it would give the whole number away).
//!
//! "Current" members are those who have not left by `today` (`left_on` empty or after `today`).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::assessment::{self, age_on};
use crate::household::{self, Attribute, HouseholdRuleError, PovertyCause, MAX_OTHER_CAUSES};
use crate::income::{self, LineComparison};
use crate::loan::{borrower_age, LoanPolicy};
use crate::masking::{mask_id_number, mask_phone};
use crate::member::{Disability, LabourAbility, Relation, SchoolingStatus, Sex};
use crate::phone::PhoneNumber;
use crate::resident_id::{self, IdentityMismatch, ResidentIdError, ResidentIdNumber};

term_enum! {
    /// Severity of a data-quality rule 严重程度: `error` 错误 (the record breaks a rule and must
    /// be corrected), `warning` 警告 (the record is doubtful and should be checked).
    Severity {
        Error = "error" / "错误",
        Warning = "warning" / "警告",
    }
}

/// A data-quality rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    /// Stable snake_case identifier, used in findings and by API clients.
    pub id: &'static str,
    pub severity: Severity,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub description: &'static str,
}

/// The identifiers of the rules in [`RULES`].
pub mod ids {
    pub const RESIDENT_ID_CHECK: &str = "resident_id_check";
    pub const ID_BIRTH_SEX_MISMATCH: &str = "id_birth_sex_mismatch";
    pub const PERSON_IN_TWO_HOUSEHOLDS: &str = "person_in_two_households";
    pub const HEAD_COUNT: &str = "head_count";
    pub const NO_CURRENT_MEMBERS: &str = "no_current_members";
    pub const CAUSES: &str = "causes";
    pub const SCHOOL_AGE_NOT_IN_SCHOOL: &str = "school_age_not_in_school";
    pub const LABOUR_ABILITY_AGE: &str = "labour_ability_age";
    pub const EXIT_INCOME_BELOW_LINE: &str = "exit_income_below_line";
    pub const EXIT_WITHOUT_PASSING_ASSESSMENT: &str = "exit_without_passing_assessment";
    pub const MINIMUM_ALLOWANCE_WITHOUT_ENTRY: &str = "minimum_allowance_without_entry";
    pub const LOAN_BORROWER_AGE: &str = "loan_borrower_age";
    pub const LOAN_OVER_CAP: &str = "loan_over_cap";
    pub const LOAN_OVERDUE: &str = "loan_overdue";
    pub const DIVIDEND_NOT_LINKED: &str = "dividend_not_linked";
    pub const PAYMENT_AFTER_MEMBER_LEFT: &str = "payment_after_member_left";
    pub const PHONE_INVALID: &str = "phone_invalid";
    pub const HOUSEHOLD_NOT_IN_VILLAGE: &str = "household_not_in_village";
}

/// The kinds of record a finding points at (`Finding::entity_type`).
pub mod entity {
    pub const HOUSEHOLD: &str = "household";
    pub const MEMBER: &str = "member";
    pub const LOAN: &str = "loan";
    pub const SUBSIDY: &str = "subsidy";
    pub const DIVIDEND: &str = "dividend";
}

const fn r(
    id: &'static str,
    severity: Severity,
    name_zh: &'static str,
    name_en: &'static str,
    description: &'static str,
) -> Rule {
    Rule { id, severity, name_zh, name_en, description }
}

use Severity::{Error, Warning};

/// Every rule, in the order findings are produced.
pub const RULES: &[Rule] = &[
    r(ids::RESIDENT_ID_CHECK, Error, "身份证号码校验错误", "Resident ID number invalid",
      "A member's resident ID number (every member row, current or left) is not 17 digits and a check character, its check character is wrong, or characters 7-14 are not a real date up to today."),
    r(ids::ID_BIRTH_SEX_MISMATCH, Error, "出生日期或性别与身份证号不符", "Birth date or sex differs from ID number",
      "A member's recorded birth date differs from characters 7-14 of a valid ID number, or the recorded sex from the parity of character 17 (odd for men). One finding per mismatch."),
    r(ids::PERSON_IN_TWO_HOUSEHOLDS, Error, "一人多户", "Person in two households",
      "The same person (same resident ID) is a current member in more than one household, or twice in one household; every member row involved is reported."),
    r(ids::HEAD_COUNT, Error, "户主人数错误", "Head of household count",
      "A household with current members has no current head, or several current heads."),
    r(ids::NO_CURRENT_MEMBERS, Error, "无在册成员", "No current members",
      "Every member of the household has left, or none was recorded."),
    r(ids::CAUSES, Error, "致贫原因错误", "Poverty causes",
      "The main poverty cause is missing, more than two other causes are recorded, the main cause is repeated among the others, or the others repeat a cause."),
    r(ids::SCHOOL_AGE_NOT_IN_SCHOOL, Warning, "适龄儿童未在校", "School-age child not in school",
      "A current member aged 6 to 15 on the check date whose schooling is not_in_school or dropped_out, unless a grade 1 or 2 disability exempts them (home teaching), as the compulsory-education item of the assessment decides."),
    r(ids::LABOUR_ABILITY_AGE, Warning, "劳动能力与年龄不符", "Labour ability inconsistent with age",
      "A current member under 16 whose labour ability is not none; aged 16 to 65 whose labour ability is none (an adult who cannot work is recorded as lost); or over 65 recorded as skilled or ordinary labour."),
    r(ids::EXIT_INCOME_BELOW_LINE, Error, "脱贫户收入未超过贫困线", "Exited below the poverty line",
      "An exited household whose per-capita net income in its exit year is not above that year's poverty line, or whose income for the exit year is not recorded. No finding when the year's line is unknown."),
    r(ids::EXIT_WITHOUT_PASSING_ASSESSMENT, Error, "脱贫未通过两不愁三保障评估", "Exit without a passing assessment",
      "An exited household with no passing 两不愁三保障 assessment dated on or before the exit approval."),
    r(ids::MINIMUM_ALLOWANCE_WITHOUT_ENTRY, Warning, "低保户无低保发放记录", "Low-income household without allowance",
      "A low-income (低保) household with no minimum living allowance entry in the year checked."),
    r(ids::LOAN_BORROWER_AGE, Error, "借款人年龄不符", "Borrower age",
      "A microloan whose borrower was not 18 to 65 years old on the application date."),
    r(ids::LOAN_OVER_CAP, Error, "贷款余额超限", "Loans over the cap",
      "The outstanding principal of a household's loans is above the configured cap."),
    r(ids::LOAN_OVERDUE, Warning, "贷款逾期", "Loan overdue",
      "A microloan with instalments due and unpaid."),
    r(ids::DIVIDEND_NOT_LINKED, Error, "分红户未联结", "Dividend without a link",
      "An industry dividend paid to a household not linked to the entity on the dividend's record date."),
    r(ids::PAYMENT_AFTER_MEMBER_LEFT, Error, "成员减少后仍发放", "Payment after member left",
      "A subsidy paid to a member after the date the member left, or to a member who is not in the household."),
    r(ids::PHONE_INVALID, Warning, "联系电话无效", "Phone number invalid",
      "A recorded phone number that is neither an 11-digit mobile number nor a landline with area code (blank counts as not recorded)."),
    r(ids::HOUSEHOLD_NOT_IN_VILLAGE, Error, "户未挂在行政村", "Household not in a village",
      "A household whose region is a district or town rather than an administrative village."),
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// One rule broken by one record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub rule: &'static str,
    /// One of the [`entity`] constants.
    pub entity_type: &'static str,
    pub entity_id: String,
    pub message_en: String,
    pub message_zh: String,
}

/// What the rules need to know of a member (current or left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFacts {
    pub id: String,
    /// Plaintext as stored.
    pub id_number: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub schooling: SchoolingStatus,
    /// A grade 1 or 2 disability exempts a school-age child from the schooling rule.
    pub disability: Disability,
    pub labour_ability: LabourAbility,
    pub left_on: Option<NaiveDate>,
}

impl MemberFacts {
    fn current(&self, today: NaiveDate) -> bool {
        self.left_on.is_none_or(|left| left > today)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessmentFacts {
    pub assessed_on: NaiveDate,
    pub passed: bool,
}

/// A loan disbursed and neither repaid nor written off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanFacts {
    pub id: String,
    pub borrower_birth_date: NaiveDate,
    pub applied_on: NaiveDate,
    pub outstanding_principal_fen: i64,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DividendFacts {
    pub entry_id: String,
    pub record_date: NaiveDate,
    pub linked_on_record_date: bool,
}

/// A subsidy entry paid to a named member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPaymentFacts {
    pub entry_id: String,
    pub member_id: String,
    pub paid_on: NaiveDate,
}

/// Everything the household rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdFacts {
    pub id: String,
    pub region_is_village: bool,
    pub attribute: Attribute,
    pub main_cause: Option<PovertyCause>,
    pub other_causes: Vec<PovertyCause>,
    /// The date the exit was approved; `None` if the household has not exited.
    pub exited_on: Option<NaiveDate>,
    pub exit_year: Option<i32>,
    /// Plaintext as stored.
    pub phone: Option<String>,
    /// Including members who left (`left_on` set).
    pub members: Vec<MemberFacts>,
    pub exit_year_income_per_capita_fen: Option<i64>,
    pub exit_year_poverty_line_fen: Option<i64>,
    pub assessments: Vec<AssessmentFacts>,
    /// Minimum living allowance (低保) entries in `CheckSettings::year`.
    pub minimum_allowance_entries_in_year: u32,
    /// Loans disbursed and not repaid or written off.
    pub loans: Vec<LoanFacts>,
    pub dividends: Vec<DividendFacts>,
    /// Subsidy entries paid to a named member.
    pub member_payments: Vec<MemberPaymentFacts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckSettings {
    pub today: NaiveDate,
    /// The year whose minimum-allowance entries are counted.
    pub year: i32,
    /// Largest outstanding principal a household may owe across its loans.
    pub loan_cap_fen: i64,
}

/// Members under this age have no labour ability; above the range they are at most weak labour.
pub const WORKING_AGE: std::ops::RangeInclusive<i32> = 16..=65;

fn finding(
    rule: &'static str,
    entity_type: &'static str,
    entity_id: &str,
    message_en: String,
    message_zh: String,
) -> Finding {
    Finding {
        rule,
        entity_type,
        entity_id: entity_id.to_owned(),
        message_en,
        message_zh,
    }
}

/// Fen as yuan with two decimals: `-1234.05`.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn masked_id(raw: &str) -> String {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        "(empty)".to_owned()
    } else {
        mask_id_number(trimmed)
    }
}

/// Every finding for one household, in the order of [`RULES`].
pub fn check_household(facts: &HouseholdFacts, settings: &CheckSettings) -> Vec<Finding> {
    let mut out = Vec::new();
    check_identity(facts, settings.today, &mut out);
    check_heads(facts, settings.today, &mut out);
    check_causes(facts, &mut out);
    check_schooling(facts, settings.today, &mut out);
    check_labour_ability(facts, settings.today, &mut out);
    check_exit(facts, &mut out);
    check_minimum_allowance(facts, settings.year, &mut out);
    check_loans(facts, settings.loan_cap_fen, &mut out);
    check_payments(facts, &mut out);
    check_phone(facts, &mut out);
    if !facts.region_is_village {
        out.push(finding(
            ids::HOUSEHOLD_NOT_IN_VILLAGE,
            entity::HOUSEHOLD,
            &facts.id,
            "the household is placed in a district or town, not an administrative village (行政村)"
                .to_owned(),
            "该户所属区划不是行政村，应挂在行政村下".to_owned(),
        ));
    }
    out
}

/// Rules 1 and 2: every member row, current or left.
fn check_identity(facts: &HouseholdFacts, today: NaiveDate, out: &mut Vec<Finding>) {
    for member in &facts.members {
        let shown = masked_id(&member.id_number);
        match ResidentIdNumber::parse(&member.id_number, today) {
            Ok(number) => {
                for mismatch in resident_id::check_consistency(&number, member.sex, member.birth_date) {
                    let (en, zh) = match mismatch {
                        IdentityMismatch::Sex { number: by_number, given } => (
                            format!(
                                "sex on record is {given} but ID number {shown} is a {by_number}'s (character 17 is {})",
                                if by_number == Sex::Male { "odd" } else { "even" }
                            ),
                            format!(
                                "性别登记为{}，但身份证号{shown}第17位表示{}",
                                given.chinese(),
                                by_number.chinese()
                            ),
                        ),
                        IdentityMismatch::BirthDate { .. } => (
                            format!("birth date on record differs from characters 7-14 of ID number {shown}"),
                            format!("出生日期与身份证号{shown}第7至14位不一致"),
                        ),
                    };
                    out.push(finding(ids::ID_BIRTH_SEX_MISMATCH, entity::MEMBER, &member.id, en, zh));
                }
            }
            Err(error) => {
                let (en, zh) = match error {
                    ResidentIdError::Malformed => (
                        format!("ID number {shown} is not 17 digits followed by a digit or X"),
                        format!("身份证号{shown}格式错误，应为17位数字加1位数字或X"),
                    ),
                    ResidentIdError::CheckCharacter { expected } => (
                        format!("ID number {shown}: check character should be {expected}"),
                        format!("身份证号{shown}校验位错误，应为{expected}"),
                    ),
                    ResidentIdError::BirthDateInvalid => (
                        format!("ID number {shown}: characters 7-14 are not a real date"),
                        format!("身份证号{shown}第7至14位不是有效日期"),
                    ),
                    ResidentIdError::BirthDateInFuture => (
                        format!("ID number {shown}: the birth date in it is after {today}"),
                        format!("身份证号{shown}中的出生日期晚于{today}"),
                    ),
                };
                out.push(finding(ids::RESIDENT_ID_CHECK, entity::MEMBER, &member.id, en, zh));
            }
        }
    }
}

/// Rules 4 and 5.
fn check_heads(facts: &HouseholdFacts, today: NaiveDate, out: &mut Vec<Finding>) {
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
            format!("有{n}名在册成员登记为户主（{}），每户只能有一名户主", heads.join("、")),
        ),
    };
    out.push(finding(ids::HEAD_COUNT, entity::HOUSEHOLD, &facts.id, en, zh));
}

fn cause_list(causes: &[PovertyCause], separator: &str, chinese: bool) -> String {
    causes
        .iter()
        .map(|c| if chinese { c.chinese() } else { c.as_str() })
        .collect::<Vec<_>>()
        .join(separator)
}

/// Rule 6, reusing [`household::check_causes`].
fn check_causes(facts: &HouseholdFacts, out: &mut Vec<Finding>) {
    let others = &facts.other_causes;
    let too_many = || {
        (
            format!(
                "{} other causes recorded ({}); at most {MAX_OTHER_CAUSES} besides the main one",
                others.len(),
                cause_list(others, ", ", false)
            ),
            format!(
                "其他致贫原因登记了{}项（{}），除主要原因外最多{MAX_OTHER_CAUSES}项",
                others.len(),
                cause_list(others, "、", true)
            ),
        )
    };
    let mut messages = Vec::new();
    match facts.main_cause {
        None => {
            messages.push((
                "no main poverty cause (主要致贫原因) recorded".to_owned(),
                "未登记主要致贫原因".to_owned(),
            ));
            if others.len() > MAX_OTHER_CAUSES {
                messages.push(too_many());
            }
        }
        Some(main) => match household::check_causes(main, others) {
            Ok(()) => {}
            Err(HouseholdRuleError::TooManyOtherCauses) => messages.push(too_many()),
            Err(HouseholdRuleError::MainCauseRepeated) => messages.push((
                format!("main cause {main} is also listed among the other causes"),
                format!("主要致贫原因“{}”又列为其他致贫原因", main.chinese()),
            )),
            Err(_) => messages.push((
                format!("the other causes repeat a cause ({})", cause_list(others, ", ", false)),
                format!("其他致贫原因重复（{}）", cause_list(others, "、", true)),
            )),
        },
    }
    for (en, zh) in messages {
        out.push(finding(ids::CAUSES, entity::HOUSEHOLD, &facts.id, en, zh));
    }
}

/// Rule 7: the same children [`assessment::out_of_school_children`] finds.
fn check_schooling(facts: &HouseholdFacts, today: NaiveDate, out: &mut Vec<Finding>) {
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
fn check_labour_ability(facts: &HouseholdFacts, today: NaiveDate, out: &mut Vec<Finding>) {
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
        out.push(finding(ids::LABOUR_ABILITY_AGE, entity::MEMBER, &member.id, en, zh));
    }
}

/// Rules 9 and 10.
fn check_exit(facts: &HouseholdFacts, out: &mut Vec<Finding>) {
    let Some(exited_on) = facts.exited_on else {
        return;
    };
    let (year_en, year_zh) = match facts.exit_year {
        Some(year) => (year.to_string(), format!("{year}年")),
        None => ("the exit year".to_owned(), "脱贫年度".to_owned()),
    };
    match (facts.exit_year_income_per_capita_fen, facts.exit_year_poverty_line_fen) {
        (None, _) => out.push(finding(
            ids::EXIT_INCOME_BELOW_LINE,
            entity::HOUSEHOLD,
            &facts.id,
            format!("exited on {exited_on} but no per-capita net income is recorded for {year_en}"),
            format!("{exited_on}已脱贫，但未登记{year_zh}人均纯收入"),
        )),
        (Some(income), Some(line))
            if income::compare(income, line, i64::MAX) == LineComparison::BelowPovertyLine =>
        {
            out.push(finding(
                ids::EXIT_INCOME_BELOW_LINE,
                entity::HOUSEHOLD,
                &facts.id,
                format!(
                    "exited on {exited_on} with per-capita net income of {} yuan in {year_en}, not above that year's poverty line of {} yuan",
                    yuan(income),
                    yuan(line)
                ),
                format!(
                    "{exited_on}已脱贫，但{year_zh}人均纯收入{}元，未超过当年贫困线{}元",
                    yuan(income),
                    yuan(line)
                ),
            ));
        }
        _ => {}
    }
    let passed = |a: &&AssessmentFacts| a.passed;
    if !facts
        .assessments
        .iter()
        .filter(passed)
        .any(|a| a.assessed_on <= exited_on)
    {
        let later = facts.assessments.iter().filter(passed).map(|a| a.assessed_on).min();
        let (en_tail, zh_tail) = match later {
            Some(date) => (
                format!(" (the first passing one is dated {date}, after the exit)"),
                format!("（首次通过评估在{date}，晚于脱贫）"),
            ),
            None => (String::new(), String::new()),
        };
        out.push(finding(
            ids::EXIT_WITHOUT_PASSING_ASSESSMENT,
            entity::HOUSEHOLD,
            &facts.id,
            format!("exited on {exited_on} without a passing 两不愁三保障 assessment on or before that date{en_tail}"),
            format!("{exited_on}脱贫，但此前无通过的两不愁三保障评估{zh_tail}"),
        ));
    }
}

/// Rule 11.
fn check_minimum_allowance(facts: &HouseholdFacts, year: i32, out: &mut Vec<Finding>) {
    if facts.attribute == Attribute::LowIncome && facts.minimum_allowance_entries_in_year == 0 {
        out.push(finding(
            ids::MINIMUM_ALLOWANCE_WITHOUT_ENTRY,
            entity::HOUSEHOLD,
            &facts.id,
            format!("low-income (低保) household with no minimum living allowance entry in {year}"),
            format!("低保贫困户{year}年无低保发放记录"),
        ));
    }
}

/// Rules 12, 13 and 14.
fn check_loans(facts: &HouseholdFacts, cap_fen: i64, out: &mut Vec<Finding>) {
    let policy = LoanPolicy::default();
    let (min, max) = (policy.min_borrower_age, policy.max_borrower_age);
    for loan in &facts.loans {
        let age = borrower_age(loan.borrower_birth_date, loan.applied_on);
        if !(min..=max).contains(&age) {
            out.push(finding(
                ids::LOAN_BORROWER_AGE,
                entity::LOAN,
                &loan.id,
                format!("the borrower was {age} on the application date {}; borrowers must be {min} to {max}", loan.applied_on),
                format!("借款人申请日{}时{age}岁，应为{min}至{max}岁", loan.applied_on),
            ));
        }
    }
    let total: i128 = facts
        .loans
        .iter()
        .map(|l| i128::from(l.outstanding_principal_fen))
        .sum();
    if total > i128::from(cap_fen) {
        let total = i64::try_from(total).unwrap_or(i64::MAX);
        let count = facts.loans.len();
        out.push(finding(
            ids::LOAN_OVER_CAP,
            entity::HOUSEHOLD,
            &facts.id,
            format!("outstanding principal across {count} loan(s) is {} yuan, above the cap of {} yuan", yuan(total), yuan(cap_fen)),
            format!("{count}笔贷款未还本金合计{}元，超过上限{}元", yuan(total), yuan(cap_fen)),
        ));
    }
    for loan in facts.loans.iter().filter(|l| l.overdue) {
        let left = yuan(loan.outstanding_principal_fen);
        out.push(finding(
            ids::LOAN_OVERDUE,
            entity::LOAN,
            &loan.id,
            format!("the loan is overdue; {left} yuan of principal outstanding"),
            format!("贷款已逾期，未还本金{left}元"),
        ));
    }
}

/// Rules 15 and 16.
fn check_payments(facts: &HouseholdFacts, out: &mut Vec<Finding>) {
    for dividend in facts.dividends.iter().filter(|d| !d.linked_on_record_date) {
        let date = dividend.record_date;
        out.push(finding(
            ids::DIVIDEND_NOT_LINKED,
            entity::DIVIDEND,
            &dividend.entry_id,
            format!("dividend paid although the household was not linked to the entity on the record date {date}"),
            format!("分红登记日{date}该户未与经营主体联结，不应分红"),
        ));
    }
    for payment in &facts.member_payments {
        let (paid_on, member_id) = (payment.paid_on, &payment.member_id);
        let (en, zh) = match facts.members.iter().find(|m| &m.id == member_id) {
            None => (
                format!("paid on {paid_on} to member {member_id}, who is not a member of this household"),
                format!("{paid_on}发放给成员{member_id}，但该成员不属于本户"),
            ),
            Some(member) => match member.left_on {
                Some(left_on) if paid_on > left_on => (
                    format!("paid on {paid_on} to member {member_id}, who left the household on {left_on}"),
                    format!("{paid_on}发放给成员{member_id}，但该成员已于{left_on}减少"),
                ),
                _ => continue,
            },
        };
        out.push(finding(ids::PAYMENT_AFTER_MEMBER_LEFT, entity::SUBSIDY, &payment.entry_id, en, zh));
    }
}

/// Rule 17, reusing [`PhoneNumber::parse`].
fn check_phone(facts: &HouseholdFacts, out: &mut Vec<Finding>) {
    let Some(phone) = facts.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) else {
        return;
    };
    if PhoneNumber::parse(phone).is_err() {
        let shown = mask_phone(phone);
        out.push(finding(
            ids::PHONE_INVALID,
            entity::HOUSEHOLD,
            &facts.id,
            format!("phone number {shown} is neither an 11-digit mobile number nor a landline with area code"),
            format!("联系电话{shown}格式错误，应为11位手机号或带区号的固定电话"),
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

#[cfg(test)]
mod tests;
