//! Registering, reading and editing households.

use fupin_domain::household::HouseholdStatus;
use fupin_domain::member::Relation;
use fupin_domain::region::RegionLevel;
use fupin_persistence::households::{self, HouseholdRow};
use fupin_persistence::members::{self, MemberRow};
use fupin_persistence::pg_reads::PgReadPool;
use fupin_persistence::{regions, DbConn, StoreError};

use super::context::{Context, Disclosure, NOTHING};
use super::{ensure_id_number_free, new_id};
use crate::caller::forbidden_region;
use crate::error::{AppError, Kind, Text};
use crate::models::households::{
    Household, HouseholdWithMembers, NewHousehold, TransferHeadship, UpdateHousehold,
};
use crate::models::members::{CheckedMember, Member};

pub fn not_found_as_household(problem: AppError) -> AppError {
    if problem.kind == Kind::NotFound {
        AppError::not_found("household", "贫困户")
    } else {
        problem
    }
}

pub fn find(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    disclosure: Disclosure,
) -> Result<Household, AppError> {
    let row =
        households::find(conn, &ctx.scope(), id).map_err(|e| not_found_as_household(e.into()))?;
    Ok(Household::from_row(row, &ctx.keys, disclosure)?)
}

/// A household with its members; a full disclosure is recorded in the audit trail.
pub fn find_with_members(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    disclosure: Disclosure,
) -> Result<HouseholdWithMembers, AppError> {
    let rows = households::find_with_members(conn, &ctx.scope(), id);
    let found = with_members(rows, ctx, disclosure)?;
    if disclosure == Disclosure::Full {
        let region = found.household.region_code.clone();
        ctx.audit(
            conn,
            "read_personal_data",
            ("household", id),
            Some(&region),
            NOTHING,
            NOTHING,
        )?;
    }
    Ok(found)
}

/// A household with its members, masked, read on an HTTP worker's own async PostgreSQL
/// connection (a masked read writes no audit entry, so it needs no transaction).
pub async fn find_with_members_masked(
    reads: &PgReadPool,
    ctx: &Context,
    id: &str,
) -> Result<HouseholdWithMembers, AppError> {
    let rows = reads.find_household_with_members(&ctx.scope(), id).await;
    with_members(rows, ctx, Disclosure::Masked)
}

fn with_members(
    rows: Result<(HouseholdRow, Vec<MemberRow>), StoreError>,
    ctx: &Context,
    disclosure: Disclosure,
) -> Result<HouseholdWithMembers, AppError> {
    let (row, member_rows) = rows.map_err(|e| not_found_as_household(e.into()))?;
    Ok(HouseholdWithMembers {
        household: Household::from_row(row, &ctx.keys, disclosure)?,
        members: member_rows
            .into_iter()
            .map(|m| Member::from_row(m, &ctx.keys, disclosure))
            .collect::<Result<_, _>>()?,
    })
}

/// A member row for a household from checked, sealed fields.
pub fn member_row(household: &HouseholdRow, member: &CheckedMember, ctx: &Context) -> MemberRow {
    let f = &member.fields;
    MemberRow {
        id: new_id(),
        household_id: household.id.clone(),
        county_code: household.county_code.clone(),
        region_code: household.region_code.clone(),
        name: f.name.clone(),
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
        created_at: ctx.now,
        updated_at: ctx.now,
        id_number_cipher: f.id_number_cipher.clone(),
        id_number_hmac: f.id_number_hmac.clone(),
    }
}

fn number_taken(number: &str) -> AppError {
    AppError::new(Kind::HouseholdNumberTaken).with_detail(
        format!("Household number {number} is registered already"),
        format!("户编号 {number} 已登记"),
    )
}

