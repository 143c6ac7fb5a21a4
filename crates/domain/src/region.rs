//! Statistical division codes (统计用区划代码): 12 digits, 6 for the county (GB/T 2260),
//! 3 for the town or subdistrict, 3 for the administrative village.

use std::fmt;

term_enum! {
    /// Level of a region: `district` 区/县, `town` 街道/镇, `village` 行政村.
    RegionLevel {
        District = "district" / "区/县",
        Town = "town" / "街道/镇",
        Village = "village" / "行政村",
    }
}

/// Why a string is not a usable region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("a region code is exactly 12 digits")]
    NotTwelveDigits,
    #[error("a county code cannot be 000000")]
    NoCounty,
    #[error("a village code needs a town part other than 000")]
    VillageWithoutTown,
}

impl crate::Chinese for RegionCodeError {
    fn chinese(&self) -> String {
        match self {
            RegionCodeError::NotTwelveDigits => "区划代码应为 12 位数字".to_owned(),
            RegionCodeError::NoCounty => "区划代码的县级部分（前 6 位）不能为 000000".to_owned(),
            RegionCodeError::VillageWithoutTown => {
                "行政村的区划代码中，乡镇部分（第 7 至 9 位）不能为 000".to_owned()
            }
        }
    }
}

/// A valid 12-digit region code; its level follows from which parts are zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(code: &str) -> Result<Self, RegionCodeError> {
        if code.len() != 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::NotTwelveDigits);
        }
        if &code[..6] == "000000" {
            return Err(RegionCodeError::NoCounty);
        }
        if &code[6..9] == "000" && &code[9..] != "000" {
            return Err(RegionCodeError::VillageWithoutTown);
        }
        Ok(Self(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match (&self.0[6..9], &self.0[9..]) {
            ("000", _) => RegionLevel::District,
            (_, "000") => RegionLevel::Town,
            _ => RegionLevel::Village,
        }
    }

    /// The 6-digit county code: the shard key every household record carries.
    pub fn county(&self) -> &str {
        &self.0[..6]
    }

    /// The digits that identify this region; every region under it starts with them.
    pub fn significant_prefix(&self) -> &str {
        match self.level() {
            RegionLevel::District => &self.0[..6],
            RegionLevel::Town => &self.0[..9],
            RegionLevel::Village => &self.0,
        }
    }

    /// True when `other` is this region or lies anywhere under it.
    pub fn covers(&self, other: &RegionCode) -> bool {
        other.0.starts_with(self.significant_prefix())
    }

    /// The code of the region directly above, if any.
    pub fn parent(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::District => None,
            RegionLevel::Town => Some(RegionCode(format!("{}000000", &self.0[..6]))),
            RegionLevel::Village => Some(RegionCode(format!("{}000", &self.0[..9]))),
        }
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a new region cannot be placed where it was asked to go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionPlacementError {
    #[error("a {0} has no parent region")]
    DistrictHasParent(RegionLevel),
    #[error("a {0} needs a parent region")]
    ParentRequired(RegionLevel),
    #[error("the code {child} does not extend its parent's code {parent}")]
    CodeOutsideParent { child: String, parent: String },
}

impl crate::Chinese for RegionPlacementError {
    fn chinese(&self) -> String {
        match self {
            RegionPlacementError::DistrictHasParent(level) => {
                format!("“{}”级区划不设上级区划", level.chinese())
            }
            RegionPlacementError::ParentRequired(level) => {
                format!("“{}”级区划须有上级区划", level.chinese())
            }
            RegionPlacementError::CodeOutsideParent { child, parent } => {
                format!("区划代码 {child} 不是由上级区划代码 {parent} 延伸而来")
            }
        }
    }
}

/// Checks that a region of this code may sit under the given parent: districts stand alone,
/// a town's code extends its district's, a village's extends its town's.
pub fn check_placement(
    code: &RegionCode,
    parent: Option<&RegionCode>,
) -> Result<(), RegionPlacementError> {
    match (code.parent(), parent) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(RegionPlacementError::DistrictHasParent(code.level())),
        (Some(_), None) => Err(RegionPlacementError::ParentRequired(code.level())),
        (Some(expected), Some(given)) if &expected == given => Ok(()),
        (Some(_), Some(given)) => Err(RegionPlacementError::CodeOutsideParent {
            child: code.to_string(),
            parent: given.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_follow_from_zero_parts() {
        assert_eq!(code("610117000000").level(), RegionLevel::District);
        assert_eq!(code("610117001000").level(), RegionLevel::Town);
        assert_eq!(code("610117001201").level(), RegionLevel::Village);
    }

    #[test]
    fn malformed_codes_are_rejected() {
        for bad in [
            "61011700000",
            "6101170000000",
            "61011700000a",
            "",
            "６１０１１７００００００",
        ] {
            assert_eq!(
                RegionCode::parse(bad),
                Err(RegionCodeError::NotTwelveDigits),
                "{bad}"
            );
        }
        assert_eq!(
            RegionCode::parse("000000001000"),
            Err(RegionCodeError::NoCounty)
        );
        assert_eq!(
            RegionCode::parse("610117000123"),
            Err(RegionCodeError::VillageWithoutTown)
        );
    }

    #[test]
    fn coverage_is_by_significant_prefix() {
        let district = code("610117000000");
        let town = code("610117001000");
        let village = code("610117001201");
        let other_town_village = code("610117002201");
        assert!(district.covers(&village));
        assert!(town.covers(&village));
        assert!(town.covers(&town));
        assert!(!town.covers(&other_town_village));
        assert!(!village.covers(&town));
        assert!(!code("610118000000").covers(&village));
        assert_eq!(village.county(), "610117");
    }

    #[test]
    fn refusals_say_the_same_in_chinese() {
        use crate::bilingual::tests::assert_bilingual;
        for bad in ["6101170000", "000000001000", "610117000123"] {
            assert_bilingual(&RegionCode::parse(bad).unwrap_err());
        }
        let error = check_placement(&code("610117001201"), Some(&code("610117000000")));
        assert_bilingual(&error.unwrap_err());
    }

    #[test]
    fn placement_requires_the_direct_parent() {
        let district = code("610117000000");
        let town = code("610117001000");
        let village = code("610117001201");
        assert_eq!(check_placement(&district, None), Ok(()));
        assert_eq!(check_placement(&town, Some(&district)), Ok(()));
        assert_eq!(check_placement(&village, Some(&town)), Ok(()));
        assert!(matches!(
            check_placement(&district, Some(&district)),
            Err(RegionPlacementError::DistrictHasParent(_))
        ));
        assert!(matches!(
            check_placement(&town, None),
            Err(RegionPlacementError::ParentRequired(_))
        ));
        assert!(matches!(
            check_placement(&village, Some(&district)),
            Err(RegionPlacementError::CodeOutsideParent { .. })
        ));
        assert!(matches!(
            check_placement(&village, Some(&code("610117002000"))),
            Err(RegionPlacementError::CodeOutsideParent { .. })
        ));
    }
}
