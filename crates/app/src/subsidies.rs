//! Recording and reversing subsidy payments.

use std::collections::BTreeMap;

use chrono::Datelike;
use fupin_domain::money::{check_payment, reversal_amount};
use fupin_persistence::subsidies::{self as store, SubsidyFilter, SubsidyRow};
use fupin_persistence::{households, members, DbConn, StoreError};

use super::context::{Context, NOTHING};
use super::households::not_found_as_household;
use super::new_id;
use crate::error::{AppError, Kind, Text};
use crate::models::subsidies::{RecordSubsidy, ReverseSubsidy, SubsidyEntry, SubsidyTotals};

fn rule_error(error: fupin_domain::money::SubsidyRuleError, field: &str) -> AppError {
    use fupin_domain::money::SubsidyRuleError as E;
    match error {
        E::AmountOutOfRange => AppError::invalid_field(
            field,
            "out_of_range",
            Text::new(error.to_string(), fupin_domain::Chinese::chinese(&error)),
        ),
        E::InsuranceLayerMismatch => AppError::invalid_field(
            "insurance_layer",
            "invalid_choice",
            Text::new(error.to_string(), fupin_domain::Chinese::chinese(&error)),
        ),
        E::AlreadyReversed | E::ReversalOfReversal => AppError::new(Kind::StateConflict)
            .with_detail(error.to_string(), fupin_domain::Chinese::chinese(&error)),
    }
}

fn duplicate(existing: &SubsidyRow) -> AppError {
    AppError::new(Kind::StateConflict)
        .with_detail(
            format!(
                "Payment {} from {} is recorded already as entry {}",
                existing.reference, existing.source, existing.id
            ),
            format!(
                "来源 {} 的凭证号 {} 已登记",
                existing.source, existing.reference
            ),
        )
        .with_extension("existing_entry_id", serde_json::json!(existing.id))
}

pub fn record(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
    input: RecordSubsidy,
) -> Result<SubsidyEntry, AppError> {
    check_payment(input.category, input.insurance_layer, input.amount_fen)
        .map_err(|e| rule_error(e, "amount_fen"))?;
    if input.paid_on > ctx.today {
        return Err(AppError::invalid_field(
            "paid_on",
            "out_of_range",
            Text::new(
                "the paid date cannot be in the future",
                "支付日期不能晚于今天",
            ),
        ));
    }
    let household = households::find(conn, &ctx.scope(), household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    if let Some(member_id) = &input.member_id {
        let member = members::find(conn, &ctx.scope(), household_id, member_id).ok();
        let present = member.is_some_and(|m| {
            m.birth_date <= input.paid_on && m.left_on.is_none_or(|left| left > input.paid_on)
        });
        if !present {
            return Err(AppError::invalid_field(
                "member_id",
                "member_not_current",
                Text::new(
                    "the member is not in this household on the paid date",
                    "支付日该成员不在本户",
                ),
            ));
        }
    }
    let source = input.source.trim().to_owned();
    let reference = input.reference.trim().to_owned();
    if let Some(existing) = store::by_reference(conn, &source, &reference)? {
        return Err(duplicate(&existing));
    }
    let row = SubsidyRow {
        id: new_id(),
        household_id: household.id.clone(),
        county_code: household.county_code.clone(),
        region_code: household.region_code.clone(),
        member_id: input.member_id,
        category: input.category.as_str().to_owned(),
        insurance_layer: input.insurance_layer.map(|l| l.as_str().to_owned()),
        source,
        program: input
            .program
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty()),
        amount_fen: input.amount_fen,
        paid_on: input.paid_on,
        reference,
        reverses_id: None,
        note: input.note,
        recorded_by: ctx.caller.name.clone(),
        recorded_by_id: Some(ctx.caller.subject.clone()),
        created_at: ctx.now,
    };
    store::insert(conn, &row).map_err(|e| match e {
        StoreError::Unique(_) => AppError::new(Kind::StateConflict)
            .with_detail("The payment is recorded already", "该笔已登记"),
        other => other.into(),
    })?;
    let entry = SubsidyEntry::try_from(row)?;
    ctx.audit(
        conn,
        "record_subsidy",
        ("subsidy", &entry.id),
        Some(&entry.region_code),
        NOTHING,
        Some(&entry),
    )?;
    Ok(entry)
}

pub fn reverse(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    input: ReverseSubsidy,
) -> Result<SubsidyEntry, AppError> {
    let original = store::find(conn, &ctx.scope(), id).map_err(|e| match AppError::from(e) {
        p if p.kind == Kind::NotFound => AppError::not_found("subsidy entry", "补助记录"),
        p => p,
    })?;
    let amount = reversal_amount(
        original.amount_fen,
        original.reverses_id.is_some(),
        store::is_reversed(conn, id)?,
    )
    .map_err(|e| rule_error(e, "amount_fen"))?;
    if ctx
        .caller
        .recorded(original.recorded_by_id.as_deref(), &original.recorded_by)
    {
        return Err(AppError::new(Kind::SeparationOfDuties).with_detail(
            "The account that recorded a payment may not reverse it: someone else must",
            "登记该笔支付的人不能自行冲正，须由另一人办理",
        ));
    }
    if input.reversed_on > ctx.today || input.reversed_on < original.paid_on {
        return Err(AppError::invalid_field(
            "reversed_on",
            "out_of_range",
            Text::new(
                "the reversal date is between the payment and today",
                "冲正日期应在支付日与今天之间",
            ),
        ));
    }
    let reference = input.reference.trim().to_owned();
    if let Some(existing) = store::by_reference(conn, &original.source, &reference)? {
        return Err(duplicate(&existing));
    }
    let row = SubsidyRow {
        id: new_id(),
        reverses_id: Some(original.id.clone()),
        amount_fen: amount,
        paid_on: input.reversed_on,
        reference,
        note: Some(input.reason),
        recorded_by: ctx.caller.name.clone(),
        created_at: ctx.now,
        recorded_by_id: Some(ctx.caller.subject.clone()),
        ..original
    };
    store::insert(conn, &row).map_err(|e| match e {
        StoreError::Unique(_) => rule_error(
            fupin_domain::money::SubsidyRuleError::AlreadyReversed,
            "amount_fen",
        ),
        other => other.into(),
    })?;
    let entry = SubsidyEntry::try_from(row)?;
    ctx.audit(
        conn,
        "reverse_subsidy",
        ("subsidy", &entry.id),
        Some(&entry.region_code),
        NOTHING,
        Some(&entry),
    )?;
    Ok(entry)
}

/// Net totals per year and category.
pub fn totals(
    conn: &mut DbConn,
    scope: &fupin_domain::scope::RegionScope,
    filter: &SubsidyFilter,
) -> Result<SubsidyTotals, AppError> {
    let mut by_year: BTreeMap<i32, BTreeMap<String, i64>> = BTreeMap::new();
    let mut total_fen = 0;
    for (category, paid_on, amount) in store::amounts(conn, scope, filter)? {
        *by_year
            .entry(paid_on.year())
            .or_default()
            .entry(category)
            .or_default() += amount;
        total_fen += amount;
    }
    Ok(SubsidyTotals { by_year, total_fen })
}
