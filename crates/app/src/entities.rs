//! Business entities, links and dividend rounds.

use fupin_domain::dividend::{allocate, EntityKind, LinkKind};
use fupin_domain::ids::{EntityId, LinkId};
use fupin_domain::region::RegionCode;
use fupin_domain::scope::RegionScope;
use fupin_persistence::entities::{self as store, DividendRow, EntityRow, LinkRow, RoundRow};
use fupin_persistence::{households, DbConn, StoreError};

use super::context::{Context, NOTHING};
use super::households::not_found_as_household;
use super::new_id;
use crate::caller::forbidden_region;
use crate::error::{AppError, Kind, Text};
use crate::models::entities::{
    CreateEntity, CreateLink, CreateRound, DividendPart, DividendRound, Entity, Link,
};
use crate::models::{stored, utc};

fn entity(row: EntityRow) -> Result<Entity, StoreError> {
    Ok(Entity {
        kind: stored::<EntityKind>(&row.kind)?,
        id: row.id,
        name: row.name,
        credit_code: row.credit_code,
        region_code: row.region_code,
        created_at: utc(row.created_at),
    })
}

pub fn link(row: LinkRow) -> Result<Link, StoreError> {
    let yearly_rent_fen = match (row.land_hundredth_mu, row.rent_per_mu_fen) {
        (Some(area), Some(rent)) => Some(
            i64::try_from(i128::from(area) * i128::from(rent) / 100)
                .map_err(|_| StoreError::Corrupt(format!("link {}: rent out of range", row.id)))?,
        ),
        _ => None,
    };
    Ok(Link {
        kind: stored::<LinkKind>(&row.kind)?,
        id: row.id,
        household_id: row.household_id,
        stake: row.stake,
        land_hundredth_mu: row.land_hundredth_mu,
        rent_per_mu_fen: row.rent_per_mu_fen,
        yearly_rent_fen,
        rent_paid: Vec::new(),
        starts_on: row.starts_on,
        ends_on: row.ends_on,
    })
}

fn find(conn: &mut DbConn, ctx: &Context, id: &str) -> Result<EntityRow, AppError> {
    store::find_entity(conn, &ctx.scope(), id).map_err(|e| match AppError::from(e) {
        p if p.kind == Kind::NotFound => AppError::not_found("business entity", "经营主体"),
        p => p,
    })
}

pub fn create(conn: &mut DbConn, ctx: &Context, input: CreateEntity) -> Result<Entity, AppError> {
    let code = fupin_domain::credit_code::parse(&input.credit_code).map_err(|e| {
        AppError::invalid_field(
            "credit_code",
            "invalid_credit_code",
            Text::new(e.to_string(), "统一社会信用代码无效"),
        )
    })?;
    let region = RegionCode::parse(&input.region_code).map_err(|e| {
        AppError::invalid_field(
            "region_code",
            "invalid_region_code",
            Text::new(e.to_string(), "区划代码无效"),
        )
    })?;
    if !ctx.scope().covers(&region) {
        return Err(forbidden_region());
    }
    if store::entity_by_code(conn, &code)?.is_some() {
        return Err(AppError::new(Kind::StateConflict).with_detail(
            "An entity with this credit code exists",
            "该统一社会信用代码已登记",
        ));
    }
    let row = EntityRow {
        id: new_id(),
        name: input.name.trim().to_owned(),
        kind: input.kind.as_str().to_owned(),
        credit_code: code,
        county_code: region.county().to_owned(),
        region_code: region.as_str().to_owned(),
        created_at: ctx.now,
    };
    store::insert_entity(conn, &row)?;
    let created = entity(row)?;
    ctx.audit(
        conn,
        "create",
        ("business_entity", &created.id),
        Some(&created.region_code),
        NOTHING,
        Some(&created),
    )?;
    Ok(created)
}

/// Whether a stored region code lies in the caller's scope.
fn in_scope(ctx: &Context, region_code: &str) -> bool {
    RegionCode::parse(region_code).is_ok_and(|code| ctx.scope().covers(&code))
}

pub fn list(conn: &mut DbConn, ctx: &Context) -> Result<Vec<Entity>, AppError> {
    Ok(store::list_entities(conn, &ctx.scope())?
        .into_iter()
        .map(entity)
        .collect::<Result<_, _>>()?)
}

