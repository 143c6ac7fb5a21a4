//! A fixed household, with a current and a former member, rendered as the masked read renders
//! rows: part of the copies' format, so a change in how rows become JSON (a field's
//! serialisation, the masking) gives new copies even where the schemas did not change.

use chrono::{NaiveDate, NaiveDateTime};
use fupin_persistence::households::HouseholdRow;
use fupin_persistence::members::MemberRow;
use fupin_persistence::personal_data::PersonalDataKeys;

use crate::context::Disclosure;
use crate::models::households::{Household, HouseholdWithMembers};
use crate::models::members::Member;

pub fn rendered() -> Option<String> {
    let keys = PersonalDataKeys::demo().ok()?;
    let at = sampled_at()?;
    let members = [
        member_row(&keys, at, "head", None)?,
        member_row(&keys, at, "daughter", Some("marriage"))?,
    ]
    .into_iter()
    .map(|row| Member::from_row(row, &keys, Disclosure::Masked).ok())
    .collect::<Option<Vec<_>>>()?;
    let household = masked_household(&keys, at)?;
    serde_json::to_string(&HouseholdWithMembers { household, members }).ok()
}

/// The sample household alone, masked, as the list shows it.
#[cfg(test)]
pub fn household() -> Option<Household> {
    let keys = PersonalDataKeys::demo().ok()?;
    masked_household(&keys, sampled_at()?)
}

fn masked_household(keys: &PersonalDataKeys, at: NaiveDateTime) -> Option<Household> {
    Household::from_row(household_row(keys, at)?, keys, Disclosure::Masked).ok()
}

fn sampled_at() -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(2020, 1, 2)?.and_hms_opt(3, 4, 5)
}

fn household_row(keys: &PersonalDataKeys, at: NaiveDateTime) -> Option<HouseholdRow> {
    Some(HouseholdRow {
        id: "sample-household".into(),
        county_code: "610117".into(),
        region_code: "610117001201".into(),
        household_number: "6101170012010001".into(),
        head_name: "王建国".into(),
        address: "一组1号".into(),
        attribute: "general".into(),
        main_cause: "disability".into(),
        other_cause_1: Some("lack_of_skills".into()),
        other_cause_2: Some("lack_of_funds".into()),
        identified_year: 2016,
        status: "not_exited".into(),
        member_count: 1,
        version: 3,
        created_at: at,
        updated_at: at,
        phone_cipher: Some(keys.seal("13812345678").ok()?),
        exit_stage: "none".into(),
        exit_year: None,
        notice_started_on: None,
        monitoring_kind: Some("edge".into()),
        monitoring_risk: Some("illness".into()),
        monitoring_since: Some(at.date()),
        kind: "registered".into(),
        exit_recorded_as_history: false,
    })
}

fn member_row(
    keys: &PersonalDataKeys,
    at: NaiveDateTime,
    relation: &str,
    leave_reason: Option<&str>,
) -> Option<MemberRow> {
    Some(MemberRow {
        id: format!("sample-{relation}"),
        household_id: "sample-household".into(),
        county_code: "610117".into(),
        region_code: "610117001201".into(),
        name: "王小红".into(),
        sex: "female".into(),
        birth_date: NaiveDate::from_ymd_opt(2001, 9, 15)?,
        relation: relation.into(),
        ethnicity: "汉族".into(),
        education: "college".into(),
        schooling: "undergraduate".into(),
        health: "healthy".into(),
        disability: "none".into(),
        labour_ability: "ordinary".into(),
        employment: "not_applicable".into(),
        basic_medical_insurance: true,
        critical_illness_insurance: false,
        pension_insurance: true,
        left_on: leave_reason.map(|_| at.date()),
        leave_reason: leave_reason.map(Into::into),
        version: 2,
        created_at: at,
        updated_at: at,
        id_number_cipher: Some(keys.seal("610117200109150024").ok()?),
        id_number_hmac: None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sample_renders_masked() {
        let rendered = super::rendered().expect("the sample household renders");
        assert!(rendered.contains("\"phone\":\"138****5678\""), "{rendered}");
        assert!(
            rendered.contains("\"id_number\":\"610117********0024\""),
            "{rendered}"
        );
        assert!(!rendered.contains("13812345678") && !rendered.contains("610117200109150024"));
    }
}
