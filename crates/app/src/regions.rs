//! Creating and renaming regions.

use fupin_domain::scope::RegionScope;
use fupin_persistence::regions::{self, RegionRow};
use fupin_persistence::DbConn;

use super::context::Context;
use super::new_id;
use crate::caller::forbidden_region;
use crate::error::{AppError, Kind, Text};
use crate::models::regions::{NewRegion, Region};

pub fn create(conn: &mut DbConn, ctx: &Context, new: NewRegion) -> Result<Region, AppError> {
    let scope = ctx.scope();
    if !scope.covers(&new.code) {
        return Err(forbidden_region());
    }
    if regions::find_by_code(conn, &RegionScope::Everything, new.code.as_str())?.is_some() {
        return Err(AppError::new(Kind::RegionCodeTaken).with_detail(
            format!("A region with code {} exists already", new.code),
            format!("区划代码 {} 已存在", new.code),
        ));
    }
    if let Some(parent) = &new.parent_code {
        if regions::find_by_code(conn, &scope, parent.as_str())?.is_none() {
            return Err(AppError::invalid_field(
                "parent_code",
                "region_not_found",
                Text::new(
                    format!("there is no region {parent}; create it first"),
                    format!("上级区划 {parent} 不存在，请先创建"),
                ),
            ));
        }
    }
    let row = RegionRow {
        id: new_id(),
        level: new.code.level().as_str().to_owned(),
        code: new.code.as_str().to_owned(),
        name: new.name,
        parent_code: new.parent_code.map(|c| c.as_str().to_owned()),
        version: 1,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    regions::insert(conn, &row)?;
    let region = Region::try_from(row)?;
    ctx.audit(
        conn,
        "create",
        ("region", &region.id),
        Some(&region.code),
        super::context::NOTHING,
        Some(&region),
    )?;
    Ok(region)
}

pub fn rename(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    expected_version: i64,
    name: &str,
) -> Result<Region, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid_field(
            "name",
            "required",
            Text::new("the name cannot be blank", "名称不能为空"),
        ));
    }
    let scope = ctx.scope();
    let before = Region::try_from(
        regions::find(conn, &scope, id).map_err(|e| not_found_as_region(e.into()))?,
    )?;
    let row = regions::rename(conn, &scope, id, expected_version, name, ctx.now)
        .map_err(|e| not_found_as_region(e.into()))?;
    let region = Region::try_from(row)?;
    ctx.audit(
        conn,
        "update",
        ("region", &region.id),
        Some(&region.code),
        Some(&before),
        Some(&region),
    )?;
    Ok(region)
}

pub fn not_found_as_region(problem: AppError) -> AppError {
    if problem.kind == Kind::NotFound {
        AppError::not_found("region", "区划")
    } else {
        problem
    }
}
