//! Bodies of business entities, their links with households, and dividend rounds.

use chrono::{DateTime, NaiveDate, Utc};
use fupin_domain::dividend::{EntityKind, LinkKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::pagination::page_of;

/// A business entity households are linked to.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "高陵区东樊蔬菜专业合作社", "kind": "cooperative",
    "credit_code": "93610117MA6TG1234W", "region_code": "610117001201"}))]
pub struct CreateEntity {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub kind: EntityKind,
    /// Unified social credit code (GB 32100), checked.
    #[schema(min_length = 18, max_length = 18)]
    pub credit_code: String,
    /// Where it is registered (12-digit code, in your scope).
    #[schema(format = "region-code")]
    pub region_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub kind: EntityKind,
    pub credit_code: String,
    pub region_code: String,
    pub created_at: DateTime<Utc>,
}

page_of!(EntityPage, Entity);

/// A household's link with the entity, dated.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"household_id": "0193a4c2-7a51-7c3e-9b0e-2f1d6c1e8a11", "kind": "shares", "stake": 5, "starts_on": "2019-01-01"}))]
pub struct CreateLink {
    pub household_id: String,
    pub kind: LinkKind,
    /// For `shares`: the household's stake (shares, or fen invested), at most 10^10.
    #[validate(range(min = 1, max = 10_000_000_000i64))]
    #[schema(minimum = 1, maximum = 10_000_000_000i64)]
    pub stake: Option<i64>,
    /// For `land`: area in hundredths of a mu (150 = 1.50 mu), at most 10,000 mu.
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub land_hundredth_mu: Option<i64>,
    /// For `land`: yearly rent per mu, in fen (1,300 yuan = 130000), at most 100,000 yuan.
    #[validate(range(min = 1, max = 10_000_000))]
    #[schema(minimum = 1, maximum = 10_000_000)]
    pub rent_per_mu_fen: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Link {
    pub id: String,
    pub household_id: String,
    pub kind: LinkKind,
    pub stake: Option<i64>,
    pub land_hundredth_mu: Option<i64>,
    pub rent_per_mu_fen: Option<i64>,
    /// For `land`: the yearly rent owed (area × rent per mu), in fen.
    pub yearly_rent_fen: Option<i64>,
    /// For `land`: the rent paid, per year.
    pub rent_paid: Vec<RentPaid>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

/// Rent paid on a land link in one year.
#[derive(Debug, Serialize, ToSchema)]
pub struct RentPaid {
    pub year: i32,
    pub amount_fen: i64,
}

/// A payment of land rent to the household of a land link.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year": 2019, "amount_fen": 195000, "paid_on": "2019-12-20", "reference": "ZJ-2019-07"}))]
pub struct PayRent {
    /// The rent year paid for.
    #[validate(range(min = 2000, max = 2100))]
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[validate(range(min = 1, max = 10_000_000_000i64))]
    #[schema(minimum = 1, maximum = 10_000_000_000i64)]
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    /// Recorded once per link.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub reference: String,
}

page_of!(LinkPage, Link);

/// A dividend round: the pool is shared by stake among the households with a `shares` link on
/// the record date, exact to the fen.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"period": "2019", "pool_fen": 7210000, "record_date": "2019-12-31"}))]
pub struct CreateRound {
    /// The period paid for, e.g. `2019` or `2019-H2`; once per entity.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub period: String,
    #[validate(range(min = 1, max = 10_000_000_000i64))]
    #[schema(minimum = 1, maximum = 10_000_000_000i64)]
    pub pool_fen: i64,
    pub record_date: NaiveDate,
}

/// One household's part of a round (a ledger entry).
#[derive(Debug, Serialize, ToSchema)]
pub struct DividendPart {
    pub household_id: String,
    pub amount_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DividendRound {
    pub id: String,
    pub entity_id: String,
    pub period: String,
    pub pool_fen: i64,
    pub record_date: NaiveDate,
    pub recorded_by: String,
    pub parts: Vec<DividendPart>,
}

page_of!(RoundPage, DividendRound);
