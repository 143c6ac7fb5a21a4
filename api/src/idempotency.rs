//! Safe retries of POSTs: the first answer to an `Idempotency-Key` is stored in the same
//! transaction as the change, and replayed for the same key and body.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use fupin_persistence::idempotency::{self, StoredResponse};
use fupin_persistence::{DbConn, DbPool};
use serde::Serialize;

use crate::extract;
use crate::problem::{AppError, Kind, Problem};
use fupin_app::run as db;

/// What a successful write answers: status, body and the headers worth replaying.
pub struct Outcome {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub etag: Option<String>,
    pub location: Option<String>,
}

impl Outcome {
    pub fn created<T: Serialize>(
        body: &T,
        version: i64,
        location: String,
    ) -> Result<Self, AppError> {
        Ok(Outcome {
            status: StatusCode::CREATED,
            body: serde_json::to_value(body).map_err(|_| AppError::internal())?,
            etag: Some(crate::etag::of_version(version)),
            location: Some(location),
        })
    }

    pub fn ok<T: Serialize>(body: &T, version: i64) -> Result<Self, AppError> {
        Ok(Outcome {
            status: StatusCode::OK,
            body: serde_json::to_value(body).map_err(|_| AppError::internal())?,
            etag: Some(crate::etag::of_version(version)),
            location: None,
        })
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
        response.json(self.body)
    }
}

enum Attempt {
    Done(Outcome),
    Replay(StoredResponse),
}

/// Runs a POST's write once per `Idempotency-Key` (when the client sent one). Keys belong to
/// their `owner` (the caller): two callers' keys never meet.
pub async fn write_once<F>(
    pool: &DbPool,
    req: &HttpRequest,
    owner: &str,
    fingerprint: String,
    work: F,
) -> Result<HttpResponse, Problem>
where
    F: FnOnce(&mut DbConn) -> Result<Outcome, AppError> + Send + 'static,
{
    let Some(key) = extract::idempotency_key(req)? else {
        return Ok(db::write(pool, work).await?.into_response(false));
    };
    let key = format!("{owner} {key}");
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let (key_, method_, path_, fingerprint_) = (
        key.clone(),
        method.clone(),
        path.clone(),
        fingerprint.clone(),
    );
    let attempt = db::write(pool, move |conn| {
        if let Some(stored) = idempotency::find(conn, &key_, &method_, &path_)? {
            return Ok(Attempt::Replay(stored));
        }
        let outcome = work(conn)?;
        idempotency::insert(
            conn,
            &StoredResponse {
                idempotency_key: key_,
                request_method: method_,
                request_path: path_,
                request_hash: fingerprint_,
                response_status: i32::from(outcome.status.as_u16()),
                response_body: outcome.body.to_string(),
                response_etag: outcome.etag.clone(),
                response_location: outcome.location.clone(),
                created_at: Utc::now().naive_utc(),
            },
        )?;
        Ok(Attempt::Done(outcome))
    })
    .await;
    match attempt {
        Ok(Attempt::Done(outcome)) => Ok(outcome.into_response(false)),
        Ok(Attempt::Replay(stored)) => replay(stored, &fingerprint),
        Err(problem) => {
            // A concurrent request with the same key may have won the race: answer as it did.
            let stored = db::read(pool, move |conn| {
                Ok(idempotency::find(conn, &key, &method, &path)?)
            })
            .await?;
            match stored {
                Some(stored) => replay(stored, &fingerprint),
                None => Err(problem.into()),
            }
        }
    }
}

fn replay(stored: StoredResponse, fingerprint: &str) -> Result<HttpResponse, Problem> {
    if stored.request_hash != fingerprint {
        return Err(AppError::new(Kind::IdempotencyKeyReused).into());
    }
    let status = u16::try_from(stored.response_status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(AppError::internal)?;
    let body: serde_json::Value =
        serde_json::from_str(&stored.response_body).map_err(|_| AppError::internal())?;
    Ok(Outcome {
        status,
        body,
        etag: stored.response_etag,
        location: stored.response_location,
    }
    .into_response(true))
}
