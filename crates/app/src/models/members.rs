//! Member bodies.

use chrono::{DateTime, NaiveDate, Utc};
use fupin_domain::masking::mask_id_number;
use fupin_domain::member::{
    Disability, Education, Employment, Health, LabourAbility, LeaveReason, Relation,
    SchoolingStatus, Sex,
};
use fupin_domain::resident_id::{check_consistency, IdentityMismatch, ResidentIdNumber};
use fupin_persistence::members::{MemberEdit, MemberRow};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::{stored, utc, Findings};
use crate::context::Disclosure;
use crate::error::AppError;
use crate::pagination::page_of;

/// A person in a household.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c2-7a51-7c3e-9b0e-2f1d6c1e8a12", "household_id": "0193a4c2-7a51-7c3e-9b0e-2f1d6c1e8a11",
    "region_code": "610117001201", "name": "王建国", "id_number": "610117197305125014", "sex": "male",
    "birth_date": "1973-05-12", "relation": "head", "ethnicity": "汉族", "education": "junior_secondary",
    "schooling": "not_in_school", "health": "disabled", "disability": "grade_3", "labour_ability": "weak",
    "employment": "self_employed", "basic_medical_insurance": true, "critical_illness_insurance": true,
    "pension_insurance": true, "current": true, "left_on": null, "leave_reason": null, "version": 1,
    "created_at": "2026-11-29T08:00:00Z", "updated_at": "2026-11-29T08:00:00Z"
}))]
pub struct Member {
    pub id: String,
    pub household_id: String,
    /// The village the household belongs to.
    pub region_code: String,
    pub name: String,
    /// Resident ID number (身份证号码), 18 characters; masked (`610117********123X`) unless the
    /// caller asked for `reveal=true` and may read personal data.
    pub id_number: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub ethnicity: String,
    pub education: Education,
    pub schooling: SchoolingStatus,
    pub health: Health,
    pub disability: Disability,
    pub labour_ability: LabourAbility,
    pub employment: Employment,
    /// 城乡居民基本医疗保险
    pub basic_medical_insurance: bool,
    /// 大病保险
    pub critical_illness_insurance: bool,
    /// 城乡居民基本养老保险
    pub pension_insurance: bool,
    /// False once the member has left the household.
    pub current: bool,
    pub left_on: Option<NaiveDate>,
    pub leave_reason: Option<LeaveReason>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Member {
    /// Opens the sealed resident ID number and shows it as `disclosure` says.
    pub fn from_row(
        row: MemberRow,
        keys: &PersonalDataKeys,
        disclosure: Disclosure,
    ) -> Result<Self, StoreError> {
        let sealed = row.id_number_cipher.as_deref().ok_or_else(|| {
            StoreError::Corrupt("a member without a sealed resident ID number".into())
        })?;
        let number = keys.open(sealed)?;
        let id_number = match disclosure {
            Disclosure::Full => number,
            Disclosure::Masked => mask_id_number(&number),
        };
        Ok(Member {
            id_number,
            sex: stored(&row.sex)?,
            relation: stored(&row.relation)?,
            education: stored(&row.education)?,
            schooling: stored(&row.schooling)?,
            health: stored(&row.health)?,
            disability: stored(&row.disability)?,
            labour_ability: stored(&row.labour_ability)?,
            employment: stored(&row.employment)?,
            leave_reason: row.leave_reason.as_deref().map(stored).transpose()?,
            current: row.left_on.is_none(),
            id: row.id,
            household_id: row.household_id,
            region_code: row.region_code,
            name: row.name,
            birth_date: row.birth_date,
            ethnicity: row.ethnicity,
            basic_medical_insurance: row.basic_medical_insurance,
            critical_illness_insurance: row.critical_illness_insurance,
            pension_insurance: row.pension_insurance,
            left_on: row.left_on,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        })
    }
}

page_of!(MemberPage, Member);

/// A person to add to a household.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "王小红", "id_number": "610117200109155026", "sex": "female", "birth_date": "2001-09-15",
    "relation": "daughter", "ethnicity": "汉族", "education": "college", "schooling": "undergraduate",
    "health": "healthy", "disability": "none", "labour_ability": "ordinary", "employment": "not_applicable",
    "basic_medical_insurance": true
}))]
pub struct NewMemberBody {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// 18 characters: 17 digits and a check digit or `X`; must agree with `sex` and `birth_date`.
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    /// Required when adding a member. For the head given with a new household it may be
    /// omitted (it is `head`).
    pub relation: Option<Relation>,
    /// Ethnic group as written in the household register, e.g. 汉族, 回族.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub ethnicity: String,
    pub education: Education,
    pub schooling: SchoolingStatus,
    pub health: Health,
    pub disability: Disability,
    pub labour_ability: LabourAbility,
    pub employment: Employment,
    #[serde(default)]
    pub basic_medical_insurance: bool,
    #[serde(default)]
    pub critical_illness_insurance: bool,
    #[serde(default)]
    pub pension_insurance: bool,
}

/// A member's fields after the domain checked them.
#[derive(Debug, Clone)]
pub struct CheckedMember {
    pub id_number: ResidentIdNumber,
    pub relation: Relation,
    pub fields: MemberEdit,
}

impl CheckedMember {
    /// Seals the resident ID number into the fields, with its keyed hash.
    pub fn seal(mut self, keys: &PersonalDataKeys) -> Result<Self, StoreError> {
        self.fields.id_number_cipher = Some(keys.seal(self.id_number.as_str())?);
        self.fields.id_number_hmac = Some(keys.id_number_hash(self.id_number.as_str()));
        Ok(self)
    }
}