pub fn register(
    conn: &mut DbConn,
    ctx: &Context,
    new: NewHousehold,
) -> Result<HouseholdWithMembers, AppError> {
    let scope = ctx.scope();
    if !scope.covers(&new.region_code) {
        return Err(forbidden_region());
    }
    let village =
        regions::find_by_code(conn, &scope, new.region_code.as_str())?.ok_or_else(|| {
            AppError::invalid_field(
                "region_code",
                "region_not_found",
                Text::new(
                    format!("there is no region {}", new.region_code),
                    format!("区划 {} 不存在", new.region_code),
                ),
            )
        })?;
    if village.level != RegionLevel::Village.as_str() {
        return Err(AppError::invalid_field(
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
    let head = new.head.seal(&ctx.keys)?;
    ensure_id_number_free(
        conn,
        &ctx.scope(),
        head.fields.id_number_hmac.as_deref().unwrap_or_default(),
        None,
    )?;
    let fields = new.fields.sealed(&ctx.keys)?;
    let household = HouseholdRow {
        id: new_id(),
        county_code: new.region_code.county().to_owned(),
        region_code: new.region_code.as_str().to_owned(),
        household_number: fields.household_number,
        head_name: head.fields.name.clone(),
        address: fields.address,
        attribute: fields.attribute,
        main_cause: fields.main_cause,
        other_cause_1: fields.other_cause_1,
        other_cause_2: fields.other_cause_2,
        identified_year: fields.identified_year,
        status: HouseholdStatus::NotExited.as_str().to_owned(),
        member_count: 1,
        version: 1,
        created_at: ctx.now,
        updated_at: ctx.now,
        phone_cipher: fields.phone_cipher,
        exit_stage: fupin_domain::lifecycle::ExitStage::None.as_str().to_owned(),
        exit_year: None,
        notice_started_on: None,
        monitoring_kind: None,
        monitoring_risk: None,
        monitoring_since: None,
        kind: new.kind.as_str().to_owned(),
        exit_recorded_as_history: false,
    };
    households::insert(conn, &household).map_err(|e| match e {
        StoreError::Unique(_) => number_taken(&household.household_number),
        other => other.into(),
    })?;
    let head_row = member_row(&household, &head, ctx);
    members::insert(conn, &head_row)?;
    let created = HouseholdWithMembers {
        household: Household::from_row(household, &ctx.keys, Disclosure::Masked)?,
        members: vec![Member::from_row(head_row, &ctx.keys, Disclosure::Masked)?],
    };
    let region = created.household.region_code.clone();
    ctx.audit(
        conn,
        "create",
        ("household", &created.household.id),
        Some(&region),
        NOTHING,
        Some(&created),
    )?;
    // The head is a record of its own: systems following the change feed see it created.
    for member in &created.members {
        ctx.audit(
            conn,
            "create",
            ("member", &member.id),
            Some(&region),
            NOTHING,
            Some(member),
        )?;
    }
    Ok(created)
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    expected_version: i64,
    change: UpdateHousehold,
) -> Result<Household, AppError> {
    let current = find(conn, ctx, id, Disclosure::Full)?;
    if current.version != expected_version {
        return Err(StoreError::Stale {
            current: current.version,
        }
        .into());
    }
    let before = find(conn, ctx, id, Disclosure::Masked)?;
    let edit = change.apply_to(&current, ctx.today)?.sealed(&ctx.keys)?;
    households::update(conn, &ctx.scope(), id, expected_version, &edit, ctx.now).map_err(|e| {
        match e {
            StoreError::Unique(_) => number_taken(&edit.household_number),
            other => not_found_as_household(other.into()),
        }
    })?;
    let after = find(conn, ctx, id, Disclosure::Masked)?;
    ctx.audit(
        conn,
        "update",
        ("household", id),
        Some(&after.region_code),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

pub fn transfer_headship(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    expected_version: Option<i64>,
    transfer: TransferHeadship,
) -> Result<HouseholdWithMembers, AppError> {
    let current = find_with_members(conn, ctx, id, Disclosure::Masked)?;
    if expected_version.is_some_and(|v| v != current.household.version) {
        return Err(StoreError::Stale {
            current: current.household.version,
        }
        .into());
    }
    if transfer.former_head_relation == Relation::Head {
        return Err(AppError::invalid_field(
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
            AppError::invalid_field(
                "member_id",
                "member_not_found",
                Text::new(
                    "no current member of this household has this id",
                    "该户没有此现有成员",
                ),
            )
        })?;
    if new_head.relation == Relation::Head {
        return Err(AppError::new(Kind::StateConflict)
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
            ctx.now,
        )?;
    }
    members::set_relation(conn, &new_head_id, Relation::Head.as_str(), ctx.now)?;
    households::refresh_after_member_change(conn, id, ctx.now)?;
    let after = find_with_members(conn, ctx, id, Disclosure::Masked)?;
    let region = after.household.region_code.clone();
    ctx.audit(
        conn,
        "transfer_headship",
        ("household", id),
        Some(&region),
        Some(&current),
        Some(&after),
    )?;
    Ok(after)
}
