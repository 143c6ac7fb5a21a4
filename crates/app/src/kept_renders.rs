//! JSON this process rendered from a given version of a household, kept by household id, within
//! a memory budget: the least recently used go first.
//!
//! Every change to what a household's answers show moves its version on (see
//! `household_views`), so JSON rendered from a version is that version's JSON for as long as the
//! process runs. A reader that has the household's current version from the database can use
//! it; nothing is ever invalidated, and another process simply keeps its own. Masked data only.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use lru::LruCache;

/// What an entry costs beyond its id and JSON: the map's slot, the list links, the counts.
const ENTRY_OVERHEAD: usize = 96;

#[derive(Debug)]
struct Render {
    version: i64,
    json: Arc<str>,
}

#[derive(Debug)]
struct Kept {
    by_household: LruCache<String, Render>,
    bytes: usize,
    budget: usize,
}

/// JSON rendered from households' versions, by household id, within `budget` bytes.
#[derive(Debug)]
pub struct KeptRenders {
    kept: Mutex<Kept>,
}

fn footprint(household_id: &str, json: &str) -> usize {
    household_id.len() + json.len() + ENTRY_OVERHEAD
}

impl KeptRenders {
    pub fn with_budget(budget: usize) -> Self {
        Self {
            kept: Mutex::new(Kept {
                by_household: LruCache::unbounded(),
                bytes: 0,
                budget,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Kept> {
        // A panic elsewhere while the lock was held leaves entries that are each still whole.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether some version of the household is kept (it may be outdated).
    pub fn holds(&self, household_id: &str) -> bool {
        self.lock().by_household.contains(household_id)
    }

    /// The JSON of each household at the given version, where it is kept.
    pub fn at_versions<'a>(
        &self,
        households: impl IntoIterator<Item = (&'a str, i64)>,
    ) -> Vec<Option<Arc<str>>> {
        let mut kept = self.lock();
        households
            .into_iter()
            .map(|(household_id, version)| {
                kept.by_household
                    .get(household_id)
                    .filter(|render| render.version == version)
                    .map(|render| Arc::clone(&render.json))
            })
            .collect()
    }

    /// The household's JSON at `version`, where it is kept.
    pub fn at_version(&self, household_id: &str, version: i64) -> Option<Arc<str>> {
        self.at_versions([(household_id, version)]).pop().flatten()
    }

    /// Keeps JSON rendered from `version`, unless a newer version's is kept already.
    pub fn keep(&self, household_id: &str, version: i64, json: Arc<str>) {
        let mut kept = self.lock();
        if kept
            .by_household
            .peek(household_id)
            .is_some_and(|stored| stored.version > version)
        {
            return;
        }
        kept.bytes += footprint(household_id, &json);
        if let Some(replaced) = kept
            .by_household
            .put(household_id.to_owned(), Render { version, json })
        {
            kept.bytes -= footprint(household_id, &replaced.json);
        }
        while kept.bytes > kept.budget {
            let Some((evicted_id, evicted)) = kept.by_household.pop_lru() else {
                break;
            };
            kept.bytes -= footprint(&evicted_id, &evicted.json);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(kept: &KeptRenders, wanted: &[(&str, i64)]) -> Vec<Option<String>> {
        kept.at_versions(wanted.iter().copied())
            .into_iter()
            .map(|json| json.map(|json| json.to_string()))
            .collect()
    }

    #[test]
    fn json_serves_only_its_own_version_and_never_gives_way_to_an_older_one() {
        let kept = KeptRenders::with_budget(10_000);
        kept.keep("a", 2, "a2".into());
        assert_eq!(
            found(&kept, &[("a", 2), ("a", 3), ("b", 2)]),
            vec![Some("a2".into()), None, None]
        );
        assert!(kept.holds("a"));
        assert!(!kept.holds("b"));

        kept.keep("a", 1, "a1".into());
        assert_eq!(kept.at_version("a", 2).as_deref(), Some("a2"));
        assert_eq!(kept.at_version("a", 1), None);
        kept.keep("a", 3, "a3".into());
        assert_eq!(kept.at_version("a", 3).as_deref(), Some("a3"));
    }

    #[test]
    fn the_least_recently_used_go_first_when_the_budget_is_spent() {
        // Room for two one-byte entries, not three.
        let kept = KeptRenders::with_budget(2 * footprint("a", "a") + 1);
        kept.keep("a", 1, "a".into());
        kept.keep("b", 1, "b".into());
        kept.at_version("a", 1);
        kept.keep("c", 1, "c".into());
        assert_eq!(
            found(&kept, &[("a", 1), ("b", 1), ("c", 1)]),
            vec![Some("a".into()), None, Some("c".into())]
        );
    }

    #[test]
    fn replacing_an_entry_counts_only_the_new_json() {
        let kept = KeptRenders::with_budget(2 * footprint("a", "aaaa"));
        kept.keep("a", 1, "aaaa".into());
        kept.keep("a", 2, "aaaa".into());
        kept.keep("b", 1, "bbbb".into());
        assert_eq!(
            found(&kept, &[("a", 2), ("b", 1)]),
            vec![Some("aaaa".into()), Some("bbbb".into())]
        );
    }

    #[test]
    fn json_larger_than_the_whole_budget_is_not_kept() {
        let kept = KeptRenders::with_budget(10);
        kept.keep("a", 1, "far more than ten bytes".into());
        assert!(!kept.holds("a"));
    }
}
