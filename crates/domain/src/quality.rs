//! Data-quality rules (数据信息质量): consistency checks run over a household's records, each
//! finding naming the rule it breaks, the record to fix and what is wrong with it.
//!
//! The caller gathers the facts (from the database, with today's date and the year checked)
//! and these functions decide. Messages never carry a whole resident ID number or phone number:
//! they are masked with [`crate::masking`], and no message repeats the birth date held in an ID
//! number (with the masked number it would give the whole number away).
//!
//! "Current" members are those who have not left by `today` (`left_on` empty or after `today`).

use chrono::NaiveDate;

use crate::household::{self, Attribute, HouseholdRuleError, PovertyCause, MAX_OTHER_CAUSES};
use crate::income::{self, LineComparison};
use crate::loan::{borrower_age, LoanPolicy};
use crate::masking::{mask_id_number, mask_phone};
use crate::member::{Disability, LabourAbility, Relation, SchoolingStatus, Sex};
use crate::phone::PhoneNumber;

mod catalogue;
mod members;

pub use catalogue::{entity, ids, rule, Rule, Severity, RULES};
pub use members::people_in_two_households;

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

/// What the rules need to know of a member (current or left). Its `Debug` output masks the ID
/// number.
#[derive(Clone, PartialEq, Eq)]
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

impl std::fmt::Debug for MemberFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberFacts")
            .field("id", &self.id)
            .field("id_number", &mask_id_number(&self.id_number))
            .field("sex", &self.sex)
            .field("birth_date", &self.birth_date)
            .field("relation", &self.relation)
            .field("schooling", &self.schooling)
            .field("disability", &self.disability)
            .field("labour_ability", &self.labour_ability)
            .field("left_on", &self.left_on)
            .finish()
    }
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

/// Everything the household rules look at. Its `Debug` output masks the phone number (and,
/// through [`MemberFacts`], the ID numbers).
#[derive(Clone, PartialEq, Eq)]
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

impl std::fmt::Debug for HouseholdFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HouseholdFacts")
            .field("id", &self.id)
            .field("region_is_village", &self.region_is_village)
            .field("attribute", &self.attribute)
            .field("main_cause", &self.main_cause)
            .field("other_causes", &self.other_causes)
            .field("exited_on", &self.exited_on)
            .field("exit_year", &self.exit_year)
            .field("phone", &self.phone.as_deref().map(mask_phone))
            .field("members", &self.members)
            .field(
                "exit_year_income_per_capita_fen",
                &self.exit_year_income_per_capita_fen,
            )
            .field(
                "exit_year_poverty_line_fen",
                &self.exit_year_poverty_line_fen,
            )
            .field("assessments", &self.assessments)
            .field(
                "minimum_allowance_entries_in_year",
                &self.minimum_allowance_entries_in_year,
            )
            .field("loans", &self.loans)
            .field("dividends", &self.dividends)
            .field("member_payments", &self.member_payments)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSettings {
    pub today: NaiveDate,
    /// The year whose minimum-allowance entries are counted.
    pub year: i32,
    /// Largest outstanding principal a household may owe across its loans.
    pub loan_cap_fen: i64,
    /// The loan policy's versions by effective date, oldest first: a loan's borrower is judged
    /// by the version in force on its application date (the default before the first).
    pub loan_policies: Vec<(NaiveDate, LoanPolicy)>,
}

impl CheckSettings {
    fn loan_policy_on(&self, on: NaiveDate) -> LoanPolicy {
        self.loan_policies
            .iter()
            .rev()
            .find(|(from, _)| *from <= on)
            .map(|(_, policy)| *policy)
            .unwrap_or_default()
    }
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

/// An ID number as messages show it: masked, or "(empty)" / "（空）".
fn masked_id(raw: &str, chinese: bool) -> String {
    let trimmed = raw.trim();
    match (trimmed.is_empty(), chinese) {
        (true, false) => "(empty)".to_owned(),
        (true, true) => "（空）".to_owned(),
        (false, _) => mask_id_number(trimmed),
    }
}

/// Every finding for one household, in the order of [`RULES`].
pub fn check_household(facts: &HouseholdFacts, settings: &CheckSettings) -> Vec<Finding> {
    let mut out = Vec::new();
    members::check_identity(facts, settings.today, &mut out);
    members::check_heads(facts, settings.today, &mut out);
    check_causes(facts, &mut out);
    members::check_schooling(facts, settings.today, &mut out);
    members::check_labour_ability(facts, settings.today, &mut out);
    members::check_relation_ages(facts, settings.today, &mut out);
    check_exit(facts, &mut out);
    check_minimum_allowance(facts, settings.year, &mut out);
    check_loans(facts, settings, &mut out);
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
    // Stable: within a rule, findings keep the order of the records.
    out.sort_by_key(|f| RULES.iter().position(|r| r.id == f.rule));
    out
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
                format!(
                    "the other causes repeat a cause ({})",
                    cause_list(others, ", ", false)
                ),
                format!("其他致贫原因重复（{}）", cause_list(others, "、", true)),
            )),
        },
    }
    for (en, zh) in messages {
        out.push(finding(ids::CAUSES, entity::HOUSEHOLD, &facts.id, en, zh));
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
    match (
        facts.exit_year_income_per_capita_fen,
        facts.exit_year_poverty_line_fen,
    ) {
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
        let later = facts
            .assessments
            .iter()
            .filter(passed)
            .map(|a| a.assessed_on)
            .min();
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
fn check_loans(facts: &HouseholdFacts, settings: &CheckSettings, out: &mut Vec<Finding>) {
    let cap_fen = settings.loan_cap_fen;
    for loan in &facts.loans {
        let policy = settings.loan_policy_on(loan.applied_on);
        let (min, max) = (policy.min_borrower_age, policy.max_borrower_age);
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
            format!(
                "outstanding principal across {count} loan(s) is {} yuan, above the cap of {} yuan",
                yuan(total),
                yuan(cap_fen)
            ),
            format!(
                "{count}笔贷款未还本金合计{}元，超过上限{}元",
                yuan(total),
                yuan(cap_fen)
            ),
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
        out.push(finding(
            ids::PAYMENT_AFTER_MEMBER_LEFT,
            entity::SUBSIDY,
            &payment.entry_id,
            en,
            zh,
        ));
    }
}

/// Rule 17, reusing [`PhoneNumber::parse`].
fn check_phone(facts: &HouseholdFacts, out: &mut Vec<Finding>) {
    let Some(phone) = facts
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    else {
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

#[cfg(test)]
mod tests;
