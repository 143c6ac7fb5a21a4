//! Household bodies.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use fupin_domain::household::{
    check_causes, check_identified_year, Attribute, HouseholdStatus, PovertyCause,
};
use fupin_domain::masking::mask_phone;
use fupin_domain::phone::PhoneNumber;
use fupin_domain::region::RegionCode;
use fupin_persistence::households::{HouseholdEdit, HouseholdRow};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::members::{CheckedMember, Member, NewMemberBody};
use super::{present, stored, utc, Findings};
use crate::context::Disclosure;
use crate::error::AppError;
use crate::pagination::page_of;

/// A registered poor household, without its members.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c2-7a51-7c3e-9b0e-2f1d6c1e8a11", "kind": "registered", "household_number": "6101170012010001",
    "region_code": "610117001201", "head_name": "王建国", "phone": "138****5678",
    "address": "东樊村三组12号", "attribute": "general", "main_cause": "disability",
    "other_causes": ["lack_of_funds"], "identified_year": 2016, "status": "not_exited",
    "exit_stage": "none", "exit_year": null, "exit_recorded_as_history": false,
    "notice_started_on": null, "monitoring": null, "member_count": 3, "version": 4, "created_at": "2026-11-29T08:00:00Z", "updated_at": "2026-11-29T08:10:00Z"
}))]
pub struct Household {
    pub id: String,
    pub kind: fupin_domain::household::HouseholdKind,
    /// The household's registry number (户编号), unique in the registry.
    pub household_number: String,
    /// The administrative village (12-digit code).
    pub region_code: String,
    pub head_name: String,
    /// Masked (`138****5678`) unless the caller asked for `reveal=true` and may read personal data.
    pub phone: Option<String>,
    pub address: String,
    pub attribute: Attribute,
    pub main_cause: PovertyCause,
    /// At most two causes besides the main one.
    pub other_causes: Vec<PovertyCause>,
    pub identified_year: i32,
    pub status: HouseholdStatus,
    /// Where the household is in the exit procedure.
    pub exit_stage: fupin_domain::lifecycle::ExitStage,
    pub exit_year: Option<i32>,
    /// Its exit was recorded as history (decided on paper before it was registered here),
    /// not approved through the live procedure.
    pub exit_recorded_as_history: bool,
    /// While the public notice of its exit runs: the day the server recorded its start (the
    /// notice document's own date is in the history). Approval is possible once the notice has
    /// run its days from this day, whatever dates a client sends.
    pub notice_started_on: Option<NaiveDate>,
    /// Set while the household is monitored (防止返贫监测).
    pub monitoring: Option<Monitoring>,
    /// Current members (those who have not left).
    pub member_count: i32,
    /// Moves on with every change to the household or its members; the `ETag`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Household {
    /// Opens the sealed phone number and shows it as `disclosure` says.
    pub fn from_row(
        row: HouseholdRow,
        keys: &PersonalDataKeys,
        disclosure: Disclosure,
    ) -> Result<Self, StoreError> {
        let phone = match row.phone_cipher.as_deref() {
            None => None,
            Some(sealed) => {
                let phone = keys.open(sealed)?;
                Some(match disclosure {
                    Disclosure::Full => phone,
                    Disclosure::Masked => mask_phone(&phone),
                })
            }
        };
        let other_causes = [row.other_cause_1.as_deref(), row.other_cause_2.as_deref()]
            .into_iter()
            .flatten()
            .map(stored)
            .collect::<Result<_, _>>()?;
        let monitoring = match (row.monitoring_kind.as_deref(), row.monitoring_since) {
            (Some(kind), Some(since)) => Some(Monitoring {
                kind: stored(kind)?,
                risk: row.monitoring_risk.clone().unwrap_or_default(),
                since,
            }),
            _ => None,
        };
        Ok(Household {
            kind: stored(&row.kind)?,
            exit_stage: stored(&row.exit_stage)?,
            exit_year: row.exit_year,
            exit_recorded_as_history: row.exit_recorded_as_history,
            notice_started_on: row.notice_started_on,
            monitoring,
            attribute: stored(&row.attribute)?,
            main_cause: stored(&row.main_cause)?,
            status: stored(&row.status)?,
            other_causes,
            id: row.id,
            household_number: row.household_number,
            region_code: row.region_code,
            head_name: row.head_name,
            phone,
            address: row.address,
            identified_year: row.identified_year,
            member_count: row.member_count,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        })
    }
}

/// A household's monitoring flag (防止返贫监测).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Monitoring {
    pub kind: fupin_domain::lifecycle::MonitoringKind,
    pub risk: String,
    pub since: NaiveDate,
}

