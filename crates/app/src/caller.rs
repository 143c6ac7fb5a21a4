//! Who acts: the authenticated bearer of a request (or the operator of a command), with the
//! role the access matrix judges and the region scope every query is limited to.

use chrono::{DateTime, Utc};
use fupin_domain::access::{allows, Action, Role};
use fupin_domain::region::RegionCode;
use fupin_domain::scope::RegionScope;

use crate::error::{AppError, Kind};

/// The one acting.
#[derive(Debug, Clone)]
pub struct Caller {
    pub subject: String,
    pub name: String,
    pub role: Role,
    /// What a client system was granted; empty for people, whose role decides.
    pub grants: Vec<Action>,
    pub region: RegionCode,
    pub request_id: Option<String>,
    /// The clock reading of the request, taken once when the caller is known.
    pub now: DateTime<Utc>,
}

impl Caller {
    pub fn scope(&self) -> RegionScope {
        RegionScope::Within(self.region.clone())
    }

    pub fn may(&self, action: Action) -> bool {
        match self.role {
            Role::Client => self.grants.contains(&action),
            role => allows(role, action),
        }
    }

    /// True when this caller is the one who recorded something, known by the recorder's id
    /// (or, for records from before ids were kept, by name).
    pub fn recorded(&self, recorder_id: Option<&str>, recorder_name: &str) -> bool {
        match recorder_id {
            Some(id) => id == self.subject,
            None => recorder_name == self.name,
        }
    }
}

/// The role (or, for a client system, its grants) may not take this action.
pub fn forbidden_action(role: Role, action: Action) -> AppError {
    let (en, zh) = match role {
        Role::Client => (
            "This client system was not granted".to_owned(),
            "该外部系统未获授权".to_owned(),
        ),
        role => (
            format!("The role {role} may not"),
            format!("角色“{}”无权", role.chinese()),
        ),
    };
    AppError::new(Kind::Forbidden).with_detail(
        format!("{en} {}", action.as_str().replace('_', " ")),
        format!("{zh}{}", action.chinese()),
    )
}

/// The record or region is outside the caller's scope (where saying so leaks nothing).
pub fn forbidden_region() -> AppError {
    AppError::new(Kind::Forbidden).with_detail(
        "The region is outside your scope",
        "该区划不在您的管辖范围内",
    )
}

/// Where the service reads the time: the system clock in service, a settable one in tests.
/// Domain rules never read it; units of work take the reading they are given.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
