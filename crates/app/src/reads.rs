//! What household reads use beside the shared pool: one HTTP worker's async PostgreSQL pool,
//! when there is one, and what the process keeps rendered.

use std::sync::Arc;
use std::time::Duration;

use fupin_persistence::pg_reads::PgReadPool;

use crate::kept_renders::KeptRenders;

/// The memory a process gives to the household answers it keeps (`KeptForReads::answers`):
/// at about 3 KB an answer (three members), some 20,000 households', whatever the registry's
/// size.
pub const ANSWERS_BUDGET: usize = 64 << 20;

/// The memory a process gives to list items (`KeptForReads::list_items`): at about 600
/// bytes an item, some 20,000 households' items, whatever the registry's size.
pub const ITEMS_BUDGET: usize = 16 << 20;

/// Where and how many async PostgreSQL connections each HTTP worker keeps for household reads.
#[derive(Debug, Clone)]
pub struct PgReadSettings {
    pub url: String,
    pub per_worker: usize,
    /// How long a read waits for a connection (the shared pool's timeout).
    pub checkout_timeout: Duration,
}

impl PgReadSettings {
    /// `None` on SQLite, when `per_worker` is 0, or when the URL demands TLS (the async
    /// connections speak none): household reads then use the shared pool.
    pub fn for_url(url: &str, per_worker: usize, checkout_timeout: Duration) -> Option<Self> {
        (per_worker > 0 && fupin_persistence::pg_reads::async_reads_allowed(url)).then(|| Self {
            url: url.to_owned(),
            per_worker,
            checkout_timeout,
        })
    }
}

/// The household read path's resources of one HTTP worker.
#[derive(Debug, Clone)]
pub struct HouseholdReads {
    pub pg: Option<PgReadPool>,
    pub kept: KeptForReads,
}

/// What a process keeps rendered for household reads, made once and shared by its workers:
/// the masked answers of `GET /households/{id}` and the list items of `GET /households`.
#[derive(Debug, Clone)]
pub struct KeptForReads {
    pub answers: Arc<KeptRenders>,
    pub list_items: Arc<KeptRenders>,
}

impl Default for KeptForReads {
    fn default() -> Self {
        Self {
            answers: Arc::new(KeptRenders::with_budget(ANSWERS_BUDGET)),
            list_items: Arc::new(KeptRenders::with_budget(ITEMS_BUDGET)),
        }
    }
}

impl HouseholdReads {
    /// Made on the worker's own runtime, so its connections live there.
    pub fn for_worker(settings: Option<&PgReadSettings>, kept: KeptForReads) -> Self {
        let pg = settings.and_then(|s| {
            match PgReadPool::new(&s.url, s.per_worker, s.checkout_timeout) {
                Ok(pool) => Some(pool),
                Err(error) => {
                    tracing::warn!(%error, "household reads use the shared pool");
                    None
                }
            }
        });
        Self { pg, kept }
    }
}
