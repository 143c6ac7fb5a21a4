//! The indicator map: each household's standing on every indicator, counted per village and
//! rolled up to towns, coloured against the thresholds in force.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use fupin_domain::indicator::{indicator, share_bp, IndicatorDef, Thresholds};
use fupin_domain::scope::RegionScope;
use fupin_persistence::indicators::{self as store, ThresholdRow};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::quality as batches;
use fupin_persistence::{DbConn, ListKey};

use super::quality_facts::household_facts;
use crate::error::AppError;
use crate::models::indicators::{Indicator, MapCell};
use crate::models::utc;

/// Where one household stands on every indicator.
#[derive(Debug, Clone)]
pub struct HouseholdStanding {
    pub id: String,
    pub household_number: String,
    pub head_name: String,
    pub region_code: String,
    pub status: String,
    pub registered: bool,
    /// Its latest assessment passed every item of 两不愁三保障.
    pub meets_two_assurances: bool,
    pub quality_checked: bool,
    pub quality_errors: bool,
    pub open_loans: i64,
    pub overdue_loans: i64,
}

impl HouseholdStanding {
    /// (counts towards the numerator, counts in the denominator) of `indicator`, and the
    /// reason it holds the value down when it does.
    pub fn counts(&self, indicator: &str) -> (i64, i64, Option<&'static str>) {
        let flag = |good: bool| i64::from(good);
        match indicator {
            "two_assurances_met" => (
                flag(self.meets_two_assurances),
                1,
                (!self.meets_two_assurances).then_some("no_passing_assessment"),
            ),
            "exit_progress" if self.registered => {
                let exited = self.status == "exited";
                (flag(exited), 1, (!exited).then_some("not_exited"))
            }
            "data_quality_score" if self.quality_checked => (
                flag(!self.quality_errors),
                1,
                self.quality_errors.then_some("data_quality_errors"),
            ),
            "overdue_loan_share" => (
                self.overdue_loans,
                self.open_loans,
                (self.overdue_loans > 0).then_some("overdue_loan"),
            ),
            _ => (0, 0, None),
        }
    }
}

/// The definition of `id`, or a 400 naming the known ones.
pub fn definition(id: &str) -> Result<&'static IndicatorDef, AppError> {
    indicator(id).ok_or_else(|| {
        let known: Vec<&str> = fupin_domain::indicator::INDICATORS
            .iter()
            .map(|i| i.id)
            .collect();
        AppError::bad_request(
            format!("there is no indicator {id}; known: {}", known.join(", ")),
            format!("没有指标 {id}"),
        )
    })
}

/// The indicator with the thresholds in force (an administrator's, or the defaults).
pub fn in_force(def: &IndicatorDef, row: Option<ThresholdRow>) -> Indicator {
    let (green, yellow, version, updated_by, updated_at) = match row {
        Some(r) => (
            r.green,
            r.yellow,
            r.version,
            Some(r.updated_by),
            Some(utc(r.updated_at)),
        ),
        None => (def.default.green, def.default.yellow, 0, None, None),
    };
    Indicator {
        id: def.id.to_owned(),
        name_zh: def.name_zh.to_owned(),
        name_en: def.name_en.to_owned(),
        description: def.description.to_owned(),
        unit: def.unit.to_owned(),
        direction: def.default.direction,
        green,
        yellow,
        version,
        updated_by,
        updated_at,
    }
}

pub fn thresholds_of(indicator: &Indicator) -> Thresholds {
    Thresholds {
        direction: indicator.direction,
        green: indicator.green,
        yellow: indicator.yellow,
    }
}

/// A cell from its counts.
pub fn cell(
    region_code: String,
    name: String,
    numerator: i64,
    denominator: i64,
    thresholds: &Thresholds,
) -> MapCell {
    let value = share_bp(numerator, denominator);
    MapCell {
        region_code,
        name,
        colour: value.map(|v| thresholds.colour(v)),
        value,
        numerator,
        denominator,
    }
}

/// Hands every active household in scope, with its standing on `today`, to `visit`, a batch
/// at a time: a map of the whole registry counts them without holding them all.
pub fn for_each_standing(
    conn: &mut DbConn,
    keys: &PersonalDataKeys,
    scope: &RegionScope,
    today: NaiveDate,
    mut visit: impl FnMut(HouseholdStanding),
) -> Result<(), AppError> {
    let with_errors: HashSet<String> = store::households_with_errors(conn, scope)?
        .into_iter()
        .collect();
    let checked: HashSet<String> = batches::checked_households(conn, scope)?
        .into_iter()
        .collect();
    let no_year = (today, today);
    let (villages, lines) = (HashSet::new(), HashMap::new());
    let mut after: Option<(String, String)> = None;
    loop {
        let key = after
            .as_ref()
            .map(|(region_code, id)| ListKey { region_code, id });
        let rows = batches::household_batch(conn, scope, key, None, 500)?;
        let Some(last) = rows.last() else {
            break;
        };
        after = Some((last.region_code.clone(), last.id.clone()));
        let heads: Vec<HouseholdStanding> = rows
            .iter()
            .map(|h| HouseholdStanding {
                id: h.id.clone(),
                household_number: h.household_number.clone(),
                head_name: h.head_name.clone(),
                region_code: h.region_code.clone(),
                status: h.status.clone(),
                registered: h.kind == "registered",
                meets_two_assurances: false,
                quality_checked: checked.contains(&h.id),
                quality_errors: with_errors.contains(&h.id),
                open_loans: 0,
                overdue_loans: 0,
            })
            .collect();
        let batch = batches::load_batch(conn, rows, no_year)?;
        let facts = household_facts(batch, keys, &villages, &lines, today)?;
        for (mut standing, fact) in heads.into_iter().zip(facts) {
            standing.meets_two_assurances = fact
                .assessments
                .iter()
                .max_by_key(|a| a.assessed_on)
                .is_some_and(|a| a.passed);
            standing.open_loans = i64::try_from(fact.loans.len()).unwrap_or(0);
            standing.overdue_loans =
                i64::try_from(fact.loans.iter().filter(|l| l.overdue).count()).unwrap_or(0);
            visit(standing);
        }
    }
    Ok(())
}
