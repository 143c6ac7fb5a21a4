//! The rules of a targeted poverty-alleviation registry, as plain types and functions.
//!
//! Nothing here reads a clock, a database or the network: callers pass today's date in,
//! so every rule can be tested with any date.

#[macro_use]
mod term;
pub mod access;
pub mod assessment;
pub mod bilingual;
pub mod credit_code;
pub mod dividend;
pub mod household;
pub mod ids;
pub mod income;
pub mod indicator;
pub mod lifecycle;
pub mod loan;
pub mod loan_lifecycle;
pub mod masking;
pub mod member;
pub mod money;
pub mod password;
pub mod phone;
pub mod quality;
pub mod region;
pub mod relation_age;
pub mod resident_id;
pub mod scope;

pub use bilingual::Chinese;
pub use term::UnknownTerm;
