//! Fupin's units of work: each runs inside one transaction, loads what a rule needs, lets the
//! domain decide, writes the result and its audit entry. The HTTP handlers call these, and so do
//! the command line and batch jobs; nothing here knows of HTTP or of the web framework.

pub mod accounts;
pub mod assessments;
pub mod caller;
pub mod context;
pub mod entities;
pub mod error;
pub mod exchange_bulk;
pub mod history;
pub mod household_list;
pub mod household_views;
pub mod households;
pub mod incomes;
pub mod indicators;
pub mod input;
pub mod kept_renders;
pub mod ledger;
pub mod lifecycle;
pub mod loan_policies;
pub mod loans;
pub mod members;
pub mod models;
pub mod pagination;
pub mod quality;
pub mod quality_facts;
pub mod reads;
pub mod regions;
pub mod rollup;
pub mod run;
pub mod statistics;
pub mod subsidies;
pub mod totals;

use fupin_domain::region::RegionCode;
use fupin_domain::scope::RegionScope;
use fupin_persistence::members::current_holder_of;
use fupin_persistence::DbConn;

pub use crate::caller::{Caller, Clock, SystemClock};
pub use crate::context::{Context, Disclosure};
pub use crate::error::{AppError, FieldError, Kind, Text};

/// A new UUIDv7 id: sortable by creation time, no shared sequence.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Refuses a resident ID number (given by its keyed hash) already held by a current member
/// elsewhere in the registry. Only a caller whose scope covers the holder's household learns
/// where it is held: to anyone else the answer says no more than that the number is taken,
/// so the refusal cannot be used to look people up across the registry.
pub fn ensure_id_number_free(
    conn: &mut DbConn,
    scope: &RegionScope,
    id_number_hmac: &str,
    except_member: Option<&str>,
) -> Result<(), AppError> {
    let Some(holder) = current_holder_of(conn, id_number_hmac, except_member)? else {
        return Ok(());
    };
    let visible = RegionCode::parse(&holder.region_code).is_ok_and(|code| scope.covers(&code));
    let refusal = AppError::new(Kind::ResidentIdRegistered);
    Err(if visible {
        refusal.with_detail(
            format!(
                "This resident ID number belongs to current member {} of household {} ({}); a person can be in only one household. Record that they left it first.",
                holder.member_id, holder.household_number, holder.household_id
            ),
            format!(
                "该身份证号码已登记为户 {}（{}）的现有成员 {}；一人只能属于一户，请先办理减员。",
                holder.household_number, holder.household_id, holder.member_id
            ),
        )
    } else {
        refusal.with_detail(
            "This resident ID number is already registered to a current member of another household; a person can be in only one household",
            "该身份证号码已登记为其他户的现有成员；一人只能属于一户",
        )
    })
}
