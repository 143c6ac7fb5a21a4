//! The microloan policy as versioned reference data: the version in force on a date, and new
//! versions recorded by the district (audited).

use chrono::NaiveDate;
use fupin_domain::loan::{check_policy, LoanPolicy};
use fupin_persistence::loan_policies::{self as store, LoanPolicyRow};
use fupin_persistence::{DbConn, StoreError};

use super::context::{Context, NOTHING};
use super::new_id;
use crate::error::{AppError, Kind, Text};
use crate::models::loan_policies::{LoanPolicyVersion, RecordLoanPolicy};

fn policy_of(row: &LoanPolicyRow) -> LoanPolicy {
    LoanPolicy {
        max_principal_fen: row.max_principal_fen,
        max_term_months: u32::try_from(row.max_term_months).unwrap_or(0),
        min_borrower_age: row.min_borrower_age,
        max_borrower_age: row.max_borrower_age,
        interest_subsidy_share_bp: i64::from(row.interest_subsidy_share_bp),
    }
}

/// The policy in force on `on` (a loan's application date).
pub fn in_force(conn: &mut DbConn, on: NaiveDate) -> Result<LoanPolicy, AppError> {
    let row = store::in_force_on(conn, on)?.ok_or_else(|| {
        AppError::new(Kind::StateConflict).with_detail(
            format!("No microloan policy is in force on {on}"),
            format!("{on} 无有效的小额信贷政策"),
        )
    })?;
    Ok(policy_of(&row))
}

/// Every version with the day it takes effect, oldest first.
pub fn versions(conn: &mut DbConn) -> Result<Vec<(NaiveDate, LoanPolicy)>, AppError> {
    Ok(store::all(conn)?
        .iter()
        .map(|row| (row.effective_from, policy_of(row)))
        .collect())
}

pub fn list(conn: &mut DbConn) -> Result<Vec<LoanPolicyVersion>, AppError> {
    Ok(store::all(conn)?
        .into_iter()
        .map(LoanPolicyVersion::from)
        .collect())
}

pub fn record(
    conn: &mut DbConn,
    ctx: &Context,
    input: RecordLoanPolicy,
) -> Result<LoanPolicyVersion, AppError> {
    if input.effective_from < ctx.today {
        return Err(AppError::invalid_field(
            "effective_from",
            "out_of_range",
            Text::new(
                "a new version takes effect today or later; it never rejudges loans applied for",
                "新版本只能自今日或以后生效，不追溯已申请的贷款",
            ),
        ));
    }
    let policy = input.policy();
    check_policy(&policy).map_err(|(field, rule)| {
        AppError::invalid_field(
            field,
            "out_of_range",
            Text::new(rule, "超出政策参数允许范围"),
        )
    })?;
    let row = LoanPolicyRow {
        id: new_id(),
        effective_from: input.effective_from,
        max_principal_fen: policy.max_principal_fen,
        max_term_months: i32::try_from(policy.max_term_months).unwrap_or(i32::MAX),
        min_borrower_age: policy.min_borrower_age,
        max_borrower_age: policy.max_borrower_age,
        interest_subsidy_share_bp: i32::try_from(policy.interest_subsidy_share_bp)
            .unwrap_or(i32::MAX),
        basis: input.basis.trim().to_owned(),
        recorded_by: ctx.caller.name.clone(),
        created_at: ctx.now,
    };
    store::insert(conn, &row).map_err(|e| match e {
        StoreError::Unique(_) => AppError::new(Kind::StateConflict).with_detail(
            format!(
                "A version taking effect on {} is recorded already",
                input.effective_from
            ),
            format!("{} 生效的版本已登记", input.effective_from),
        ),
        other => other.into(),
    })?;
    let version = LoanPolicyVersion::from(row);
    ctx.audit(
        conn,
        "record_loan_policy",
        ("loan_policy", &version.id),
        None,
        NOTHING,
        Some(&version),
    )?;
    Ok(version)
}
