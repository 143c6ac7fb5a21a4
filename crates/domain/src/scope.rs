//! The part of the region tree a caller may see: a region and everything under it.

use crate::region::RegionCode;

/// A caller's region scope. Repositories take one on every read and write of registry data,
/// so no request path can reach records outside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionScope {
    /// The whole registry (an administrator, or a command run on the server).
    Everything,
    /// One region and everything under it.
    Within(RegionCode),
}

impl RegionScope {
    pub fn covers(&self, code: &RegionCode) -> bool {
        match self {
            RegionScope::Everything => true,
            RegionScope::Within(root) => root.covers(code),
        }
    }

    /// The inclusive range of 12-digit codes this scope covers, for an index range scan;
    /// `None` means every code.
    pub fn code_range(&self) -> Option<(String, String)> {
        match self {
            RegionScope::Everything => None,
            RegionScope::Within(root) => Some(prefix_range(root.significant_prefix())),
        }
    }

    /// The inclusive range of codes this scope covers; every code for the whole registry.
    pub fn code_bounds(&self) -> (String, String) {
        self.code_range().unwrap_or_else(|| prefix_range(""))
    }

    /// The region this scope is rooted at; `None` for the whole registry.
    pub fn root(&self) -> Option<&RegionCode> {
        match self {
            RegionScope::Everything => None,
            RegionScope::Within(code) => Some(code),
        }
    }

    /// Narrows this scope to a requested region filter; `None` when they do not overlap.
    pub fn narrow(&self, filter: &RegionCode) -> Option<RegionScope> {
        match self {
            RegionScope::Everything => Some(RegionScope::Within(filter.clone())),
            RegionScope::Within(root) if root.covers(filter) => {
                Some(RegionScope::Within(filter.clone()))
            }
            RegionScope::Within(root) if filter.covers(root) => Some(self.clone()),
            RegionScope::Within(_) => None,
        }
    }
}

/// The lowest and highest 12-digit codes that start with `prefix`.
pub fn prefix_range(prefix: &str) -> (String, String) {
    (format!("{prefix:0<12}"), format!("{prefix:9<12}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn the_whole_registry_has_every_code_and_no_root() {
        let all = RegionScope::Everything;
        assert_eq!(
            all.code_bounds(),
            ("000000000000".to_owned(), "999999999999".to_owned())
        );
        assert_eq!(all.root(), None);
        let town = RegionScope::Within(code("610117001000"));
        assert_eq!(town.code_bounds(), town.code_range().unwrap());
        assert_eq!(town.root(), Some(&code("610117001000")));
    }

    #[test]
    fn range_spans_everything_under_the_region() {
        let town = RegionScope::Within(code("610117001000"));
        assert_eq!(
            town.code_range(),
            Some(("610117001000".into(), "610117001999".into()))
        );
        assert_eq!(RegionScope::Everything.code_range(), None);
    }

    #[test]
    fn narrowing_keeps_the_smaller_region_or_nothing() {
        let town = RegionScope::Within(code("610117001000"));
        assert_eq!(
            town.narrow(&code("610117001201")),
            Some(RegionScope::Within(code("610117001201")))
        );
        assert_eq!(town.narrow(&code("610117000000")), Some(town.clone()));
        assert_eq!(town.narrow(&code("610117002000")), None);
        assert!(town.covers(&code("610117001201")));
        assert!(!town.covers(&code("610117002201")));
    }
}
