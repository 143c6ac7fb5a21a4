//! The masked household read, answered from its rendered copy (`household_views`) when that is
//! up to date, and rendered from the household and its members otherwise.
//!
//! A read that renders hands the copy to `db::keep_copy_later`, so the next read of that
//! version is one single-row lookup. Nothing else writes copies: a write moves the household's
//! version on, and the next read renders again.

use std::sync::OnceLock;

use fupin_persistence::household_views::{self, CurrentView};
use fupin_persistence::{DbPool, StoreError};
use sha2::{Digest, Sha256};

use super::context::{Context, Disclosure};
use super::households::{find_with_members, find_with_members_masked, not_found_as_household};
use crate::db::{self, HouseholdReads};
use crate::problem::Problem;

pub(super) mod sample;

/// A masked household with its members, as the JSON body of the answer.
#[derive(Debug)]
pub struct MaskedHousehold {
    pub version: i64,
    pub body: String,
}

/// What a stored body depends on besides the household's rows: the program's version, the
/// schemas of the API, and how this program renders rows (a fixed sample household rendered
/// here, masking included). A program that differs in any of them renders its own copies
/// instead of serving another's.
pub fn view_format() -> &'static str {
    static FORMAT: OnceLock<String> = OnceLock::new();
    FORMAT.get_or_init(|| {
        let mut hash = Sha256::new();
        hash.update(env!("CARGO_PKG_VERSION"));
        hash.update(serde_json::to_vec(&crate::openapi::document().components).unwrap_or_default());
        // A sample that cannot be rendered leaves a format of this process alone: its copies
        // are then never shared with another program, which costs renders, never correctness.
        match sample::rendered() {
            Some(rendered) => hash.update(rendered),
            None => hash.update(uuid::Uuid::new_v4().as_bytes()),
        }
        format!("{:x}", hash.finalize())
    })
}

/// A household with its members, masked, from its up-to-date copy or rendered now.
pub async fn read_masked(
    pool: &DbPool,
    reads: &HouseholdReads,
    ctx: Context,
    id: String,
) -> Result<MaskedHousehold, Problem> {
    let format = view_format();
    let found: Result<CurrentView, StoreError> = match &reads.0 {
        Some(pg) => pg.find_current_view(&ctx.scope(), &id, format).await,
        None => {
            let scope = ctx.scope();
            let id = id.clone();
            db::point_read(pool, move |conn| {
                Ok(household_views::find_current(conn, &scope, &id, format))
            })
            .await?
        }
    };
    let (version, stored) = found.map_err(|e| not_found_as_household(e.into()))?;
    if let Some(body) = stored {
        return Ok(MaskedHousehold { version, body });
    }
    let household = match &reads.0 {
        Some(pg) => find_with_members_masked(pg, &ctx, &id).await?,
        None => {
            let id = id.clone();
            db::point_read(pool, move |conn| {
                find_with_members(conn, &ctx, &id, Disclosure::Masked)
            })
            .await?
        }
    };
    let rendered = MaskedHousehold {
        version: household.household.version,
        body: serde_json::to_string(&household).map_err(|_| Problem::internal())?,
    };
    let copy = (rendered.version, rendered.body.clone());
    db::keep_copy_later(pool, move |conn| {
        household_views::store(conn, &id, copy.0, format, &copy.1)
    });
    Ok(rendered)
}
