//! Microloans: application against policy, decision, disbursement with its schedule, and
//! repayments; the loan's standing is computed as of a date when read.

use chrono::NaiveDate;
use fupin_domain::loan::{self, check_application, RepaymentMethod};
use fupin_domain::loan_lifecycle::{
    check_separation_of_duties, next_status, LoanStatus, LoanStep, TakenStep,
};
use fupin_persistence::loans::{self as store, InstalmentRow, LoanEventRow, LoanRow, RepaymentRow};
use fupin_persistence::{households, members, DbConn, StoreError};

use super::context::{Context, NOTHING};
use super::households::not_found_as_household;
use super::loan_policies::in_force;
use super::new_id;
use crate::error::{AppError, Kind, Text};
use crate::models::loans::{ApplyForLoan, Loan, Repay};
use crate::models::stored;
use crate::totals::{add, sum};

mod standing;
pub use standing::{interest_subsidies, view};

fn not_found() -> AppError {
    AppError::not_found("loan", "贷款")
}

/// Appends the step that moved the loan to `status`.
fn record_step(
    conn: &mut DbConn,
    ctx: &Context,
    loan_id: &str,
    status: LoanStatus,
    on: NaiveDate,
    reason: Option<&str>,
    maturity_on: Option<NaiveDate>,
) -> Result<(), AppError> {
    store::append_event(
        conn,
        &LoanEventRow {
            loan_id: loan_id.to_owned(),
            seq: 0,
            status: status.as_str().to_owned(),
            occurred_on: on,
            reason: reason.map(str::to_owned),
            maturity_on,
            recorded_by: ctx.caller.name.clone(),
            created_at: ctx.now,
            recorded_by_id: Some(ctx.caller.subject.clone()),
        },
    )?;
    Ok(())
}

