//! Registering, reading and editing households.

use fupin_domain::household::HouseholdStatus;
use fupin_domain::member::Relation;
use fupin_domain::region::RegionLevel;
use fupin_domain::scope::RegionScope;
use fupin_persistence::households::{self, HouseholdRow};
use fupin_persistence::members::{self, MemberRow};
use fupin_persistence::{regions, DbConn, StoreError};

use super::{ensure_id_number_free, new_id, Now};
use crate::models::households::{
    Household, HouseholdWithMembers, NewHousehold, TransferHeadship, UpdateHousehold,
};
use crate::models::members::{CheckedMember, Member};
use crate::problem::{Kind, Problem, Text};

pub fn not_found_as_household(problem: Problem) -> Problem {
    if problem.kind == Kind::NotFound {
        Problem::not_found("household", "贫困户")
    } else {
        problem
    }
}

pub fn find(conn: &mut DbConn, scope: &RegionScope, id: &str) -> Result<Household, Problem> {
    let row = households::find(conn, scope, id).map_err(|e| not_found_as_household(e.into()))?;
    Ok(Household::try_from(row)?)
}

pub fn find_with_members(
    conn: &mut DbConn,
    scope: &RegionScope,
    id: &str,
) -> Result<HouseholdWithMembers, Problem> {
    let (row, member_rows) = households::find_with_members(conn, scope, id)
        .map_err(|e| not_found_as_household(e.into()))?;
    Ok(HouseholdWithMembers {
        household: Household::try_from(row)?,
        members: member_rows
            .into_iter()
            .map(Member::try_from)
            .collect::<Result<_, _>>()?,
    })
}

/// A member row for a household from checked fields.
pub fn member_row(household: &HouseholdRow, member: &CheckedMember, now: Now) -> MemberRow {
    let f = &member.fields;
    MemberRow {
        id: new_id(),
        household_id: household.id.clone(),
        county_code: household.county_code.clone(),
        region_code: household.region_code.clone(),
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        sex: f.sex.clone(),
        birth_date: f.birth_date,
        relation: f.relation.clone(),
        ethnicity: f.ethnicity.clone(),
        education: f.education.clone(),
        schooling: f.schooling.clone(),
        health: f.health.clone(),
        disability: f.disability.clone(),
        labour_ability: f.labour_ability.clone(),
        employment: f.employment.clone(),
        basic_medical_insurance: f.basic_medical_insurance,
        critical_illness_insurance: f.critical_illness_insurance,
        pension_insurance: f.pension_insurance,
        left_on: None,
        leave_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

pub fn register(
    conn: &mut DbConn,
    scope: &RegionScope,
    new: NewHousehold,
    now: Now,
) -> Result<HouseholdWithMembers, Problem> {
    let village =
        regions::find_by_code(conn, scope, new.region_code.as_str())?.ok_or_else(|| {
            Problem::invalid_field(
                "region_code",
                "region_not_found",
                Text::new(
                    format!("there is no region {}", new.region_code),
                    format!("区划 {} 不存在", new.region_code),
                ),
            )
        })?;
    if village.level != RegionLevel::Village.as_str() {
        return Err(Problem::invalid_field(
            "region_code",
            "not_a_village",
            Text::new(
                format!(
                    "{} is a {}; households belong to administrative villages",
                    village.code, village.level
                ),
                format!("{} 不是行政村；贫困户必须登记在行政村", village.code),
            ),
        ));
    }
    ensure_id_number_free(conn, new.head.id_number.as_str(), None)?;
    let fields = new.fields;
    let household = HouseholdRow {
        id: new_id(),
        county_code: new.region_code.county().to_owned(),
        region_code: new.region_code.as_str().to_owned(),
        household_number: fields.household_number,
        head_name: new.head.fields.name.clone(),
        phone: fields.phone,
        address: fields.address,
        attribute: fields.attribute,
        main_cause: fields.main_cause,
        other_cause_1: fields.other_cause_1,
        other_cause_2: fields.other_cause_2,
        identified_year: fields.identified_year,
        status: HouseholdStatus::NotExited.as_str().to_owned(),
        member_count: 1,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    households::insert(conn, &household).map_err(|e| match e {
        StoreError::Unique(_) => Problem::new(Kind::HouseholdNumberTaken).with_detail(
            format!(
                "Household number {} is registered already",
                household.household_number
            ),
            format!("户编号 {} 已登记", household.household_number),
        ),
        other => other.into(),
    })?;
    let head = member_row(&household, &new.head, now);
    members::insert(conn, &head)?;
    Ok(HouseholdWithMembers {
        household: Household::try_from(household)?,
        members: vec![Member::try_from(head)?],
    })
}

pub fn update(
    conn: &mut DbConn,
    scope: &RegionScope,
    id: &str,
    expected_version: i64,
    change: UpdateHousehold,
    today: chrono::NaiveDate,
    now: Now,
) -> Result<Household, Problem> {
    let current = find(conn, scope, id)?;
    if current.version != expected_version {
        return Err(StoreError::Stale {
            current: current.version,
        }
        .into());
    }
    let edit = change.apply_to(&current, today)?;
    households::update(conn, scope, id, expected_version, &edit, now).map_err(|e| match e {
        StoreError::Unique(_) => Problem::new(Kind::HouseholdNumberTaken).with_detail(
            format!(
                "Household number {} is registered already",
                edit.household_number
            ),
            format!("户编号 {} 已登记", edit.household_number),
        ),
        other => not_found_as_household(other.into()),
    })?;
    find(conn, scope, id)
}

pub fn transfer_headship(
    conn: &mut DbConn,
    scope: &RegionScope,
    id: &str,
    expected_version: Option<i64>,
    transfer: TransferHeadship,
    now: Now,
) -> Result<HouseholdWithMembers, Problem> {
    let current = find_with_members(conn, scope, id)?;
    if expected_version.is_some_and(|v| v != current.household.version) {
        return Err(StoreError::Stale {
            current: current.household.version,
        }
        .into());
    }
    if transfer.former_head_relation == Relation::Head {
        return Err(Problem::invalid_field(
            "former_head_relation",
            "invalid_choice",
            Text::new(
                "the former head needs another relation than `head`",
                "原户主的关系不能是户主",
            ),
        ));
    }
    let new_head = current
        .members
        .iter()
        .find(|m| m.id == transfer.member_id && m.current)
        .ok_or_else(|| {
            Problem::invalid_field(
                "member_id",
                "member_not_found",
                Text::new(
                    "no current member of this household has this id",
                    "该户没有此现有成员",
                ),
            )
        })?;
    if new_head.relation == Relation::Head {
        return Err(Problem::new(Kind::StateConflict)
            .with_detail("This member is the head already", "该成员已是户主"));
    }
    let new_head_id = new_head.id.clone();
    if let Some(old_head) = current
        .members
        .iter()
        .find(|m| m.current && m.relation == Relation::Head)
    {
        members::set_relation(
            conn,
            &old_head.id,
            transfer.former_head_relation.as_str(),
            now,
        )?;
    }
    members::set_relation(conn, &new_head_id, Relation::Head.as_str(), now)?;
    households::refresh_after_member_change(conn, id, now)?;
    find_with_members(conn, scope, id)
}