/// A household with all its members, current and former.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdWithMembers {
    #[serde(flatten)]
    pub household: Household,
    pub members: Vec<Member>,
}

page_of!(HouseholdPage, Household);

/// A household to register, with its head.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "household_number": "6101170012019001", "region_code": "610117001201", "phone": "13812345678",
    "address": "东樊村三组12号", "attribute": "general", "main_cause": "disability",
    "other_causes": ["lack_of_funds"], "identified_year": 2016,
    "head": {
        "name": "王建国", "id_number": "610117197305125014", "sex": "male", "birth_date": "1973-05-12",
        "ethnicity": "汉族", "education": "junior_secondary", "schooling": "not_in_school",
        "health": "disabled", "disability": "grade_3", "labour_ability": "weak",
        "employment": "self_employed", "basic_medical_insurance": true
    }
}))]
pub struct CreateHousehold {
    /// Letters, digits and `-`, unique in the registry.
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9-]+$")]
    pub household_number: String,
    /// An administrative village (12-digit code).
    #[schema(format = "region-code")]
    pub region_code: String,
    /// Mobile (11 digits) or landline with area code.
    #[validate(length(max = 20))]
    #[schema(max_length = 20)]
    pub phone: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub address: String,
    pub attribute: Attribute,
    pub main_cause: PovertyCause,
    #[serde(default)]
    #[schema(max_items = 2)]
    pub other_causes: Vec<PovertyCause>,
    /// The year the household was identified, from 2014 to this year.
    #[schema(minimum = 2014)]
    pub identified_year: i32,
    /// The head of household (relation `head`).
    #[validate(nested)]
    pub head: NewMemberBody,
    /// `registered` (the default) or `monitored`: a 监测户 never registered as poor, which
    /// takes no exit procedure; flag its risk with `POST /households/{id}/monitoring`.
    #[serde(default = "registered")]
    pub kind: fupin_domain::household::HouseholdKind,
}

fn registered() -> fupin_domain::household::HouseholdKind {
    fupin_domain::household::HouseholdKind::Registered
}

/// A household and its head after the domain checked them.
pub struct NewHousehold {
    pub kind: fupin_domain::household::HouseholdKind,
    pub region_code: RegionCode,
    pub fields: CheckedHousehold,
    pub head: CheckedMember,
}

/// The parts of a household every write checks the same way.
struct HouseholdParts<'a> {
    household_number: &'a str,
    phone: Option<&'a str>,
    address: &'a str,
    attribute: Attribute,
    main_cause: PovertyCause,
    other_causes: &'a [PovertyCause],
    identified_year: i32,
}

impl HouseholdParts<'_> {
    /// The checked fields (phone not yet sealed) and the normalised phone number.
    fn check(&self, today: NaiveDate, findings: &mut Findings) -> CheckedHousehold {
        let number = self.household_number.trim();
        if number.is_empty()
            || !number
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            findings.add(
                "household_number",
                "invalid_format",
                "the household number is letters, digits and -",
                "户编号只能包含字母、数字和 -",
            );
        }
        let phone = self.phone.filter(|p| !p.trim().is_empty()).and_then(|p| {
            findings.check(
                "phone",
                "invalid_phone",
                "电话号码无效",
                PhoneNumber::parse(p),
            )
        });
        if self.address.trim().is_empty() {
            findings.add(
                "address",
                "required",
                "the address cannot be blank",
                "地址不能为空",
            );
        }
        findings.check(
            "other_causes",
            "invalid_causes",
            "致贫原因无效",
            check_causes(self.main_cause, self.other_causes),
        );
        findings.check(
            "identified_year",
            "out_of_range",
            "识别年度超出范围",
            check_identified_year(self.identified_year, today.year()),
        );
        CheckedHousehold {
            phone: phone.map(|p| p.as_str().to_owned()),
            edit: HouseholdEdit {
                household_number: number.to_owned(),
                phone_cipher: None,
                address: self.address.trim().to_owned(),
                attribute: self.attribute.as_str().to_owned(),
                main_cause: self.main_cause.as_str().to_owned(),
                other_cause_1: self.other_causes.first().map(|c| c.as_str().to_owned()),
                other_cause_2: self.other_causes.get(1).map(|c| c.as_str().to_owned()),
                identified_year: self.identified_year,
            },
        }
    }
}

/// A household's checked fields and its phone number, before the phone is sealed.
pub struct CheckedHousehold {
    pub edit: HouseholdEdit,
    pub phone: Option<String>,
}

impl CheckedHousehold {
    /// The fields to write, with the phone sealed.
    pub fn sealed(self, keys: &PersonalDataKeys) -> Result<HouseholdEdit, StoreError> {
        let mut edit = self.edit;
        edit.phone_cipher = self.phone.as_deref().map(|p| keys.seal(p)).transpose()?;
        Ok(edit)
    }
}

