//! Household net income (家庭纯收入) and how it compares with the year's lines.

use chrono::NaiveDate;

/// The largest amount one income item may hold: one hundred million yuan, in fen. Bounding
/// inputs keeps every sum far from i64 overflow on either database.
pub const MAX_ITEM_FEN: i64 = 10_000_000_000;

/// A year's income items, in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncomeItems {
    pub wage_fen: i64,
    pub production_fen: i64,
    pub property_fen: i64,
    pub transfer_fen: i64,
    pub production_cost_fen: i64,
}

/// Why income figures cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncomeError {
    #[error("`{0}` must be between 0 and {MAX_ITEM_FEN} fen")]
    ItemOutOfRange(&'static str),
    #[error("the household had no members on the record date")]
    NobodyInHousehold,
}

/// The Chinese name of an income item, by its field name.
fn item_chinese(field: &str) -> Option<&'static str> {
    Some(match field {
        "wage_fen" => "工资性收入",
        "production_fen" => "生产经营性收入",
        "property_fen" => "财产性收入",
        "transfer_fen" => "转移性收入",
        "production_cost_fen" => "生产经营性支出",
        _ => return None,
    })
}

impl crate::Chinese for IncomeError {
    fn chinese(&self) -> String {
        match self {
            IncomeError::ItemOutOfRange(field) => {
                let item = match item_chinese(field) {
                    Some(name) => format!("{name}（`{field}`）"),
                    None => format!("`{field}` "),
                };
                format!("{item}应在 0 至 {MAX_ITEM_FEN} 分之间")
            }
            IncomeError::NobodyInHousehold => "该户在统计日期没有在册成员".to_owned(),
        }
    }
}

impl IncomeItems {
    /// Checks every item is within bounds; names the first that is not.
    pub fn check(&self) -> Result<(), IncomeError> {
        for (name, value) in [
            ("wage_fen", self.wage_fen),
            ("production_fen", self.production_fen),
            ("property_fen", self.property_fen),
            ("transfer_fen", self.transfer_fen),
            ("production_cost_fen", self.production_cost_fen),
        ] {
            if !(0..=MAX_ITEM_FEN).contains(&value) {
                return Err(IncomeError::ItemOutOfRange(name));
            }
        }
        Ok(())
    }

    /// Wage + production + property + transfer income, less production costs (may be negative).
    pub fn net_fen(&self) -> i64 {
        self.wage_fen + self.production_fen + self.property_fen + self.transfer_fen
            - self.production_cost_fen
    }
}

/// Net income per person, rounded half away from zero to the fen.
pub fn per_capita_fen(net_fen: i64, household_size: i64) -> Result<i64, IncomeError> {
    if household_size < 1 {
        return Err(IncomeError::NobodyInHousehold);
    }
    let doubled = 2 * net_fen.abs() + household_size;
    let rounded = doubled / (2 * household_size);
    Ok(if net_fen < 0 { -rounded } else { rounded })
}

/// Members counted in a household on a date: born by then and not yet left.
pub fn household_size_on(members: &[(NaiveDate, Option<NaiveDate>)], date: NaiveDate) -> i64 {
    let counted = members
        .iter()
        .filter(|(birth, left)| *birth <= date && left.is_none_or(|left| left > date))
        .count();
    i64::try_from(counted).unwrap_or(i64::MAX)
}

term_enum! {
    /// Per-capita income against the year's lines: `below_poverty_line` 低于贫困线,
    /// `below_monitoring_line` 高于贫困线但低于监测线, `above_monitoring_line` 高于监测线.
    LineComparison {
        BelowPovertyLine = "below_poverty_line" / "低于贫困线",
        BelowMonitoringLine = "below_monitoring_line" / "高于贫困线但低于监测线",
        AboveMonitoringLine = "above_monitoring_line" / "高于监测线",
    }
}

/// Where a per-capita income stands. "Above the line" means strictly above it, as the exit
/// standard requires.
pub fn compare(
    per_capita_fen: i64,
    poverty_line_fen: i64,
    monitoring_line_fen: i64,
) -> LineComparison {
    if per_capita_fen <= poverty_line_fen {
        LineComparison::BelowPovertyLine
    } else if per_capita_fen <= monitoring_line_fen {
        LineComparison::BelowMonitoringLine
    } else {
        LineComparison::AboveMonitoringLine
    }
}