/// Refuses `step` to the account that took the loan's previous step (or, for an extension or
/// a write-off, to one that approved or disbursed it). The caller holds the loan's row lock,
/// so two steps of one loan are judged one after the other.
fn check_second_pair_of_hands(
    conn: &mut DbConn,
    ctx: &Context,
    loan_id: &str,
    step: LoanStep,
) -> Result<(), AppError> {
    let history = store::events(conn, loan_id)?
        .iter()
        .map(|event| {
            Ok(TakenStep {
                to: stored(&event.status)?,
                by_this_account: ctx
                    .caller
                    .recorded(event.recorded_by_id.as_deref(), &event.recorded_by),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    check_separation_of_duties(step, &history).map_err(|refused| {
        AppError::new(Kind::SeparationOfDuties).with_detail(
            format!("{refused}: someone else must {step} this loan"),
            format!(
                "{}，“{}”须由另一人办理",
                fupin_domain::Chinese::chinese(&refused),
                step.chinese()
            ),
        )
    })
}

/// Principal still owed (or to be lent) by a household's open loans other than `except`.
/// The caller holds the household's lock (`households::lock`), so no other decision about its
/// loans can come between this reading and the write that relies on it.
fn outstanding_elsewhere(
    conn: &mut DbConn,
    household_id: &str,
    except: Option<&str>,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut total = 0;
    for other in store::open_for_household(conn, household_id)? {
        if except == Some(other.id.as_str()) {
            continue;
        }
        let owed = if other.disbursed_on.is_some() {
            view(conn, other, today)?.outstanding_principal_fen
        } else {
            other.principal_fen
        };
        add(&mut total, owed)?;
    }
    Ok(total)
}

/// Refuses to approve or disburse a loan that, with the household's other open loans, would
/// go over the principal cap: the cap is checked again at each step that commits money,
/// because a loan applied for under an earlier position (or loaded from elsewhere) may no
/// longer fit.
fn check_cap_again(conn: &mut DbConn, ctx: &Context, row: &LoanRow) -> Result<(), AppError> {
    let policy = in_force(conn, row.applied_on)?;
    households::lock(conn, &row.household_id)?;
    let others = outstanding_elsewhere(conn, &row.household_id, Some(&row.id), ctx.today)?;
    let total = others.saturating_add(row.principal_fen);
    if total > policy.max_principal_fen {
        return Err(AppError::new(Kind::StateConflict).with_detail(
            format!(
                "With the household's other open loans this loan makes {total} fen, over the cap of {} fen",
                policy.max_principal_fen
            ),
            format!(
                "加上该户其他未结清贷款共 {total} 分，超过 {} 分的上限",
                policy.max_principal_fen
            ),
        ));
    }
    Ok(())
}

/// An application, judged by the policy in force on its application date.
pub fn apply(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
    input: ApplyForLoan,
) -> Result<Loan, AppError> {
    if input.applied_on > ctx.today {
        return Err(AppError::invalid_field(
            "applied_on",
            "out_of_range",
            Text::new("the date cannot be in the future", "日期不能晚于今天"),
        ));
    }
    let household = households::find(conn, &ctx.scope(), household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    households::lock(conn, household_id)?;
    let borrower = members::find(conn, &ctx.scope(), household_id, &input.member_id)
        .ok()
        .filter(|m| m.left_on.is_none_or(|left| left > input.applied_on))
        .ok_or_else(|| {
            AppError::invalid_field(
                "member_id",
                "member_not_current",
                Text::new(
                    "the borrower is not a current member of this household",
                    "借款人不是本户现有成员",
                ),
            )
        })?;
    let policy = in_force(conn, input.applied_on)?;
    let subsidy_share_bp = input
        .subsidy_share_bp
        .unwrap_or(policy.interest_subsidy_share_bp);
    let others = outstanding_elsewhere(conn, household_id, None, ctx.today)?;
    check_application(
        &policy,
        input.principal_fen,
        others,
        input.term_months,
        input.annual_rate_bp,
        subsidy_share_bp,
        loan::borrower_age(borrower.birth_date, input.applied_on),
    )
    .map_err(|(field, rule)| {
        AppError::invalid_field(
            field,
            "loan_policy",
            Text::new(
                rule.to_string(),
                format!(
                    "不符合小额信贷政策：{}",
                    fupin_domain::Chinese::chinese(&rule)
                ),
            ),
        )
    })?;
    let row = LoanRow {
        id: new_id(),
        household_id: household.id.clone(),
        county_code: household.county_code.clone(),
        region_code: household.region_code.clone(),
        member_id: borrower.id,
        bank: input.bank.trim().to_owned(),
        principal_fen: input.principal_fen,
        term_months: i32::try_from(input.term_months).unwrap_or(i32::MAX),
        annual_rate_bp: input.annual_rate_bp,
        subsidy_share_bp,
        purpose: input.purpose.trim().to_owned(),
        method: input.method.as_str().to_owned(),
        status: LoanStatus::Applied.as_str().to_owned(),
        applied_on: input.applied_on,
        decided_on: None,
        disbursed_on: None,
        version: 1,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    store::insert(conn, &row)?;
    record_step(
        conn,
        ctx,
        &row.id,
        LoanStatus::Applied,
        row.applied_on,
        None,
        None,
    )?;
    let loan = view(conn, row, ctx.today)?;
    ctx.audit(
        conn,
        "apply_for_loan",
        ("loan", &loan.id),
        Some(&household.region_code),
        NOTHING,
        Some(&loan),
    )?;
    Ok(loan)
}

/// `approve`, `reject` or `disburse` (which generates and stores the schedule). Approval and
/// disbursement check the household's cap again, under the policy of the application date.
pub fn step(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    step: LoanStep,
    on: NaiveDate,
) -> Result<Loan, AppError> {
    if matches!(step, LoanStep::Approve | LoanStep::Disburse) {
        let row = store::find(conn, &ctx.scope(), id).map_err(|e| match AppError::from(e) {
            p if p.kind == Kind::NotFound => not_found(),
            p => p,
        })?;
        if next_status(stored(&row.status)?, step).is_ok() {
            check_cap_again(conn, ctx, &row)?;
        }
    }
    step_with_reason(conn, ctx, id, step, on, None, None)
}

/// A step with its reason (extension, write-off) and, for an extension, the new maturity;
/// both go into the loan's history and its audit entry.
pub fn step_with_reason(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    step: LoanStep,
    on: NaiveDate,
    reason: Option<&str>,
    maturity_on: Option<NaiveDate>,
) -> Result<Loan, AppError> {
    // Locked first, so the row read is the one the step is judged on (an unknown id locks
    // nothing and is a 404 below).
    store::lock(conn, id)?;
    let row = store::find(conn, &ctx.scope(), id).map_err(|e| match AppError::from(e) {
        p if p.kind == Kind::NotFound => not_found(),
        p => p,
    })?;
    let status: LoanStatus = stored(&row.status)?;
    let next = next_status(status, step).map_err(|refused| {
        AppError::new(Kind::StateConflict)
            .with_detail(
                format!("A loan that is {status} cannot {step}"),
                fupin_domain::Chinese::chinese(&refused),
            )
            .with_extension("allowed_next_steps", serde_json::json!(refused.allowed))
    })?;
    check_second_pair_of_hands(conn, ctx, id, step)?;
    if on > ctx.today || on < row.applied_on {
        return Err(AppError::invalid_field(
            "on",
            "out_of_range",
            Text::new(
                "the date is between the application and today",
                "日期应在申请日与今天之间",
            ),
        ));
    }
    let before = view(conn, row.clone(), ctx.today)?;
    let (decided_on, disbursed_on) = match next {
        LoanStatus::Disbursed => (row.decided_on, Some(on)),
        LoanStatus::Approved | LoanStatus::Rejected => (Some(on), None),
        _ => (row.decided_on, row.disbursed_on),
    };
    store::set_status(
        conn,
        id,
        row.version,
        next.as_str(),
        decided_on,
        disbursed_on,
        ctx.now,
    )?;
    record_step(conn, ctx, id, next, on, reason, maturity_on)?;
    if next == LoanStatus::Disbursed {
        let method: RepaymentMethod = stored(&row.method)?;
        let term = u32::try_from(row.term_months).unwrap_or(0);
        let rows: Vec<InstalmentRow> =
            loan::schedule(row.principal_fen, term, row.annual_rate_bp, method, on)
                .into_iter()
                .map(|i| InstalmentRow {
                    loan_id: row.id.clone(),
                    period: i32::try_from(i.period).unwrap_or(0),
                    due_on: i.due_on,
                    principal_fen: i.principal_fen,
                    interest_fen: i.interest_fen,
                })
                .collect();
        store::insert_schedule(conn, &rows)?;
    }
    let updated = store::find(conn, &ctx.scope(), id)?;
    let after = view(conn, updated, ctx.today)?;
    let action = format!("{step}_loan");
    let entity = ("loan", id);
    match reason {
        Some(reason) => {
            let recorded = serde_json::json!({"loan": &after, "reason": reason, "on": on});
            ctx.audit(
                conn,
                &action,
                entity,
                Some(&row.region_code),
                Some(&before),
                Some(&recorded),
            )?
        }
        None => ctx.audit(
            conn,
            &action,
            entity,
            Some(&row.region_code),
            Some(&before),
            Some(&after),
        )?,
    }
    Ok(after)
}

/// Extends the maturity: the last period falls due on `new_maturity_on` (later than now).
pub fn extend(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    on: NaiveDate,
    new_maturity_on: NaiveDate,
    reason: &str,
) -> Result<Loan, AppError> {
    let current = find(conn, ctx, id, ctx.today)?;
    let maturity = current.schedule.last().map(|p| p.due_on);
    if maturity.is_none_or(|m| new_maturity_on <= m) {
        return Err(AppError::invalid_field(
            "new_maturity_on",
            "out_of_range",
            Text::new(
                "the new maturity must come after the current one",
                "新的到期日须晚于原到期日",
            ),
        ));
    }
    step_with_reason(
        conn,
        ctx,
        id,
        LoanStep::Extend,
        on,
        Some(reason),
        Some(new_maturity_on),
    )
}

pub fn repay(conn: &mut DbConn, ctx: &Context, id: &str, input: Repay) -> Result<Loan, AppError> {
    store::lock(conn, id)?;
    let row = store::find(conn, &ctx.scope(), id).map_err(|e| match AppError::from(e) {
        p if p.kind == Kind::NotFound => not_found(),
        p => p,
    })?;
    let status: LoanStatus = stored(&row.status)?;
    if next_status(status, LoanStep::Repay).is_err() {
        return Err(AppError::new(Kind::StateConflict).with_detail(
            format!("A loan that is {status} takes no repayment"),
            "该贷款当前不能还款",
        ));
    }
    if input.amount_fen <= 0 || input.amount_fen > fupin_domain::money::MAX_PAYMENT_FEN {
        return Err(AppError::invalid_field(
            "amount_fen",
            "out_of_range",
            Text::new("the amount must be positive", "金额必须为正"),
        ));
    }
    if input.paid_on > ctx.today || row.disbursed_on.is_some_and(|d| input.paid_on < d) {
        return Err(AppError::invalid_field(
            "paid_on",
            "out_of_range",
            Text::new(
                "the date is between the disbursement and today",
                "日期应在放款日与今天之间",
            ),
        ));
    }
    let before = view(conn, row.clone(), ctx.today)?;
    let interest_owed = sum(before
        .schedule
        .iter()
        .map(|p| p.interest_fen - p.interest_paid_fen))?;
    if input.amount_fen
        > before
            .outstanding_principal_fen
            .saturating_add(interest_owed)
    {
        return Err(AppError::invalid_field(
            "amount_fen",
            "overpayment",
            Text::new(
                "the amount is more than the loan still owes",
                "还款金额超过应还总额",
            ),
        ));
    }
    store::insert_repayment(
        conn,
        &RepaymentRow {
            id: new_id(),
            loan_id: row.id.clone(),
            paid_on: input.paid_on,
            amount_fen: input.amount_fen,
            reference: input.reference.trim().to_owned(),
            recorded_by: ctx.caller.name.clone(),
            created_at: ctx.now,
        },
    )
    .map_err(|e| match e {
        StoreError::Unique(_) => AppError::new(Kind::StateConflict).with_detail(
            "This repayment reference is recorded already",
            "该还款凭证已登记",
        ),
        other => other.into(),
    })?;
    let mut after = view(conn, row.clone(), ctx.today)?;
    if after.outstanding_principal_fen == 0
        && after
            .schedule
            .iter()
            .all(|p| p.interest_paid_fen == p.interest_fen)
    {
        store::set_status(
            conn,
            id,
            row.version,
            LoanStatus::Repaid.as_str(),
            row.decided_on,
            row.disbursed_on,
            ctx.now,
        )?;
        record_step(conn, ctx, id, LoanStatus::Repaid, input.paid_on, None, None)?;
        let updated = store::find(conn, &ctx.scope(), id)?;
        after = view(conn, updated, ctx.today)?;
    }
    ctx.audit(
        conn,
        "repay_loan",
        ("loan", id),
        Some(&row.region_code),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

pub fn find(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    as_of: NaiveDate,
) -> Result<Loan, AppError> {
    let row = store::find(conn, &ctx.scope(), id).map_err(|e| match AppError::from(e) {
        p if p.kind == Kind::NotFound => not_found(),
        p => p,
    })?;
    view(conn, row, as_of)
}

pub fn for_household(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
) -> Result<Vec<Loan>, AppError> {
    households::find(conn, &ctx.scope(), household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    store::list(conn, &ctx.scope(), Some(household_id), None)?
        .into_iter()
        .map(|row| view(conn, row, ctx.today))
        .collect()
}
