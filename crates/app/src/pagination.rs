//! Cursor pagination: `?limit=&cursor=`, answered with `{"items": [...], "next_cursor"}`.
//!
//! A cursor is the last id of a page plus a fingerprint of the query it belongs to, sealed by
//! a checksum: a changed cursor, or one reused with other filters, is a 400. Pages follow id
//! order (UUIDv7, so creation order), which keeps them stable while others insert.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use fupin_persistence::ListKey;

use crate::error::{AppError, Kind};

pub const DEFAULT_LIMIT: u32 = 50;
/// The shape of every cursor `seal` makes: the base64url payload, a dot, and the base64url of
/// the 12-byte checksum (16 characters). Only the checksum tells a real cursor from a forged one.
pub const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{16}$";
pub const MAX_LIMIT: u32 = 200;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 200 (default 50); more than 200 is a 400, not a silent cap.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged.
    #[param(format = "cursor")]
    pub cursor: Option<String>,
}

/// Where a page starts and how long it is, checked against the query it is used with.
pub struct PageRequest {
    pub after: Option<String>,
    pub limit: u32,
    query_fingerprint: String,
}

impl PageParams {
    /// `query` identifies the filters; a cursor made for other filters is refused.
    pub fn resolve(&self, query: &str) -> Result<PageRequest, AppError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::bad_request(
                format!("limit must be between 1 and {MAX_LIMIT}"),
                format!("limit 必须在 1 到 {MAX_LIMIT} 之间"),
            ));
        }
        let query_fingerprint = fingerprint(query);
        let after = match &self.cursor {
            None => None,
            Some(cursor) => Some(open(cursor, &query_fingerprint).ok_or_else(invalid_cursor)?),
        };
        Ok(PageRequest {
            after,
            limit,
            query_fingerprint,
        })
    }
}

impl PageRequest {
    /// How many rows to load: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// Where the previous page ended, as a (village, id) key.
    pub fn after_key(&self) -> Result<Option<String>, AppError> {
        match &self.after {
            Some(text) if ListKey::decode(text).is_none() => Err(invalid_cursor()),
            other => Ok(other.clone()),
        }
    }

    /// Cuts the extra row off and makes the cursor of the next page from the last item's key.
    pub fn finish<T>(
        &self,
        mut rows: Vec<T>,
        key_of: impl Fn(&T) -> String,
    ) -> (Vec<T>, Option<String>) {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next = if more {
            rows.last()
                .map(|last| seal(&key_of(last), &self.query_fingerprint))
        } else {
            None
        };
        (rows, next)
    }

    /// `finish` for a list kept in (village, id) order: `key_of` gives a row's village and id.
    pub fn finish_by_village<T>(
        &self,
        rows: Vec<T>,
        key_of: impl Fn(&T) -> (&str, &str),
    ) -> (Vec<T>, Option<String>) {
        self.finish(rows, |row| {
            let (region_code, id) = key_of(row);
            ListKey::encode(region_code, id)
        })
    }
}

fn invalid_cursor() -> AppError {
    AppError::new(Kind::InvalidCursor).with_detail(
        "The cursor was changed or belongs to another query; start again without it",
        "游标已被修改或不属于此查询，请不带游标重新开始",
    )
}

fn fingerprint(query: &str) -> String {
    let digest = Sha256::digest(query.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..9])
}

fn checksum(payload: &str) -> String {
    let digest = Sha256::digest(format!("fupin-cursor-v1|{payload}").as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

fn seal(last_id: &str, query_fingerprint: &str) -> String {
    let payload = format!("{last_id}|{query_fingerprint}");
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload.as_bytes()),
        checksum(&payload)
    )
}

fn open(cursor: &str, query_fingerprint: &str) -> Option<String> {
    let (encoded, sum) = cursor.split_once('.')?;
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(encoded).ok()?).ok()?;
    if checksum(&payload) != sum {
        return None;
    }
    let (last_id, fingerprint) = payload.split_once('|')?;
    (fingerprint == query_fingerprint).then(|| last_id.to_owned())
}

/// Declares a page type for a list answer.
macro_rules! page_of {
    ($page:ident, $item:ty) => {
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }

        impl $page {
            /// The one page of a list that is never paged (everything fits).
            pub fn whole(items: Vec<$item>) -> Self {
                Self {
                    items,
                    next_cursor: None,
                }
            }

            /// A page of nothing: the filter cannot match within the caller's scope.
            pub fn empty() -> Self {
                Self::whole(Vec::new())
            }
        }
    };
}
pub(crate) use page_of;

/// A change-feed position (an audit sequence number) as an opaque, tamper-evident cursor.
pub fn seal_feed_position(seq: i64) -> String {
    seal(&seq.to_string(), "changes")
}

/// The sequence number in a change-feed cursor; a changed cursor is a 400.
pub fn open_feed_position(cursor: &str) -> Result<i64, AppError> {
    open(cursor, "changes")
        .and_then(|seq| seq.parse().ok())
        .ok_or_else(invalid_cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(cursor: Option<String>, limit: Option<u32>) -> PageParams {
        PageParams { limit, cursor }
    }

    #[test]
    fn next_cursor_continues_after_the_last_item() {
        let page = params(None, Some(2)).resolve("status=x").unwrap();
        let (items, next) = page.finish(vec!["a", "b", "c"], |s| s.to_string());
        assert_eq!(items, vec!["a", "b"]);
        let next_page = params(next, Some(2)).resolve("status=x").unwrap();
        assert_eq!(next_page.after.as_deref(), Some("b"));
    }

    #[test]
    fn last_page_has_no_cursor() {
        let page = params(None, Some(2)).resolve("").unwrap();
        assert_eq!(page.finish(vec!["a", "b"], |s| s.to_string()).1, None);
    }

    #[test]
    fn tampered_or_foreign_cursors_are_refused() {
        let page = params(None, Some(1)).resolve("q=1").unwrap();
        let cursor = page.finish(vec!["a", "b"], |s| s.to_string()).1.unwrap();
        assert!(params(Some(cursor.clone()), None).resolve("q=2").is_err());
        let (encoded, sum) = cursor.split_once('.').unwrap();
        let forged = format!(
            "{}.{sum}",
            URL_SAFE_NO_PAD.encode(format!("z|{}", fingerprint("q=1")))
        );
        assert_ne!(forged, cursor);
        assert!(params(Some(forged), None).resolve("q=1").is_err());
        assert!(params(Some(format!("{encoded}.x")), None)
            .resolve("q=1")
            .is_err());
        assert!(params(Some("garbage".into()), None).resolve("q=1").is_err());
    }

    /// `CURSOR_PATTERN` (`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$`) holds every cursor made here.
    #[test]
    fn every_cursor_has_the_documented_shape() {
        let base64url = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let listed = seal("01a24264-d33e-7450-897f-3d4b1fcef730", &fingerprint("q=1"));
        for cursor in [listed, seal_feed_position(i64::MAX)] {
            let (payload, sum) = cursor.split_once('.').unwrap();
            assert!(!payload.is_empty() && base64url(payload), "{cursor}");
            assert!(sum.len() == 16 && base64url(sum), "{cursor}");
        }
        assert!(CURSOR_PATTERN.contains(r"\.[A-Za-z0-9_-]{16}$"));
    }

    #[test]
    fn limit_outside_bounds_is_refused() {
        assert!(params(None, Some(0)).resolve("").is_err());
        assert!(params(None, Some(201)).resolve("").is_err());
        assert!(params(None, Some(200)).resolve("").is_ok());
    }
}
