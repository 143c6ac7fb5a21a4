//! The masked household read, answered from its rendered copy (`household_views`) when that is
//! up to date, and rendered from the household and its members otherwise.
//!
//! A read that renders hands the copy to `db::keep_copy_later`, so the next read of that
//! version is one single-row lookup. Nothing else writes copies: a write moves the household's
//! version on, and the next read renders again.
//!
//! The process also keeps the answers it served (`KeptForReads::answers`, within a memory
//! budget). When it
//! holds one for a household, the read asks the database for the household's version alone (a
//! single-row lookup by key, no copy read) and serves the kept answer when it is of that version.

use std::sync::{Arc, OnceLock};

use fupin_persistence::household_views::{self, CurrentView};
use fupin_persistence::{DbPool, StoreError};
use sha2::{Digest, Sha256};

use super::context::{Context, Disclosure};
use super::households::{find_with_members, find_with_members_masked, not_found_as_household};
use crate::error::AppError;
use crate::models::households::HouseholdWithMembers;
use crate::reads::HouseholdReads;
use crate::run as db;

pub(super) mod sample;

/// A masked household with its members, as the JSON body of the answer.
#[derive(Debug)]
pub struct MaskedHousehold {
    pub version: i64,
    pub body: String,
}

/// What a stored body depends on besides the household's rows: the program's version, the
/// schema of the answer (with every schema it refers to), and how this program renders rows (a fixed sample household rendered
/// here, masking included). A program that differs in any of them renders its own copies
/// instead of serving another's.
pub fn view_format() -> &'static str {
    static FORMAT: OnceLock<String> = OnceLock::new();
    FORMAT.get_or_init(|| {
        let mut hash = Sha256::new();
        hash.update(env!("CARGO_PKG_VERSION"));
        hash.update(answer_schemas());
        // A sample that cannot be rendered leaves a format of this process alone: its copies
        // are then never shared with another program, which costs renders, never correctness.
        match sample::rendered() {
            Some(rendered) => hash.update(rendered),
            None => hash.update(uuid::Uuid::new_v4().as_bytes()),
        }
        format!("{:x}", hash.finalize())
    })
}

/// The JSON schema of the household answer and of every schema it refers to.
fn answer_schemas() -> Vec<u8> {
    use utoipa::{PartialSchema, ToSchema};
    let mut schemas = Vec::new();
    HouseholdWithMembers::schemas(&mut schemas);
    let answer = (
        "HouseholdWithMembers".to_owned(),
        HouseholdWithMembers::schema(),
    );
    let all: std::collections::BTreeMap<_, _> = schemas.into_iter().chain([answer]).collect();
    serde_json::to_vec(&all).unwrap_or_default()
}

/// A household with its members, masked: the answer this process keeps, the stored copy, or
/// rendered now, whichever is of the household's current version first.
pub async fn read_masked(
    pool: &DbPool,
    reads: &HouseholdReads,
    ctx: Context,
    id: String,
) -> Result<MaskedHousehold, AppError> {
    if reads.kept.answers.holds(&id) {
        let scope = ctx.scope();
        let version = match &reads.pg {
            Some(pg) => pg.current_version(&scope, &id).await,
            None => {
                let id = id.clone();
                db::point_read(pool, move |conn| {
                    Ok(household_views::current_version(conn, &scope, &id))
                })
                .await?
            }
        }
        .map_err(|e| not_found_as_household(e.into()))?;
        if let Some(body) = reads.kept.answers.at_version(&id, version) {
            return Ok(MaskedHousehold {
                version,
                body: body.to_string(),
            });
        }
    }
    let answer = read_copy_or_render(pool, reads, ctx, &id).await?;
    reads
        .kept
        .answers
        .keep(&id, answer.version, Arc::from(answer.body.as_str()));
    Ok(answer)
}

/// The answer from the stored copy of the household's current version, or rendered now.
async fn read_copy_or_render(
    pool: &DbPool,
    reads: &HouseholdReads,
    ctx: Context,
    id: &str,
) -> Result<MaskedHousehold, AppError> {
    let format = view_format();
    let found: Result<CurrentView, StoreError> = match &reads.pg {
        Some(pg) => pg.find_current_view(&ctx.scope(), id, format).await,
        None => {
            let scope = ctx.scope();
            let id = id.to_owned();
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
    let id = id.to_owned();
    let household = match &reads.pg {
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
        body: serde_json::to_string(&household).map_err(|_| AppError::internal())?,
    };
    let copy = (rendered.version, rendered.body.clone());
    db::keep_copy_later(pool, move |conn| {
        household_views::store(conn, &id, copy.0, format, &copy.1)
    });
    Ok(rendered)
}