pub fn add_link(
    conn: &mut DbConn,
    ctx: &Context,
    entity_id: &EntityId,
    input: CreateLink,
) -> Result<Link, AppError> {
    let entity_id = entity_id.as_str();
    find(conn, ctx, entity_id)?;
    let household = households::find(conn, &ctx.scope(), &input.household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    let invalid = |field: &str, en: &str, zh: &str| {
        AppError::invalid_field(field, "invalid_value", Text::new(en, zh))
    };
    match input.kind {
        LinkKind::Shares if input.stake.is_none_or(|s| s <= 0) => {
            return Err(invalid(
                "stake",
                "a shares link needs a positive stake",
                "入股需填写正的股份数",
            ))
        }
        LinkKind::Land
            if !(input.land_hundredth_mu.is_some_and(|a| a > 0)
                && input.rent_per_mu_fen.is_some_and(|r| r > 0)) =>
        {
            return Err(invalid(
                "land_hundredth_mu",
                "a land link needs an area and a rent per mu",
                "土地流转需填写面积和每亩租金",
            ))
        }
        _ => {}
    }
    if input.ends_on.is_some_and(|end| end < input.starts_on) {
        return Err(invalid(
            "ends_on",
            "the link cannot end before it starts",
            "结束日期不能早于开始日期",
        ));
    }
    let row = LinkRow {
        id: new_id(),
        entity_id: entity_id.to_owned(),
        household_id: household.id.clone(),
        region_code: household.region_code.clone(),
        kind: input.kind.as_str().to_owned(),
        stake: input.stake,
        land_hundredth_mu: input.land_hundredth_mu,
        rent_per_mu_fen: input.rent_per_mu_fen,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        created_at: ctx.now,
    };
    store::insert_link(conn, &row)?;
    let created = link(row)?;
    ctx.audit(
        conn,
        "link_household",
        ("business_entity", entity_id),
        Some(&household.region_code),
        NOTHING,
        Some(&created),
    )?;
    Ok(created)
}

fn with_rent(conn: &mut DbConn, row: LinkRow) -> Result<Link, AppError> {
    let id = row.id.clone();
    let mut shown = link(row)?;
    shown.rent_paid = store::rent_paid(conn, &id)?
        .into_iter()
        .map(|(year, amount_fen)| crate::models::entities::RentPaid { year, amount_fen })
        .collect();
    Ok(shown)
}

pub fn links(
    conn: &mut DbConn,
    ctx: &Context,
    entity_id: &EntityId,
) -> Result<Vec<Link>, AppError> {
    let entity_id = entity_id.as_str();
    find(conn, ctx, entity_id)?;
    store::links(conn, &ctx.scope(), entity_id)?
        .into_iter()
        .map(|row| with_rent(conn, row))
        .collect()
}

/// Records rent paid on a land link.
pub fn pay_rent(
    conn: &mut DbConn,
    ctx: &Context,
    entity_id: &EntityId,
    link_id: &LinkId,
    input: crate::models::entities::PayRent,
) -> Result<Link, AppError> {
    let (entity_id, link_id) = (entity_id.as_str(), link_id.as_str());
    use chrono::Datelike;
    find(conn, ctx, entity_id)?;
    let row =
        store::find_link(conn, &ctx.scope(), entity_id, link_id).map_err(
            |e| match AppError::from(e) {
                p if p.kind == Kind::NotFound => {
                    AppError::not_found("link of this entity", "利益联结")
                }
                p => p,
            },
        )?;
    if row.kind != LinkKind::Land.as_str() {
        return Err(AppError::new(Kind::StateConflict)
            .with_detail("Rent is paid on land links only", "仅土地流转需支付租金"));
    }
    if !(1..=fupin_domain::money::MAX_PAYMENT_FEN).contains(&input.amount_fen) {
        return Err(AppError::invalid_field(
            "amount_fen",
            "out_of_range",
            Text::new("the amount must be positive", "金额必须为正"),
        ));
    }
    if input.paid_on > ctx.today {
        return Err(AppError::invalid_field(
            "paid_on",
            "out_of_range",
            Text::new("the date cannot be in the future", "日期不能晚于今天"),
        ));
    }
    if !(2000..=ctx.today.year() + 1).contains(&input.year) {
        return Err(AppError::invalid_field(
            "year",
            "out_of_range",
            Text::new("the rent year is out of range", "租金年度超出范围"),
        ));
    }
    let payment = store::RentPaymentRow {
        id: new_id(),
        link_id: row.id.clone(),
        household_id: row.household_id.clone(),
        region_code: row.region_code.clone(),
        year: input.year,
        amount_fen: input.amount_fen,
        paid_on: input.paid_on,
        reference: input.reference.trim().to_owned(),
        recorded_by: ctx.caller.name.clone(),
        created_at: ctx.now,
    };
    store::insert_rent_payment(conn, &payment).map_err(|e| match e {
        StoreError::Unique(_) => AppError::new(Kind::StateConflict)
            .with_detail("This rent payment is recorded already", "该租金凭证已登记"),
        other => other.into(),
    })?;
    let region = row.region_code.clone();
    let shown = with_rent(conn, row)?;
    ctx.audit(
        conn,
        "pay_land_rent",
        ("business_entity", entity_id),
        Some(&region),
        NOTHING,
        Some(&shown),
    )?;
    Ok(shown)
}

fn round(row: RoundRow, entries: Vec<DividendRow>) -> DividendRound {
    DividendRound {
        id: row.id,
        entity_id: row.entity_id,
        period: row.period,
        pool_fen: row.pool_fen,
        record_date: row.record_date,
        recorded_by: row.recorded_by,
        parts: entries
            .into_iter()
            .map(|e| DividendPart {
                household_id: e.household_id,
                amount_fen: e.amount_fen,
            })
            .collect(),
    }
}

pub fn pay_round(
    conn: &mut DbConn,
    ctx: &Context,
    entity_id: &EntityId,
    input: CreateRound,
) -> Result<DividendRound, AppError> {
    let entity_id = entity_id.as_str();
    let found = find(conn, ctx, entity_id)?;
    let on = input.record_date;
    // The pool is shared among every holder, so whoever records the round must be responsible
    // for every household it pays.
    let all_links = store::links(conn, &RegionScope::Everything, entity_id)?;
    if all_links.iter().any(|l| !in_scope(ctx, &l.region_code)) {
        return Err(forbidden_region().with_detail(
            "The entity is linked with households outside your scope; a round that pays them is recorded by an office responsible for all of them",
            "该经营主体联结了您管辖范围外的农户，分红须由对全部联结户负责的部门登记",
        ));
    }
    let holders: Vec<LinkRow> = all_links
        .into_iter()
        .filter(|l| {
            l.kind == LinkKind::Shares.as_str()
                && l.starts_on <= on
                && l.ends_on.is_none_or(|end| end > on)
        })
        .collect();
    let stakes: Vec<(String, i64)> = holders
        .iter()
        .map(|l| (l.household_id.clone(), l.stake.unwrap_or(0)))
        .collect();
    let parts = allocate(input.pool_fen, &stakes).map_err(|e| {
        AppError::new(Kind::StateConflict)
            .with_detail(format!("The pool cannot be shared: {e}"), "分红无法分配")
    })?;
    let round_row = RoundRow {
        id: new_id(),
        entity_id: entity_id.to_owned(),
        period: input.period.trim().to_owned(),
        pool_fen: input.pool_fen,
        record_date: on,
        recorded_by: ctx.caller.name.clone(),
        created_at: ctx.now,
    };
    let entries: Vec<DividendRow> = parts
        .iter()
        .map(|(household_id, amount)| DividendRow {
            id: new_id(),
            round_id: round_row.id.clone(),
            household_id: household_id.clone(),
            region_code: holders
                .iter()
                .find(|l| &l.household_id == household_id)
                .map(|l| l.region_code.clone())
                .unwrap_or_default(),
            amount_fen: *amount,
            created_at: ctx.now,
        })
        .collect();
    store::insert_round(conn, &round_row, &entries).map_err(|e| match e {
        StoreError::Unique(_) => AppError::new(Kind::StateConflict)
            .with_detail("This period was paid already", "该期分红已发放"),
        other => other.into(),
    })?;
    let paid = round(round_row, entries);
    ctx.audit(
        conn,
        "pay_dividend",
        ("business_entity", entity_id),
        Some(&found.region_code),
        NOTHING,
        Some(&paid),
    )?;
    Ok(paid)
}

pub fn rounds(
    conn: &mut DbConn,
    ctx: &Context,
    entity_id: &EntityId,
) -> Result<Vec<DividendRound>, AppError> {
    let entity_id = entity_id.as_str();
    find(conn, ctx, entity_id)?;
    Ok(store::rounds(conn, &ctx.scope(), entity_id)?
        .into_iter()
        .map(|(r, e)| round(r, e))
        .collect())
}
