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
        allows(self.role, action)
    }
}

/// The role may not take this action.
pub fn forbidden_action(role: Role, action: Action) -> AppError {
    AppError::new(Kind::Forbidden).with_detail(
        format!(
            "The role {role} may not {}",
            action.as_str().replace('_', " ")
        ),
        format!("角色“{}”无权{}", role.chinese(), action.chinese()),
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
