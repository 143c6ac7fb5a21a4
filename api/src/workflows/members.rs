//! Adding, editing and recording the departure of household members.

use chrono::NaiveDate;
use fupin_domain::member::{check_leave, check_new_relation, MemberRuleError, Relation};
use fupin_domain::scope::RegionScope;
use fupin_persistence::members::{self};
use fupin_persistence::{households, DbConn, StoreError};

use super::households::{member_row, not_found_as_household};
use super::{ensure_id_number_free, Now};
use crate::models::members::{member_problem, CheckedMember, LeaveBody, Member, UpdateMember};
use crate::problem::{Kind, Problem, Text};

fn rule_conflict(error: MemberRuleError) -> Problem {
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
            Problem::invalid_field("left_on", "out_of_range", Text::new(error.to_string(), zh))
        }
        _ => Problem::new(Kind::StateConflict).with_detail(error.to_string(), zh),
    }
}

fn not_found_as_member(problem: Problem) -> Problem {
    if problem.kind == Kind::NotFound {
        Problem::not_found("member in this household", "家庭成员")
    } else {
        problem
    }
}

pub fn find(
    conn: &mut DbConn,
    scope: &RegionScope,
    household_id: &str,
    id: &str,
) -> Result<Member, Problem> {
    let row =
        members::find(conn, scope, household_id, id).map_err(|e| not_found_as_member(e.into()))?;
    Ok(Member::try_from(row)?)
}

pub fn add(
    conn: &mut DbConn,
    scope: &RegionScope,
    household_id: &str,
    member: CheckedMember,
    now: Now,
) -> Result<Member, Problem> {
    let household = households::find(conn, scope, household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    let has_head = members::household_has_current_head(conn, household_id)?;
    check_new_relation(member.relation, has_head).map_err(rule_conflict)?;
    ensure_id_number_free(conn, member.id_number.as_str(), None)?;
    let row = member_row(&household, &member, now);
    members::insert(conn, &row)?;
    households::refresh_after_member_change(conn, household_id, now)?;
    Ok(Member::try_from(row)?)
}

#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut DbConn,
    scope: &RegionScope,
    household_id: &str,
    id: &str,
    expected_version: i64,
    change: UpdateMember,
    today: NaiveDate,
    now: Now,
) -> Result<Member, Problem> {
    let current = find(conn, scope, household_id, id)?;
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
        .check(today, None)
        .map_err(|findings| member_problem(findings, None))?;
    ensure_id_number_free(conn, checked.id_number.as_str(), Some(id))?;
    members::update(conn, id, expected_version, &checked.fields, now)?;
    households::refresh_after_member_change(conn, household_id, now)?;
    find(conn, scope, household_id, id)
}

#[allow(clippy::too_many_arguments)]
pub fn leave(
    conn: &mut DbConn,
    scope: &RegionScope,
    household_id: &str,
    id: &str,
    expected_version: Option<i64>,
    leaving: LeaveBody,
    today: NaiveDate,
    now: Now,
) -> Result<Member, Problem> {
    let current = find(conn, scope, household_id, id)?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(StoreError::Stale {
            current: current.version,
        }
        .into());
    }
    check_leave(
        current.relation,
        current.birth_date,
        current.left_on,
        leaving.left_on,
        today,
    )
    .map_err(rule_conflict)?;
    members::record_leaving(
        conn,
        id,
        current.version,
        leaving.left_on,
        leaving.reason.as_str(),
        now,
    )?;
    households::refresh_after_member_change(conn, household_id, now)?;
    find(conn, scope, household_id, id)
}
