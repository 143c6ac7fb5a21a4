//! Bodies of 两不愁三保障 assessments and of the exit evaluation.

use chrono::{DateTime, NaiveDate, Utc};
use fupin_domain::assessment::{AssessmentItem, HouseGrade};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::pagination::page_of;

/// A typed item: satisfied or not, with a note.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub satisfied: bool,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The house's safety grade, with a note.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HousingInput {
    pub grade: HouseGrade,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Reasons for treating a derived failure as satisfied (each is recorded in the audit trail).
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    #[validate(length(min = 5, max = 500))]
    #[schema(min_length = 5, max_length = 500)]
    pub compulsory_education: Option<String>,
    #[validate(length(min = 5, max = 500))]
    #[schema(min_length = 5, max_length = 500)]
    pub basic_medical: Option<String>,
}

/// A new assessment. Compulsory education and basic medical care are not typed: they follow
/// from the members' schooling and insurance.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"assessed_on": "2019-10-15",
    "food": {"satisfied": true}, "clothing": {"satisfied": true},
    "housing": {"grade": "b", "note": "2017年危改后鉴定为B级"}, "drinking_water": {"satisfied": true, "note": "自来水入户"}}))]
pub struct CreateAssessment {
    /// Not in the future.
    pub assessed_on: NaiveDate,
    #[validate(nested)]
    pub food: ItemInput,
    #[validate(nested)]
    pub clothing: ItemInput,
    #[validate(nested)]
    pub housing: HousingInput,
    #[validate(nested)]
    pub drinking_water: ItemInput,
    #[serde(default, deserialize_with = "super::object")]
    #[validate(nested)]
    pub overrides: Overrides,
}

/// A member an item concerns.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberRef {
    pub id: String,
    pub name: String,
}

/// One item's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemResult {
    pub item: AssessmentItem,
    pub satisfied: bool,
    /// True for items that follow from member data.
    pub derived: bool,
    pub note: Option<String>,
    /// For derived items: the members that make it fail.
    pub members_concerned: Vec<MemberRef>,
    /// Set when a derived failure is treated as satisfied.
    pub override_reason: Option<String>,
}

/// An assessment with every item's result. Derived items reflect the members as they are now
/// (those present on the assessment date).
#[derive(Debug, Serialize, ToSchema)]
pub struct Assessment {
    pub id: String,
    pub household_id: String,
    pub assessed_on: NaiveDate,
    pub assessed_by: String,
    pub created_at: DateTime<Utc>,
    pub housing_grade: HouseGrade,
    pub items: Vec<ItemResult>,
    pub all_satisfied: bool,
}

page_of!(AssessmentPage, Assessment);

/// `?year=` of the exit evaluation.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EvaluationParams {
    /// The year whose income and poverty line decide.
    #[param(minimum = 2014, maximum = 2100)]
    #[validate(range(min = 2014, max = 2100))]
    pub year: i32,
}

/// One criterion of exit, with the evidence it was decided on.
#[derive(Debug, Serialize, ToSchema)]
pub struct Criterion {
    /// `income`, or an item of 两不愁三保障.
    pub criterion: String,
    pub satisfied: bool,
    pub explanation: String,
    /// The records used: the income record and line, or the assessment.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
}

/// Something that stands in the way of exit by itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct Blocker {
    /// `no_income_record`, `no_assessment`, `unsafe_house`, `school_age_dropout`,
    /// `serious_illness_without_cover`.
    pub kind: String,
    pub explanation: String,
    pub members_concerned: Vec<MemberRef>,
}

/// Whether a household may exit, criterion by criterion.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExitEvaluation {
    pub household_id: String,
    pub year: i32,
    pub eligible: bool,
    pub criteria: Vec<Criterion>,
    pub blockers: Vec<Blocker>,
}
