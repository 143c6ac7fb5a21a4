//! Adding, editing and recording the departure of household members.

use fupin_domain::ids::{HouseholdId, MemberId};
use fupin_domain::member::{check_leave, check_new_relation, MemberRuleError, Relation, Sex};
use fupin_domain::relation_age::{
    check_relation_age, RelationAgeMismatch, MIN_GRANDPARENT_GAP_YEARS, MIN_PARENT_GAP_YEARS,
};
use fupin_persistence::members::{self, MemberRow};
use fupin_persistence::{households, DbConn, StoreError};

use super::context::{Context, Disclosure, NOTHING};
use super::ensure_id_number_free;
use super::households::{member_row, not_found_as_household};
use crate::error::{AppError, Kind, Text};
use crate::models::members::{member_problem, CheckedMember, LeaveBody, Member, UpdateMember};

fn rule_conflict(error: MemberRuleError) -> AppError {
    let zh = match error {
        MemberRuleError::SecondHead => "该户已有户主",
        MemberRuleError::HeadCannotLeave => "户主不能减员，请先变更户主",
        MemberRuleError::AlreadyLeft(_) => "该成员已减员",
        MemberRuleError::LeaveDateInFuture => "减员日期不能晚于今天",
        MemberRuleError::LeaveDateBeforeBirth => "减员日期不能早于出生日期",
        MemberRuleError::LeftMemberIsReadOnly => "已减员的成员不能修改",
        MemberRuleError::RelationHeadByTransfer => "户主关系只能通过变更户主修改",
    };
    match error {
        // A bad date is a field the client can fix, not a conflict with the record's state.
        MemberRuleError::LeaveDateInFuture | MemberRuleError::LeaveDateBeforeBirth => {
            AppError::invalid_field("left_on", "out_of_range", Text::new(error.to_string(), zh))
        }
        _ => AppError::new(Kind::StateConflict).with_detail(error.to_string(), zh),
    }
}

/// A 422 on `field` when the member's relation to the head does not fit their ages
/// (`fupin_domain::relation_age`).
pub fn check_fits_head(
    member: &CheckedMember,
    head_birth_date: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
    field: &str,
) -> Result<(), AppError> {
    let Ok(sex) = member.fields.sex.parse::<Sex>() else {
        return Ok(());
    };
    check_relation_age(
        member.relation,
        sex,
        member.fields.birth_date,
        head_birth_date,
        today,
    )
    .map_err(|mismatch| {
        let zh = match mismatch {
            RelationAgeMismatch::SpouseUnderMarriageAge { min_age, .. } => {
                format!("配偶须达到法定婚龄（{min_age} 周岁）")
            }
            RelationAgeMismatch::ParentNotOlderThanHead => {
                format!("父母应比户主年长至少 {MIN_PARENT_GAP_YEARS} 岁")
            }
            RelationAgeMismatch::ChildNotYoungerThanHead => {
                format!("子女应比户主年轻至少 {MIN_PARENT_GAP_YEARS} 岁")
            }
            RelationAgeMismatch::GrandchildNotYoungerThanHead => {
                format!("孙子女应比户主年轻至少 {MIN_GRANDPARENT_GAP_YEARS} 岁")
            }
        };
        AppError::invalid_field(field, "relation_age", Text::new(mismatch.to_string(), zh))
    })
}

fn not_found_as_member(problem: AppError) -> AppError {
    if problem.kind == Kind::NotFound {
        AppError::not_found("member in this household", "家庭成员")
    } else {
        problem
    }
}

/// A member of a household; a full disclosure is recorded in the audit trail.
pub fn find(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &HouseholdId,
    id: &MemberId,
    disclosure: Disclosure,
) -> Result<Member, AppError> {
    let (household_id, id) = (household_id.as_str(), id.as_str());
    let row = members::find(conn, &ctx.scope(), household_id, id)
        .map_err(|e| not_found_as_member(e.into()))?;
    let member = Member::from_row(row, &ctx.keys, disclosure)?;
    if disclosure == Disclosure::Full {
        ctx.audit(
            conn,
            "read_personal_data",
            ("member", id),
            Some(&member.region_code),
            NOTHING,
            NOTHING,
        )?;
    }
    Ok(member)
}

