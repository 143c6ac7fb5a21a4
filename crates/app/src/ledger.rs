//! One household's money from every ledger, in date order.

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use fupin_persistence::subsidies::{self, SubsidyFilter};
use fupin_persistence::{entities, households, loans, DbConn};

use super::context::Context;
use super::households::not_found_as_household;
use crate::error::AppError;
use crate::models::ledger::{HouseholdLedger, LedgerLine, YearTotals};
use crate::totals::add;

pub fn household_ledger(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
) -> Result<HouseholdLedger, AppError> {
    households::find(conn, &ctx.scope(), household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    let mut lines = Vec::new();
    let filter = SubsidyFilter {
        household_id: Some(household_id.to_owned()),
        ..Default::default()
    };
    for (category, paid_on, amount) in subsidies::amounts(conn, &ctx.scope(), &filter)? {
        lines.push(LedgerLine {
            date: paid_on,
            kind: "subsidy".into(),
            amount_fen: amount,
            description: category,
            running_total_fen: 0,
        });
    }
    for loan in loans::list(conn, &ctx.scope(), Some(household_id), None)? {
        if let Some(disbursed_on) = loan.disbursed_on {
            lines.push(LedgerLine {
                date: disbursed_on,
                kind: "loan_disbursement".into(),
                amount_fen: loan.principal_fen,
                description: format!("{} ({})", loan.bank, loan.purpose),
                running_total_fen: 0,
            });
        }
        for repayment in loans::repayments(conn, &loan.id)? {
            lines.push(LedgerLine {
                date: repayment.paid_on,
                kind: "loan_repayment".into(),
                amount_fen: -repayment.amount_fen,
                description: repayment.reference,
                running_total_fen: 0,
            });
        }
    }
    for (record_date, period, amount) in entities::household_dividends(conn, household_id)? {
        lines.push(LedgerLine {
            date: record_date,
            kind: "dividend".into(),
            amount_fen: amount,
            description: period,
            running_total_fen: 0,
        });
    }
    for (paid_on, year, amount) in entities::household_rent(conn, household_id)? {
        lines.push(LedgerLine {
            date: paid_on,
            kind: "land_rent".into(),
            amount_fen: amount,
            description: format!("rent for {year}"),
            running_total_fen: 0,
        });
    }
    lines.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.kind.cmp(&b.kind)));
    let mut running: HashMap<String, i64> = HashMap::new();
    let mut years: BTreeMap<i32, YearTotals> = BTreeMap::new();
    for line in lines.iter_mut() {
        let total = running.entry(line.kind.clone()).or_default();
        add(total, line.amount_fen)?;
        line.running_total_fen = *total;
        let year = years.entry(line.date.year()).or_default();
        match line.kind.as_str() {
            "subsidy" => add(&mut year.transfer_fen, line.amount_fen)?,
            "dividend" | "land_rent" => add(&mut year.property_fen, line.amount_fen)?,
            _ => {}
        }
    }
    Ok(HouseholdLedger {
        household_id: household_id.to_owned(),
        lines,
        years,
    })
}