fn describe_mismatch(mismatch: &IdentityMismatch) -> (&'static str, String, String) {
    match mismatch {
        IdentityMismatch::Sex { number, given } => (
            "sex",
            mismatch.to_string(),
            format!(
                "身份证号码显示性别为{}，与填写的{}不符",
                number.chinese(),
                given.chinese()
            ),
        ),
        IdentityMismatch::BirthDate { number, given } => (
            "birth_date",
            mismatch.to_string(),
            format!("身份证号码显示出生日期为 {number}，与填写的 {given} 不符"),
        ),
    }
}

impl NewMemberBody {
    /// Checks the member against the domain rules; `default_relation` applies when none is given.
    pub fn check(
        self,
        today: NaiveDate,
        default_relation: Option<Relation>,
    ) -> Result<CheckedMember, Findings> {
        let mut findings = Findings::default();
        let relation = self.relation.or(default_relation);
        if relation.is_none() {
            findings.add(
                "relation",
                "required",
                "relation to the head is required",
                "与户主关系为必填项",
            );
        }
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            findings.add(
                "name",
                "required",
                "the name cannot be blank",
                "姓名不能为空",
            );
        }
        if self.birth_date > today {
            findings.add(
                "birth_date",
                "in_future",
                "the birth date cannot be in the future",
                "出生日期不能晚于今天",
            );
        }
        let id_number = findings.check(
            "id_number",
            "invalid_resident_id",
            "身份证号码无效",
            ResidentIdNumber::parse(&self.id_number, today),
        );
        if let Some(number) = &id_number {
            for mismatch in check_consistency(number, self.sex, self.birth_date) {
                let (field, en, zh) = describe_mismatch(&mismatch);
                findings.add(field, "id_number_mismatch", en, zh);
            }
        }
        match (id_number, relation) {
            (Some(id_number), Some(relation)) if findings.is_empty() => Ok(CheckedMember {
                fields: MemberEdit {
                    name,
                    id_number_cipher: None,
                    id_number_hmac: None,
                    sex: self.sex.as_str().to_owned(),
                    birth_date: self.birth_date,
                    relation: relation.as_str().to_owned(),
                    ethnicity: self.ethnicity.trim().to_owned(),
                    education: self.education.as_str().to_owned(),
                    schooling: self.schooling.as_str().to_owned(),
                    health: self.health.as_str().to_owned(),
                    disability: self.disability.as_str().to_owned(),
                    labour_ability: self.labour_ability.as_str().to_owned(),
                    employment: self.employment.as_str().to_owned(),
                    basic_medical_insurance: self.basic_medical_insurance,
                    critical_illness_insurance: self.critical_illness_insurance,
                    pension_insurance: self.pension_insurance,
                },
                id_number,
                relation,
            }),
            _ => Err(findings),
        }
    }
}

/// Changes to a member; fields left out stay as they are. `relation` cannot become or stop
/// being `head` here: transfer the headship instead.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"employment": "public_welfare_post", "labour_ability": "weak"}))]
pub struct UpdateMember {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: Option<String>,
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: Option<String>,
    pub sex: Option<Sex>,
    pub birth_date: Option<NaiveDate>,
    pub relation: Option<Relation>,
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub ethnicity: Option<String>,
    pub education: Option<Education>,
    pub schooling: Option<SchoolingStatus>,
    pub health: Option<Health>,
    pub disability: Option<Disability>,
    pub labour_ability: Option<LabourAbility>,
    pub employment: Option<Employment>,
    pub basic_medical_insurance: Option<bool>,
    pub critical_illness_insurance: Option<bool>,
    pub pension_insurance: Option<bool>,
}

impl UpdateMember {
    /// The member as it would be after this change, as a full body to check again.
    pub fn apply_to(self, current: &Member) -> NewMemberBody {
        NewMemberBody {
            name: self.name.unwrap_or_else(|| current.name.clone()),
            id_number: self.id_number.unwrap_or_else(|| current.id_number.clone()),
            sex: self.sex.unwrap_or(current.sex),
            birth_date: self.birth_date.unwrap_or(current.birth_date),
            relation: Some(self.relation.unwrap_or(current.relation)),
            ethnicity: self.ethnicity.unwrap_or_else(|| current.ethnicity.clone()),
            education: self.education.unwrap_or(current.education),
            schooling: self.schooling.unwrap_or(current.schooling),
            health: self.health.unwrap_or(current.health),
            disability: self.disability.unwrap_or(current.disability),
            labour_ability: self.labour_ability.unwrap_or(current.labour_ability),
            employment: self.employment.unwrap_or(current.employment),
            basic_medical_insurance: self
                .basic_medical_insurance
                .unwrap_or(current.basic_medical_insurance),
            critical_illness_insurance: self
                .critical_illness_insurance
                .unwrap_or(current.critical_illness_insurance),
            pension_insurance: self.pension_insurance.unwrap_or(current.pension_insurance),
        }
    }
}

/// A member leaves the household; the record stays.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"left_on": "2026-10-01", "reason": "marriage"}))]
pub struct LeaveBody {
    pub left_on: NaiveDate,
    pub reason: LeaveReason,
}

/// Filters of the member list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MemberListParams {
    /// Only members of households in this region and everything under it (12-digit code).
    #[param(format = "region-code")]
    pub region: Option<String>,
    /// `true`: only members who have not left; `false`: only those who left.
    pub current: Option<bool>,
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged.
    #[param(format = "cursor")]
    pub cursor: Option<String>,
}

/// Turns findings about a member into the problem answer.
pub fn member_problem(findings: Findings, prefix: Option<&str>) -> AppError {
    let findings = match prefix {
        Some(prefix) => findings.prefixed(prefix),
        None => findings,
    };
    match findings.finish::<()>(None) {
        Err(problem) => problem,
        Ok(()) => AppError::internal(),
    }
}