pub fn add(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &HouseholdId,
    member: CheckedMember,
) -> Result<Member, AppError> {
    let household_id = household_id.as_str();
    let household = households::find(conn, &ctx.scope(), household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    let head_birth_date = members::current_head_birth_date(conn, household_id)?;
    check_new_relation(member.relation, head_birth_date.is_some()).map_err(rule_conflict)?;
    check_fits_head(&member, head_birth_date, ctx.today, "relation")?;
    let member = member.seal(&ctx.keys)?;
    ensure_id_number_free(
        conn,
        &ctx.scope(),
        member.fields.id_number_hmac.as_deref().unwrap_or_default(),
        None,
    )?;
    let added = record_new(conn, ctx, member_row(&household, &member, ctx))?;
    household_follows_members(conn, ctx, household_id)?;
    Ok(added)
}

/// Brings the household's own figures (head, member count) up to date after a change to its
/// members and records the household's new version in the audit trail: the change feed then
/// shows every version of the household a client can hold as an ETag.
fn household_follows_members(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
) -> Result<(), AppError> {
    let before = super::households::find(conn, ctx, household_id, Disclosure::Masked)?;
    households::refresh_after_member_change(conn, household_id, ctx.now)?;
    let after = super::households::find(conn, ctx, household_id, Disclosure::Masked)?;
    ctx.audit(
        conn,
        "members_changed",
        ("household", household_id),
        Some(&after.region_code),
        Some(&before),
        Some(&after),
    )
}

/// Stores a member row and records its creation in the audit trail; the caller keeps the
/// household's own figures.
pub fn record_new(conn: &mut DbConn, ctx: &Context, row: MemberRow) -> Result<Member, AppError> {
    members::insert(conn, &row)?;
    let added = Member::from_row(row, &ctx.keys, Disclosure::Masked)?;
    ctx.audit(
        conn,
        "create",
        ("member", &added.id),
        Some(&added.region_code),
        NOTHING,
        Some(&added),
    )?;
    Ok(added)
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &HouseholdId,
    id: &MemberId,
    expected_version: i64,
    change: UpdateMember,
) -> Result<Member, AppError> {
    let (typed_household, typed_member) = (household_id, id);
    let (household_id, id) = (household_id.as_str(), id.as_str());
    let scope = ctx.scope();
    let row =
        members::find(conn, &scope, household_id, id).map_err(|e| not_found_as_member(e.into()))?;
    let current = Member::from_row(row.clone(), &ctx.keys, Disclosure::Full)?;
    let before = Member::from_row(row, &ctx.keys, Disclosure::Masked)?;
    if current.version != expected_version {
        return Err(StoreError::Stale {
            current: current.version,
        }
        .into());
    }
    if !current.current {
        return Err(rule_conflict(MemberRuleError::LeftMemberIsReadOnly));
    }
    if let Some(relation) = change.relation {
        if (relation == Relation::Head) != (current.relation == Relation::Head) {
            return Err(rule_conflict(MemberRuleError::RelationHeadByTransfer));
        }
    }
    let checked = change
        .apply_to(&current)
        .check(ctx.today, None)
        .map_err(|findings| member_problem(findings, None))?;
    if checked.relation != Relation::Head {
        let head_birth_date = members::current_head_birth_date(conn, household_id)?;
        check_fits_head(&checked, head_birth_date, ctx.today, "relation")?;
    }
    let checked = checked.seal(&ctx.keys)?;
    ensure_id_number_free(
        conn,
        &ctx.scope(),
        checked.fields.id_number_hmac.as_deref().unwrap_or_default(),
        Some(id),
    )?;
    members::update(conn, id, expected_version, &checked.fields, ctx.now)?;
    household_follows_members(conn, ctx, household_id)?;
    let after = find(conn, ctx, typed_household, typed_member, Disclosure::Masked)?;
    ctx.audit(
        conn,
        "update",
        ("member", id),
        Some(&after.region_code),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

pub fn leave(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &HouseholdId,
    id: &MemberId,
    expected_version: Option<i64>,
    leaving: LeaveBody,
) -> Result<Member, AppError> {
    let (typed_household, typed_member) = (household_id, id);
    let (household_id, id) = (household_id.as_str(), id.as_str());
    let before = find(conn, ctx, typed_household, typed_member, Disclosure::Masked)?;
    if expected_version.is_some_and(|v| v != before.version) {
        return Err(StoreError::Stale {
            current: before.version,
        }
        .into());
    }
    check_leave(
        before.relation,
        before.birth_date,
        before.left_on,
        leaving.left_on,
        ctx.today,
    )
    .map_err(rule_conflict)?;
    members::record_leaving(
        conn,
        id,
        before.version,
        leaving.left_on,
        leaving.reason.as_str(),
        ctx.now,
    )?;
    household_follows_members(conn, ctx, household_id)?;
    let after = find(conn, ctx, typed_household, typed_member, Disclosure::Masked)?;
    ctx.audit(
        conn,
        "leave",
        ("member", id),
        Some(&after.region_code),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}
