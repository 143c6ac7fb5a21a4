//! What every unit of work knows: who acts, in which scope, with which keys, at what time.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, SubsecRound};
use fupin_domain::scope::RegionScope;
use fupin_persistence::audit::{self, NewAuditEntry};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::DbConn;
use serde::Serialize;

use crate::caller::Caller;
use crate::error::AppError;

/// How personal data appears in what a unit of work returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    Masked,
    Full,
}

/// The acting caller, the keys and the request's clock reading.
#[derive(Clone)]
pub struct Context {
    pub caller: Caller,
    pub keys: Arc<PersonalDataKeys>,
    pub now: NaiveDateTime,
    pub today: NaiveDate,
}

impl Context {
    /// The context of work by `caller`, at the caller's clock reading (microseconds, the
    /// finest PostgreSQL stores, so a write's answer equals a later read).
    pub fn new(caller: Caller, keys: Arc<PersonalDataKeys>) -> Context {
        let at = caller.now.trunc_subsecs(6);
        let (now, today) = (at.naive_utc(), at.date_naive());
        Context {
            caller,
            keys,
            now,
            today,
        }
    }

    pub fn scope(&self) -> RegionScope {
        self.caller.scope()
    }

    /// Appends an audit entry in the current transaction. `before` and `after` are response
    /// bodies, so personal data in them is already masked.
    pub fn audit(
        &self,
        conn: &mut DbConn,
        action: &str,
        entity: (&str, &str),
        region_code: Option<&str>,
        before: Option<&impl Serialize>,
        after: Option<&impl Serialize>,
    ) -> Result<(), AppError> {
        fn json(value: Option<&impl Serialize>) -> Option<String> {
            value.and_then(|v| serde_json::to_string(v).ok())
        }
        audit::append(
            conn,
            &self.keys,
            NewAuditEntry {
                at: self.now,
                actor_id: self.caller.subject.clone(),
                actor_name: self.caller.name.clone(),
                role: self.caller.role.as_str().to_owned(),
                action: action.to_owned(),
                entity_type: entity.0.to_owned(),
                entity_id: entity.1.to_owned(),
                region_code: region_code.map(str::to_owned),
                request_id: self.caller.request_id.clone(),
                before_json: json(before),
                after_json: json(after),
            },
        )?;
        Ok(())
    }
}

/// Nothing to record on one side of an audit entry.
pub const NOTHING: Option<&()> = None;
