//! Region bodies.

use chrono::{DateTime, Utc};
use fupin_domain::region::{RegionCode, RegionLevel};
use fupin_persistence::regions::RegionRow;
use fupin_persistence::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::{stored, utc, Findings};
use crate::error::AppError;
use crate::pagination::page_of;

/// A district, town/subdistrict or administrative village.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c2-7a51-7c3e-9b0e-2f1d6c1e8a11", "code": "610117001000", "name": "鹿苑街道",
    "level": "town", "parent_code": "610117000000", "version": 1,
    "created_at": "2026-11-29T08:00:00Z", "updated_at": "2026-11-29T08:00:00Z"
}))]
pub struct Region {
    pub id: String,
    /// 12-digit statistical division code (6 county + 3 town + 3 village digits).
    #[schema(format = "region-code")]
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    /// Code of the region directly above; `null` for a district.
    pub parent_code: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<RegionRow> for Region {
    type Error = StoreError;
    fn try_from(row: RegionRow) -> Result<Self, StoreError> {
        Ok(Region {
            level: stored(&row.level)?,
            id: row.id,
            code: row.code,
            name: row.name,
            parent_code: row.parent_code,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        })
    }
}

page_of!(RegionPage, Region);

/// A new region. Its level follows from its code; a town or village needs its parent to
/// exist already.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "610117001201", "name": "东樊村", "parent_code": "610117001000"}))]
pub struct CreateRegion {
    #[schema(format = "region-code")]
    pub code: String,
    #[validate(length(min = 1, max = 60))]
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    /// Optional: when given it must be the parent the code implies.
    #[schema(format = "region-code")]
    pub parent_code: Option<String>,
}

/// A checked new region.
pub struct NewRegion {
    pub code: RegionCode,
    pub name: String,
    pub parent_code: Option<RegionCode>,
}

impl CreateRegion {
    pub fn check(self) -> Result<NewRegion, AppError> {
        let mut findings = Findings::default();
        let code = findings.check(
            "code",
            "invalid_region_code",
            "区划代码无效",
            RegionCode::parse(&self.code),
        );
        let given_parent = match &self.parent_code {
            Some(raw) => findings
                .check(
                    "parent_code",
                    "invalid_region_code",
                    "区划代码无效",
                    RegionCode::parse(raw),
                )
                .map(Some),
            None => Some(None),
        };
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            findings.add(
                "name",
                "required",
                "the name cannot be blank",
                "名称不能为空",
            );
        }
        let new = match (code, given_parent) {
            (Some(code), Some(given)) => {
                let parent = given.or_else(|| code.parent());
                findings.check(
                    "parent_code",
                    "invalid_parent",
                    "上级区划不符",
                    fupin_domain::region::check_placement(&code, parent.as_ref()),
                );
                Some(NewRegion {
                    code,
                    name,
                    parent_code: parent,
                })
            }
            _ => None,
        };
        findings.finish(new)
    }
}

/// A change of a region's name (its code and place in the tree never change).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "东樊村"}))]
pub struct UpdateRegion {
    #[validate(length(min = 1, max = 60))]
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
}

/// Filters of the region list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RegionListParams {
    /// Only this region and everything under it (12-digit code).
    #[param(format = "region-code")]
    pub region: Option<String>,
    /// Only the regions directly under this one (12-digit code).
    #[param(format = "region-code")]
    pub parent: Option<String>,
    /// Only regions of this level.
    pub level: Option<RegionLevel>,
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged.
    #[param(format = "cursor")]
    pub cursor: Option<String>,
}