/// Why a poverty line is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("the poverty line must be between 1 and {MAX_ITEM_FEN} fen")]
    PovertyLineOutOfRange,
    #[error("the monitoring line must not be below the poverty line")]
    MonitoringBelowPoverty,
}

impl crate::Chinese for LineError {
    fn chinese(&self) -> String {
        match self {
            LineError::PovertyLineOutOfRange => {
                format!("贫困线应在 1 至 {MAX_ITEM_FEN} 分之间")
            }
            LineError::MonitoringBelowPoverty => "监测线不能低于贫困线".to_owned(),
        }
    }
}

pub fn check_lines(poverty_line_fen: i64, monitoring_line_fen: i64) -> Result<(), LineError> {
    if !(1..=MAX_ITEM_FEN).contains(&poverty_line_fen) {
        return Err(LineError::PovertyLineOutOfRange);
    }
    if monitoring_line_fen < poverty_line_fen || monitoring_line_fen > MAX_ITEM_FEN {
        return Err(LineError::MonitoringBelowPoverty);
    }
    Ok(())
}

#[cfg(test)]
// Amounts are written yuan_fen (3218_00 is 3,218.00 yuan).
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    fn items(wage: i64, cost: i64) -> IncomeItems {
        IncomeItems {
            wage_fen: wage,
            production_fen: 1_000_00,
            property_fen: 50_00,
            transfer_fen: 2_000_00,
            production_cost_fen: cost,
        }
    }

    #[test]
    fn net_income_is_items_less_costs() {
        assert_eq!(
            items(30_000_00, 500_00).net_fen(),
            30_000_00 + 1_000_00 + 50_00 + 2_000_00 - 500_00
        );
        assert_eq!(items(0, 10_000_00).net_fen(), -6_950_00);
    }

    #[test]
    fn items_are_bounded() {
        assert_eq!(
            items(-1, 0).check(),
            Err(IncomeError::ItemOutOfRange("wage_fen"))
        );
        assert_eq!(
            items(0, MAX_ITEM_FEN + 1).check(),
            Err(IncomeError::ItemOutOfRange("production_cost_fen"))
        );
        assert!(items(MAX_ITEM_FEN, 0).check().is_ok());
    }

    #[test]
    fn per_capita_rounds_to_the_fen() {
        assert_eq!(per_capita_fen(1000, 3), Ok(333));
        assert_eq!(per_capita_fen(1001, 2), Ok(501), "500.5 rounds up");
        assert_eq!(per_capita_fen(-1001, 2), Ok(-501));
        assert_eq!(per_capita_fen(100, 0), Err(IncomeError::NobodyInHousehold));
    }

    #[test]
    fn household_size_counts_members_present_on_the_date() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let members = [
            (d(1970, 1, 1), None),
            (d(2000, 1, 1), Some(d(2019, 6, 1))),
            (d(2019, 12, 1), None),
        ];
        assert_eq!(household_size_on(&members, d(2019, 5, 31)), 2);
        assert_eq!(
            household_size_on(&members, d(2019, 6, 1)),
            1,
            "left that day"
        );
        assert_eq!(
            household_size_on(&members, d(2019, 12, 31)),
            2,
            "born in December"
        );
    }

    #[test]
    fn comparison_needs_strictly_above_the_line() {
        assert_eq!(
            compare(3218_00, 3218_00, 4827_00),
            LineComparison::BelowPovertyLine
        );
        assert_eq!(
            compare(3218_01, 3218_00, 4827_00),
            LineComparison::BelowMonitoringLine
        );
        assert_eq!(
            compare(4827_01, 3218_00, 4827_00),
            LineComparison::AboveMonitoringLine
        );
    }

    #[test]
    fn refusals_say_the_same_in_chinese() {
        use crate::bilingual::tests::assert_bilingual;
        for error in [
            items(-1, 0).check().unwrap_err(),
            items(0, -1).check().unwrap_err(),
            per_capita_fen(1, 0).unwrap_err(),
        ] {
            assert_bilingual(&error);
        }
        assert_bilingual(&check_lines(0, 0).unwrap_err());
        assert_bilingual(&check_lines(2, 1).unwrap_err());
    }

    #[test]
    fn lines_are_checked() {
        assert!(check_lines(3218_00, 4827_00).is_ok());
        assert_eq!(check_lines(0, 1), Err(LineError::PovertyLineOutOfRange));
        assert_eq!(
            check_lines(3218_00, 3000_00),
            Err(LineError::MonitoringBelowPoverty)
        );
    }
}
