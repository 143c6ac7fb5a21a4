//! The indicator map (挂图作战, 红黄绿作战图): each indicator's value is coloured green, yellow
//! or red against two thresholds, at district, subdistrict and village level.
//!
//! Values and thresholds are integers. Shares are in basis points (0 to 10,000 for 0 % to
//! 100 %, see [`share_bp`]); an indicator may use any other integer unit.

term_enum! {
    /// Which way an indicator improves 指标方向: `higher_is_better` 越高越好,
    /// `lower_is_better` 越低越好.
    Direction {
        HigherIsBetter = "higher_is_better" / "越高越好",
        LowerIsBetter = "lower_is_better" / "越低越好",
    }
}

term_enum! {
    /// An indicator's colour 红黄绿: `green` 绿 (on target), `yellow` 黄 (close),
    /// `red` 红 (needs work).
    Colour {
        Green = "green" / "绿",
        Yellow = "yellow" / "黄",
        Red = "red" / "红",
    }
}

/// Where the colours change, in the indicator's unit.
///
/// * `HigherIsBetter`: `value >= green` is green; otherwise `value >= yellow` is yellow;
///   otherwise red. Requires `green >= yellow`.
/// * `LowerIsBetter`: `value <= green` is green; otherwise `value <= yellow` is yellow;
///   otherwise red. Requires `green <= yellow`.
///
/// Both thresholds are inclusive: a value exactly at a threshold takes the better colour.
/// `green == yellow` is allowed and leaves no yellow band.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Thresholds {
    pub direction: Direction,
    pub green: i64,
    pub yellow: i64,
}

/// Why thresholds cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndicatorError {
    #[error("for {direction} the green threshold ({green}) must be {relation} the yellow threshold ({yellow})")]
    Inverted {
        direction: Direction,
        green: i64,
        yellow: i64,
        relation: &'static str,
    },
    #[error("this indicator is {expected}; its direction cannot be changed")]
    DirectionChanged { expected: Direction },
    #[error("thresholds in basis points must be between 0 and 10000")]
    OutOfRange,
}

impl crate::Chinese for IndicatorError {
    fn chinese(&self) -> String {
        match self {
            IndicatorError::Inverted {
                direction,
                green,
                yellow,
                relation,
            } => {
                let relation = match *relation {
                    "at least" => "不低于".to_owned(),
                    "at most" => "不高于".to_owned(),
                    other => format!("`{other}`"),
                };
                format!(
                    "指标方向为“{}”时，绿色阈值（{green}）应{relation}黄色阈值（{yellow}）",
                    direction.chinese()
                )
            }
            IndicatorError::DirectionChanged { expected } => {
                format!("该指标的方向为“{}”，不能更改", expected.chinese())
            }
            IndicatorError::OutOfRange => {
                format!("以基点（万分之一）计的阈值应在 0 至 {WHOLE_BP} 之间")
            }
        }
    }
}

impl Thresholds {
    /// Checks the thresholds are in the order their direction needs.
    pub fn validate(&self) -> Result<(), IndicatorError> {
        let (ordered, relation) = match self.direction {
            Direction::HigherIsBetter => (self.green >= self.yellow, "at least"),
            Direction::LowerIsBetter => (self.green <= self.yellow, "at most"),
        };
        if ordered {
            Ok(())
        } else {
            Err(IndicatorError::Inverted {
                direction: self.direction,
                green: self.green,
                yellow: self.yellow,
                relation,
            })
        }
    }

    /// The colour of `value` (see the type's documentation for the exact boundaries).
    pub fn colour(&self, value: i64) -> Colour {
        let at_least = |threshold: i64| match self.direction {
            Direction::HigherIsBetter => value >= threshold,
            Direction::LowerIsBetter => value <= threshold,
        };
        if at_least(self.green) {
            Colour::Green
        } else if at_least(self.yellow) {
            Colour::Yellow
        } else {
            Colour::Red
        }
    }
}

/// Basis points in a whole (100 %).
pub const WHOLE_BP: i64 = 10_000;

