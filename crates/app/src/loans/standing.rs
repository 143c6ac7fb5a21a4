//! What a loan shows when read: its schedule with repayments applied and its standing on a
//! day, and the treasury's interest subsidy for a month.

use chrono::NaiveDate;
use fupin_domain::loan::{self, treasury_interest, Instalment, RepaymentMethod};
use fupin_domain::loan_lifecycle::LoanStatus;
use fupin_persistence::loans::{self as store, LoanRow};
use fupin_persistence::{DbConn, StoreError};

use crate::error::AppError;
use crate::models::loans::{Loan, LoanEvent, Period};
use crate::models::{stored, utc};
use crate::totals::sum;

/// The loan with its schedule, repayments applied, and standing on `as_of`.
pub fn view(conn: &mut DbConn, row: LoanRow, as_of: NaiveDate) -> Result<Loan, AppError> {
    let method: RepaymentMethod = stored(&row.method)?;
    let history = store::events(conn, &row.id)?;
    let instalments: Vec<Instalment> = store::schedule(conn, &row.id)?
        .into_iter()
        .map(|i| Instalment {
            period: u32::try_from(i.period).unwrap_or(0),
            due_on: i.due_on,
            principal_fen: i.principal_fen,
            interest_fen: i.interest_fen,
        })
        .collect();
    let paid: Vec<(NaiveDate, i64)> = store::repayments(conn, &row.id)?
        .iter()
        .map(|r| (r.paid_on, r.amount_fen))
        .collect();
    let extended_to = history.iter().rev().find_map(|e| e.maturity_on);
    let (standings, position) = loan::position(instalments, extended_to, &paid, as_of);
    let disbursed = row.disbursed_on.is_some();
    Ok(Loan {
        as_of,
        outstanding_principal_fen: if disbursed {
            position.outstanding_principal_fen
        } else {
            0
        },
        arrears_fen: position.arrears_fen,
        next_due_on: position.next_due_on,
        overdue: position.overdue,
        schedule: standings
            .iter()
            .map(|s| Period {
                period: i32::try_from(s.instalment.period).unwrap_or(0),
                due_on: s.instalment.due_on,
                principal_fen: s.instalment.principal_fen,
                interest_fen: s.instalment.interest_fen,
                principal_paid_fen: s.principal_paid_fen,
                interest_paid_fen: s.interest_paid_fen,
                treasury_interest_fen: treasury_interest(
                    s.instalment.interest_fen,
                    row.subsidy_share_bp,
                ),
            })
            .collect(),
        id: row.id,
        household_id: row.household_id,
        region_code: row.region_code,
        member_id: row.member_id,
        bank: row.bank,
        principal_fen: row.principal_fen,
        term_months: row.term_months,
        annual_rate_bp: row.annual_rate_bp,
        subsidy_share_bp: row.subsidy_share_bp,
        purpose: row.purpose,
        method,
        status: stored(&row.status)?,
        applied_on: row.applied_on,
        decided_on: row.decided_on,
        disbursed_on: row.disbursed_on,
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
        history: history
            .into_iter()
            .map(|e| {
                Ok(LoanEvent {
                    seq: e.seq,
                    status: stored(&e.status)?,
                    on: e.occurred_on,
                    reason: e.reason,
                    maturity_on: e.maturity_on,
                    recorded_by: e.recorded_by,
                    recorded_at: utc(e.created_at),
                })
            })
            .collect::<Result<_, StoreError>>()?,
    })
}

/// What the treasury owes for interest due in `[first, last]`, per loan in scope. The subsidy
/// stops for a loan that is overdue at the end of the month.
pub fn interest_subsidies(
    conn: &mut DbConn,
    scope: &fupin_domain::scope::RegionScope,
    month: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<crate::models::loans::InterestSubsidies, AppError> {
    use crate::models::loans::{InterestSubsidies, InterestSubsidyLine};
    let mut lines = Vec::new();
    // Written-off loans get no subsidy; extended ones keep it while not overdue.
    for status in [
        LoanStatus::Disbursed,
        LoanStatus::Extended,
        LoanStatus::Repaid,
    ] {
        for row in store::list(conn, scope, None, Some(status.as_str()))? {
            let (share, household_id, region_code) = (
                row.subsidy_share_bp,
                row.household_id.clone(),
                row.region_code.clone(),
            );
            let loan = view(conn, row, last)?;
            let interest_fen = sum(loan
                .schedule
                .iter()
                .filter(|p| p.due_on >= first && p.due_on <= last)
                .map(|p| p.interest_fen))?;
            if interest_fen == 0 {
                continue;
            }
            let stopped = loan.overdue.then(|| "overdue".to_owned());
            lines.push(InterestSubsidyLine {
                loan_id: loan.id,
                household_id,
                region_code,
                interest_fen,
                treasury_interest_fen: if stopped.is_some() {
                    0
                } else {
                    treasury_interest(interest_fen, share)
                },
                stopped,
            });
        }
    }
    Ok(InterestSubsidies {
        month: month.to_owned(),
        total_treasury_interest_fen: sum(lines.iter().map(|l| l.treasury_interest_fen))?,
        lines,
    })
}