impl CreateHousehold {
    pub fn check(self, today: NaiveDate) -> Result<NewHousehold, AppError> {
        let mut findings = Findings::default();
        let region_code = findings.check(
            "region_code",
            "invalid_region_code",
            "区划代码无效",
            RegionCode::parse(&self.region_code),
        );
        let fields = HouseholdParts {
            household_number: &self.household_number,
            phone: self.phone.as_deref(),
            address: &self.address,
            attribute: self.attribute,
            main_cause: self.main_cause,
            other_causes: &self.other_causes,
            identified_year: self.identified_year,
        }
        .check(today, &mut findings);
        if self
            .head
            .relation
            .is_some_and(|r| r != fupin_domain::member::Relation::Head)
        {
            findings.add(
                "head.relation",
                "invalid_choice",
                "the head's relation is `head`",
                "户主的关系必须是户主",
            );
        }
        let head = match self
            .head
            .check(today, Some(fupin_domain::member::Relation::Head))
        {
            Ok(head) => Some(head),
            Err(head_findings) => {
                findings.merge(head_findings.prefixed("head"));
                None
            }
        };
        let new = match (region_code, head) {
            (Some(region_code), Some(head)) => Some(NewHousehold {
                kind: self.kind,
                region_code,
                fields,
                head,
            }),
            _ => None,
        };
        findings.finish(new)
    }
}

/// Changes to a household; fields left out stay as they are. `status` is not here: it changes
/// only through the registry's transitions.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "13987654321", "other_causes": ["lack_of_funds", "lack_of_skills"]}))]
pub struct UpdateHousehold {
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9-]+$")]
    pub household_number: Option<String>,
    /// `null` removes the phone number.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 20)]
    pub phone: Option<Option<String>>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub address: Option<String>,
    pub attribute: Option<Attribute>,
    pub main_cause: Option<PovertyCause>,
    #[schema(max_items = 2)]
    pub other_causes: Option<Vec<PovertyCause>>,
    #[schema(minimum = 2014)]
    pub identified_year: Option<i32>,
}

impl UpdateHousehold {
    /// The household as it would be after this change, checked as a whole. `current` must show
    /// the phone in full.
    pub fn apply_to(
        self,
        current: &Household,
        today: NaiveDate,
    ) -> Result<CheckedHousehold, AppError> {
        let mut findings = Findings::default();
        if let Some(Some(phone)) = &self.phone {
            if phone.chars().count() > 20 {
                findings.add(
                    "phone",
                    "length",
                    "length must be at most 20",
                    "长度不能超过 20",
                );
            }
        }
        let phone = match &self.phone {
            Some(given) => given.as_deref(),
            None => current.phone.as_deref(),
        };
        let other_causes = self
            .other_causes
            .as_deref()
            .unwrap_or(&current.other_causes);
        let edit = HouseholdParts {
            household_number: self
                .household_number
                .as_deref()
                .unwrap_or(&current.household_number),
            phone,
            address: self.address.as_deref().unwrap_or(&current.address),
            attribute: self.attribute.unwrap_or(current.attribute),
            main_cause: self.main_cause.unwrap_or(current.main_cause),
            other_causes,
            identified_year: self.identified_year.unwrap_or(current.identified_year),
        }
        .check(today, &mut findings);
        findings.finish(Some(edit))
    }
}

/// Makes another current member the head; the former head takes `former_head_relation`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"member_id": "0193a4c2-7a51-7c3e-9b0e-2f1d6c1e8a13", "former_head_relation": "father"}))]
pub struct TransferHeadship {
    pub member_id: String,
    pub former_head_relation: fupin_domain::member::Relation,
}

/// Filters of the household list, combined with AND.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HouseholdListParams {
    /// Only households in this region and everything under it (12-digit code).
    #[param(format = "region-code")]
    pub region: Option<String>,
    /// Without it, every status but `removed`.
    pub status: Option<HouseholdStatus>,
    pub monitoring_kind: Option<fupin_domain::lifecycle::MonitoringKind>,
    pub exit_year: Option<i32>,
    pub kind: Option<fupin_domain::household::HouseholdKind>,
    pub attribute: Option<Attribute>,
    pub main_cause: Option<PovertyCause>,
    #[param(minimum = 2014, maximum = 2100)]
    #[validate(range(min = 2014, max = 2100))]
    pub identified_year: Option<i32>,
    /// Part of the household number or of the head's name (any case).
    #[param(max_length = 50)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged.
    #[param(format = "cursor")]
    pub cursor: Option<String>,
}
