//! Figures kept per village, added up into the towns or villages of a scope: the one way the
//! statistics, the data-quality scores and the indicator map build their rows.

use fupin_domain::region::{RegionCode, RegionLevel};
use fupin_domain::scope::RegionScope;
use fupin_persistence::regions::{self, RegionFilter};
use fupin_persistence::{DbConn, StoreError};

use crate::error::AppError;

/// The levels a `level=` parameter may name, as the document lists them.
pub const LEVELS: [&str; 2] = ["town", "village"];

/// `town` or `village` (default `village`) of a `level=` parameter; anything else is a 400.
pub fn level_of(raw: Option<&str>) -> Result<RegionLevel, AppError> {
    match raw.unwrap_or("village") {
        "town" => Ok(RegionLevel::Town),
        "village" => Ok(RegionLevel::Village),
        other => Err(AppError::bad_request(
            format!("level must be town or village, not {other}"),
            "level 只能是 town 或 village",
        )),
    }
}

/// One row (code, name, figures) per region of a level in scope, in code order.
pub struct RegionRows<T> {
    level: RegionLevel,
    rows: Vec<(String, String, T)>,
}

impl<T: Default> RegionRows<T> {
    /// Every region of `level` in `scope`, each with empty figures.
    pub fn load(
        conn: &mut DbConn,
        scope: &RegionScope,
        level: RegionLevel,
    ) -> Result<Self, StoreError> {
        let filter = RegionFilter {
            parent_code: None,
            level: Some(level.as_str().to_owned()),
        };
        let mut rows: Vec<(String, String, T)> =
            regions::list(conn, scope, &filter, None, 100_000)?
                .into_iter()
                .map(|place| (place.code, place.name, T::default()))
                .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(RegionRows { level, rows })
    }

    /// The figures of the row a village's figures are counted under, if it is one of these.
    pub fn row_of(&mut self, village: &str) -> Option<&mut T> {
        let code = RegionCode::parse(village).ok()?;
        let code = match self.level {
            RegionLevel::Village => code,
            RegionLevel::Town => code.parent()?,
            RegionLevel::District => return None,
        };
        let at = self
            .rows
            .binary_search_by(|row| row.0.as_str().cmp(code.as_str()))
            .ok()?;
        Some(&mut self.rows[at].2)
    }

    pub fn level(&self) -> RegionLevel {
        self.level
    }

    pub fn into_rows(self) -> Vec<(String, String, T)> {
        self.rows
    }
}
