//! The catalogue of data-quality rules: ids, severities and names.

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
    pub const RELATION_AGE: &str = "relation_age";
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
    Rule {
        id,
        severity,
        name_zh,
        name_en,
        description,
    }
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
    r(ids::RELATION_AGE, Error, "家庭关系与年龄不符", "Relation inconsistent with age",
      "A current member whose relation to the head does not fit their ages: a spouse under the legal marriage age (22 for men, 20 for women), a parent of the head less than 15 years older than the head, a son or daughter less than 15 years younger, a grandchild less than 30 years younger. Ages on the check date."),
    r(ids::EXIT_INCOME_BELOW_LINE, Error, "脱贫户收入未超过贫困线", "Exited below the poverty line",
      "An exited household whose per-capita net income in its exit year is not above that year's poverty line, or whose income for the exit year is not recorded. No finding when the year's line is unknown."),
    r(ids::EXIT_WITHOUT_PASSING_ASSESSMENT, Error, "脱贫未通过两不愁三保障评估", "Exit without a passing assessment",
      "An exited household with no passing 两不愁三保障 assessment dated on or before the exit approval."),
    r(ids::MINIMUM_ALLOWANCE_WITHOUT_ENTRY, Warning, "低保户无低保发放记录", "Low-income household without allowance",
      "A low-income (低保) household with no minimum living allowance entry in the year checked."),
    r(ids::LOAN_BORROWER_AGE, Error, "借款人年龄不符", "Borrower age",
      "A microloan whose borrower was outside the ages of the loan policy in force on the application date (18 to 65 in the first version)."),
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