/// `part / whole` in basis points, rounded half up (towards the larger value: 0.5 bp → 1,
/// −0.5 bp → 0). `None` when `whole` is 0 or the result does not fit in an i64.
pub fn share_bp(part: i64, whole: i64) -> Option<i64> {
    if whole == 0 {
        return None;
    }
    let (part, whole) = if whole < 0 {
        (-i128::from(part), -i128::from(whole))
    } else {
        (i128::from(part), i128::from(whole))
    };
    let rounded = (part * i128::from(WHOLE_BP) * 2 + whole).div_euclid(whole * 2);
    i64::try_from(rounded).ok()
}

/// A built-in indicator with its default thresholds (a deployment may override them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IndicatorDef {
    pub id: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub description: &'static str,
    /// `bp` for shares in basis points.
    pub unit: &'static str,
    pub default: Thresholds,
}

impl IndicatorDef {
    /// Checks thresholds meant to replace the default: valid, the same direction, and within
    /// 0..=10000 for an indicator in basis points.
    pub fn check_thresholds(&self, thresholds: &Thresholds) -> Result<(), IndicatorError> {
        if thresholds.direction != self.default.direction {
            return Err(IndicatorError::DirectionChanged {
                expected: self.default.direction,
            });
        }
        thresholds.validate()?;
        let in_range = |v: i64| (0..=WHOLE_BP).contains(&v);
        if self.unit == "bp" && !(in_range(thresholds.green) && in_range(thresholds.yellow)) {
            return Err(IndicatorError::OutOfRange);
        }
        Ok(())
    }
}

const fn higher(green: i64, yellow: i64) -> Thresholds {
    Thresholds {
        direction: Direction::HigherIsBetter,
        green,
        yellow,
    }
}

const fn lower(green: i64, yellow: i64) -> Thresholds {
    Thresholds {
        direction: Direction::LowerIsBetter,
        green,
        yellow,
    }
}

/// The built-in indicators.
pub const INDICATORS: &[IndicatorDef] = &[
    IndicatorDef {
        id: "two_assurances_met",
        name_zh: "两不愁三保障达标率",
        name_en: "Two assurances, three guarantees met",
        description: "Share of active (not removed) households whose latest assessment meets every item of 两不愁三保障.",
        unit: "bp",
        default: higher(10_000, 9_500),
    },
    IndicatorDef {
        id: "exit_progress",
        name_zh: "脱贫进度",
        name_en: "Exit progress",
        description: "Share of registered households that have exited.",
        unit: "bp",
        default: higher(9_000, 7_000),
    },
    IndicatorDef {
        id: "data_quality_score",
        name_zh: "数据质量得分",
        name_en: "Data quality score",
        description: "Share of checked households with no error-severity data-quality finding.",
        unit: "bp",
        default: higher(9_500, 8_500),
    },
    IndicatorDef {
        id: "overdue_loan_share",
        name_zh: "贷款逾期率",
        name_en: "Overdue loan share",
        description: "Share of outstanding microloans that are overdue.",
        unit: "bp",
        default: lower(200, 500),
    },
];

