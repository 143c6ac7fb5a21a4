//! Safe retries of POSTs: the first answer to an `Idempotency-Key` is stored in the same
//! transaction as the change, and replayed for the same key and body. Stored answers are sealed
//! like personal data (a new client's secret is in one) and expire after
//! [`KEY_LIFETIME_HOURS`]; each keyed write purges the expired ones.

use std::future::Future;
use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDateTime};
use fupin_persistence::idempotency::{self, StoredResponse};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::{DbConn, DbPool};
use serde::Serialize;

use crate::extract;
use crate::problem::{AppError, Kind, Problem};
use fupin_app::run as db;

/// How long a stored answer is replayed; a key sent again later starts a new request.
pub const KEY_LIFETIME_HOURS: i64 = 24;

/// What a successful write answers: status, body and the headers worth replaying.
#[derive(Clone)]
pub struct Outcome {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub etag: Option<String>,
    pub location: Option<String>,
}

impl Outcome {
    /// An answer with `status` and `body`, without ETag or Location.
    pub fn new<T: Serialize>(status: StatusCode, body: &T) -> Result<Self, AppError> {
        Ok(Outcome {
            status,
            body: serde_json::to_value(body).map_err(|_| AppError::internal())?,
            etag: None,
            location: None,
        })
    }

    pub fn created<T: Serialize>(
        body: &T,
        version: i64,
        location: String,
    ) -> Result<Self, AppError> {
        Ok(Outcome::new(StatusCode::CREATED, body)?
            .with_version(version)
            .with_location(location))
    }

    pub fn ok<T: Serialize>(body: &T, version: i64) -> Result<Self, AppError> {
        Ok(Outcome::new(StatusCode::OK, body)?.with_version(version))
    }

    pub fn with_version(mut self, version: i64) -> Self {
        self.etag = Some(crate::etag::of_version(version));
        self
    }

    pub fn with_location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }

    fn into_response(self, replayed: bool) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(etag) = self.etag {
            response.insert_header((header::ETAG, etag));
        }
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        if replayed {
            response.insert_header(("Idempotent-Replayed", "true"));
        }
        if self.status == StatusCode::NO_CONTENT {
            return response.finish();
        }
        response.json(self.body)
    }
}

/// Who retries and when: the caller owning the keys, the keys that seal stored answers, and the
/// request's clock reading.
pub struct Retrier<'a> {
    pub owner: &'a str,
    pub keys: &'a Arc<PersonalDataKeys>,
    pub now: NaiveDateTime,
}

/// The request a key names: the caller's key, the method and the path.
struct Keyed {
    key: String,
    method: String,
    path: String,
    fingerprint: String,
}

impl Keyed {
    fn of(req: &HttpRequest, owner: &str, fingerprint: String) -> Result<Option<Self>, AppError> {
        Ok(extract::idempotency_key(req)?.map(|key| Keyed {
            key: format!("{owner} {key}"),
            method: req.method().to_string(),
            path: req.path().to_owned(),
            fingerprint,
        }))
    }

    /// The stored answer to this key, if one is still alive; purges the expired ones first.
    fn stored(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
    ) -> Result<Option<StoredResponse>, AppError> {
        idempotency::purge_recorded_before(conn, now - Duration::hours(KEY_LIFETIME_HOURS))?;
        Ok(idempotency::find(
            conn,
            &self.key,
            &self.method,
            &self.path,
        )?)
    }

    fn store(
        &self,
        conn: &mut DbConn,
        keys: &PersonalDataKeys,
        now: NaiveDateTime,
        outcome: &Outcome,
    ) -> Result<(), AppError> {
        let sealed_body = keys
            .seal(&outcome.body.to_string())
            .map_err(|_| AppError::internal())?;
        idempotency::insert(
            conn,
            &StoredResponse {
                idempotency_key: self.key.clone(),
                request_method: self.method.clone(),
                request_path: self.path.clone(),
                request_hash: self.fingerprint.clone(),
                response_status: i32::from(outcome.status.as_u16()),
                response_body: sealed_body,
                response_etag: outcome.etag.clone(),
                response_location: outcome.location.clone(),
                created_at: now,
            },
        )?;
        Ok(())
    }

