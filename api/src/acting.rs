//! The one extractor of handlers that run a unit of work: the caller allowed the operation's
//! permission, as a unit-of-work context, with the pool the work runs on.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use fupin_app::{run, AppError, Context};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::{DbConn, DbPool};

use crate::auth::{Allowed, Permission};
use crate::idempotency::{self, Outcome, Retrier};
use crate::problem::Problem;

/// The context of a unit of work by a caller whose role allows `P`: the caller, the keys that
/// seal and open personal data, and the request's clock reading; and the pool to run it on.
pub struct Acting<P: Permission> {
    context: Context,
    pool: web::Data<DbPool>,
    permission: PhantomData<P>,
}

impl<P: Permission> std::ops::Deref for Acting<P> {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.context
    }
}

impl<P: Permission> Acting<P> {
    pub fn into_context(self) -> Context {
        self.context
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Runs read-only work on the blocking pool (see `fupin_app::run::read`).
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, &Context) -> Result<T, AppError> + Send + 'static,
    {
        let context = self.context.clone();
        run::read(&self.pool, move |conn| work(conn, &context)).await
    }

    /// Runs work in one write transaction on the blocking pool.
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, &Context) -> Result<T, AppError> + Send + 'static,
    {
        let context = self.context.clone();
        run::write(&self.pool, move |conn| work(conn, &context)).await
    }

    /// Runs a POST's write once per `Idempotency-Key` of this caller (see
    /// `idempotency::write_once`).
    pub async fn write_once<F>(
        &self,
        req: &HttpRequest,
        fingerprint: String,
        work: F,
    ) -> Result<HttpResponse, Problem>
    where
        F: FnOnce(&mut DbConn, &Context) -> Result<Outcome, AppError> + Send + 'static,
    {
        let context = self.context.clone();
        idempotency::write_once(&self.pool, req, self.retrier(), fingerprint, move |conn| {
            work(conn, &context)
        })
        .await
    }

    /// Runs work that manages its own transactions once per `Idempotency-Key` of this caller
    /// (see `idempotency::run_once`).
    pub async fn run_once<Fut>(
        &self,
        req: &HttpRequest,
        fingerprint: String,
        work: Fut,
    ) -> Result<HttpResponse, Problem>
    where
        Fut: Future<Output = Result<Outcome, AppError>>,
    {
        idempotency::run_once(&self.pool, req, self.retrier(), fingerprint, work).await
    }

    fn retrier(&self) -> Retrier<'_> {
        Retrier {
            owner: &self.context.caller.subject,
            keys: &self.context.keys,
            now: self.context.now,
        }
    }
}

impl<P: Permission + 'static> FromRequest for Acting<P> {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let allowed = Allowed::<P>::from_request(req, payload);
        let keys = req.app_data::<web::Data<PersonalDataKeys>>().cloned();
        let pool = req.app_data::<web::Data<DbPool>>().cloned();
        Box::pin(async move {
            let caller = allowed.await?.caller;
            let (Some(keys), Some(pool)) = (keys, pool) else {
                return Err(AppError::internal().into());
            };
            Ok(Acting {
                context: Context::new(caller, keys.into_inner()),
                pool,
                permission: PhantomData,
            })
        })
    }
}