/// The built-in indicator with this id.
pub fn indicator(id: &str) -> Option<&'static IndicatorDef> {
    INDICATORS.iter().find(|def| def.id == id)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use Colour::*;

    #[test]
    fn higher_is_better_boundaries() {
        let t = higher(9_000, 7_000);
        assert_eq!(t.colour(10_000), Green);
        assert_eq!(t.colour(9_000), Green);
        assert_eq!(t.colour(8_999), Yellow);
        assert_eq!(t.colour(7_000), Yellow);
        assert_eq!(t.colour(6_999), Red);
        assert_eq!(t.colour(i64::MIN), Red);
    }

    #[test]
    fn lower_is_better_boundaries() {
        let t = lower(200, 500);
        assert_eq!(t.colour(0), Green);
        assert_eq!(t.colour(200), Green);
        assert_eq!(t.colour(201), Yellow);
        assert_eq!(t.colour(500), Yellow);
        assert_eq!(t.colour(501), Red);
        assert_eq!(t.colour(i64::MAX), Red);
    }

    #[test]
    fn equal_thresholds_leave_no_yellow_band() {
        let t = higher(10_000, 10_000);
        assert_eq!(t.validate(), Ok(()));
        assert_eq!(t.colour(10_000), Green);
        assert_eq!(t.colour(9_999), Red);
        let t = lower(0, 0);
        assert_eq!(t.validate(), Ok(()));
        assert_eq!(t.colour(0), Green);
        assert_eq!(t.colour(1), Red);
    }

    #[test]
    fn validate_refuses_inverted_thresholds() {
        assert_eq!(higher(9_000, 7_000).validate(), Ok(()));
        let err = higher(7_000, 9_000).validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "for higher_is_better the green threshold (7000) must be at least the yellow threshold (9000)"
        );
        assert_eq!(lower(200, 500).validate(), Ok(()));
        assert!(matches!(
            lower(501, 500).validate(),
            Err(IndicatorError::Inverted {
                direction: Direction::LowerIsBetter,
                green: 501,
                yellow: 500,
                ..
            })
        ));
    }

    #[test]
    fn shares_round_half_up_in_basis_points() {
        assert_eq!(share_bp(0, 5), Some(0));
        assert_eq!(share_bp(5, 5), Some(10_000));
        assert_eq!(share_bp(1, 3), Some(3_333));
        assert_eq!(share_bp(2, 3), Some(6_667));
        assert_eq!(share_bp(1, 20_000), Some(1), "0.5 bp rounds up");
        assert_eq!(share_bp(1, 40_000), Some(0), "0.25 bp rounds down");
        assert_eq!(share_bp(3, 40_000), Some(1), "0.75 bp rounds up");
        assert_eq!(share_bp(-1, 20_000), Some(0), "-0.5 bp rounds up to 0");
        assert_eq!(share_bp(1, -20_000), Some(0));
        assert_eq!(share_bp(-1, -3), Some(3_333));
        assert_eq!(share_bp(246, 340), Some(7_235), "Gaoling's exits by 2018");
        assert_eq!(share_bp(7, 0), None);
        assert_eq!(share_bp(0, 0), None);
        assert_eq!(share_bp(i64::MAX, 1), None, "does not fit");
        assert_eq!(share_bp(i64::MAX, i64::MAX), Some(10_000));
    }

    #[test]
    fn the_catalogue_has_the_required_indicators_with_valid_defaults() {
        let mut seen = HashSet::new();
        for def in INDICATORS {
            assert!(seen.insert(def.id), "duplicate {}", def.id);
            assert_eq!(def.default.validate(), Ok(()), "{}", def.id);
            assert_eq!(def.check_thresholds(&def.default), Ok(()), "{}", def.id);
            assert_eq!(indicator(def.id), Some(def));
        }
        for (id, expected) in [
            ("two_assurances_met", higher(10_000, 9_500)),
            ("exit_progress", higher(9_000, 7_000)),
            ("data_quality_score", higher(9_500, 8_500)),
            ("overdue_loan_share", lower(200, 500)),
        ] {
            assert_eq!(indicator(id).map(|d| d.default), Some(expected), "{id}");
        }
        assert_eq!(indicator("nope"), None);
        // Gaoling's 2018 exit share is yellow against the default thresholds.
        let exits = indicator("exit_progress").unwrap();
        assert_eq!(exits.default.colour(share_bp(246, 340).unwrap()), Yellow);
    }

    #[test]
    fn overrides_keep_the_direction_and_the_range() {
        let def = indicator("overdue_loan_share").unwrap();
        assert_eq!(def.check_thresholds(&lower(100, 300)), Ok(()));
        assert_eq!(
            def.check_thresholds(&higher(500, 200)),
            Err(IndicatorError::DirectionChanged {
                expected: Direction::LowerIsBetter
            })
        );
        assert!(matches!(
            def.check_thresholds(&lower(600, 500)),
            Err(IndicatorError::Inverted { .. })
        ));
        assert_eq!(
            def.check_thresholds(&lower(-1, 500)),
            Err(IndicatorError::OutOfRange)
        );
        assert_eq!(
            def.check_thresholds(&lower(0, 10_001)),
            Err(IndicatorError::OutOfRange)
        );
    }

    #[test]
    fn terms_have_their_wire_names() {
        assert_eq!(Direction::HigherIsBetter.as_str(), "higher_is_better");
        assert_eq!(Direction::LowerIsBetter.as_str(), "lower_is_better");
        assert_eq!(
            [Green, Yellow, Red].map(Colour::as_str),
            ["green", "yellow", "red"]
        );
        assert_eq!("red".parse::<Colour>(), Ok(Red));
        assert_eq!(Red.chinese(), "红");
    }
}