    /// After a failed attempt: a concurrent request with the same key may have won the race,
    /// and then its answer is this one's too.
    async fn winner_or(
        &self,
        pool: &DbPool,
        keys: &PersonalDataKeys,
        problem: AppError,
    ) -> Result<HttpResponse, Problem> {
        let (key, method, path) = (self.key.clone(), self.method.clone(), self.path.clone());
        let stored = db::read(pool, move |conn| {
            Ok(idempotency::find(conn, &key, &method, &path)?)
        })
        .await?;
        match stored {
            Some(stored) => replay(stored, &self.fingerprint, keys),
            None => Err(problem.into()),
        }
    }
}

enum Attempt {
    Done(Outcome),
    Replay(StoredResponse),
}

/// Runs a POST's write once per `Idempotency-Key` (when the client sent one), the stored answer
/// in the write's own transaction. Keys belong to their owner: two callers' keys never meet.
pub async fn write_once<F>(
    pool: &DbPool,
    req: &HttpRequest,
    retrier: Retrier<'_>,
    fingerprint: String,
    work: F,
) -> Result<HttpResponse, Problem>
where
    F: FnOnce(&mut DbConn) -> Result<Outcome, AppError> + Send + 'static,
{
    let Some(keyed) = Keyed::of(req, retrier.owner, fingerprint)? else {
        return Ok(db::write(pool, work).await?.into_response(false));
    };
    let keyed = Arc::new(keyed);
    let (job, keys, now) = (keyed.clone(), retrier.keys.clone(), retrier.now);
    let attempt = db::write(pool, move |conn| {
        if let Some(stored) = job.stored(conn, now)? {
            return Ok(Attempt::Replay(stored));
        }
        let outcome = work(conn)?;
        job.store(conn, &keys, now, &outcome)?;
        Ok(Attempt::Done(outcome))
    })
    .await;
    match attempt {
        Ok(Attempt::Done(outcome)) => Ok(outcome.into_response(false)),
        Ok(Attempt::Replay(stored)) => replay(stored, &keyed.fingerprint, retrier.keys),
        Err(problem) => keyed.winner_or(pool, retrier.keys, problem).await,
    }
}

/// Like [`write_once`] for work that runs its own transactions (an import, a data-quality run):
/// the answer is stored after the work. A retry after a crash between the two runs the work
/// again, which such work tolerates (an import's rows are refused as already registered; a run
/// only reads).
pub async fn run_once<Fut>(
    pool: &DbPool,
    req: &HttpRequest,
    retrier: Retrier<'_>,
    fingerprint: String,
    work: Fut,
) -> Result<HttpResponse, Problem>
where
    Fut: Future<Output = Result<Outcome, AppError>>,
{
    let Some(keyed) = Keyed::of(req, retrier.owner, fingerprint)? else {
        return Ok(work.await?.into_response(false));
    };
    let keyed = Arc::new(keyed);
    let (job, now) = (keyed.clone(), retrier.now);
    let stored = db::write(pool, move |conn| job.stored(conn, now)).await?;
    if let Some(stored) = stored {
        return replay(stored, &keyed.fingerprint, retrier.keys);
    }
    let outcome = work.await?;
    let (job, keys) = (keyed.clone(), retrier.keys.clone());
    let stored = outcome.clone();
    let saved = db::write(pool, move |conn| job.store(conn, &keys, now, &stored)).await;
    if let Err(error) = saved {
        // The work is done; this answer is still its true answer, only a retry may redo it.
        tracing::warn!(%error, "the answer to an Idempotency-Key could not be stored");
    }
    Ok(outcome.into_response(false))
}

fn replay(
    stored: StoredResponse,
    fingerprint: &str,
    keys: &PersonalDataKeys,
) -> Result<HttpResponse, Problem> {
    if stored.request_hash != fingerprint {
        return Err(AppError::new(Kind::IdempotencyKeyReused).into());
    }
    let status = u16::try_from(stored.response_status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(AppError::internal)?;
    // Answers stored before they were sealed (before migration 000023) are plain JSON.
    let text = keys
        .open(&stored.response_body)
        .unwrap_or(stored.response_body);
    let body: serde_json::Value = serde_json::from_str(&text).map_err(|_| AppError::internal())?;
    Ok(Outcome {
        status,
        body,
        etag: stored.response_etag,
        location: stored.response_location,
    }
    .into_response(true))
}
