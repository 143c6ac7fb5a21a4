//! Request and response bodies, and their conversion to and from domain values and rows.

pub mod accounts;
pub mod assessments;
pub mod changes;
pub mod entities;
pub mod exchange_bulk;
pub mod households;
pub mod incomes;
pub mod indicators;
pub mod ledger;
pub mod lifecycle;
pub mod loan_policies;
pub mod loans;
pub mod members;
pub mod quality;
pub mod regions;
pub mod statistics;
pub mod subsidies;

use chrono::{DateTime, NaiveDateTime, Utc};
use fupin_persistence::StoreError;
use serde::{Deserialize, Deserializer};

use crate::error::{AppError, FieldError, Text};

/// A 12-digit region code as `RegionCode::parse` accepts it: a county part (6 digits) that is not
/// all zeros, then `000000` (the county itself), or a town part that is not `000` followed by
/// any village part. Written without lookahead, which some JSON Schema validators lack; the
/// document's `format: region-code` fields all carry it (`api/src/openapi/shapes.rs`).
pub const REGION_CODE_PATTERN: &str = concat!(
    "^(?:[1-9][0-9]{5}|0[1-9][0-9]{4}|00[1-9][0-9]{3}|000[1-9][0-9]{2}|0000[1-9][0-9]|00000[1-9])",
    "(?:000000|(?:[1-9][0-9]{2}|0[1-9][0-9]|00[1-9])[0-9]{3})$"
);

/// The region of an account: a 12-digit region code as above, or a 6-digit county code (the
/// county part alone), as `parse_region` takes them.
pub const REGION_OR_COUNTY_PATTERN: &str = concat!(
    "^(?:[1-9][0-9]{5}|0[1-9][0-9]{4}|00[1-9][0-9]{3}|000[1-9][0-9]{2}|0000[1-9][0-9]|00000[1-9])",
    "(?:000000|(?:[1-9][0-9]{2}|0[1-9][0-9]|00[1-9])[0-9]{3})?$"
);

/// Stored timestamps are UTC without an offset; the API always shows the offset.
pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// Reads a stored enumeration value; an unknown one means the database holds something the
/// code never wrote.
pub fn stored<T: std::str::FromStr>(value: &str) -> Result<T, StoreError> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown stored value `{value}`")))
}

/// For PATCH fields that may be set to `null`: absent is `None`, `null` is `Some(None)`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A nested object of a body, given as a JSON object only: serde's derived structs also take
/// an array of their fields in order, which no client means and the document does not allow.
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
    T::deserialize(serde_json::Value::Object(map)).map_err(serde::de::Error::custom)
}

/// Gathers field errors while a request is turned into domain values, so that the client
/// learns of every bad field at once.
#[derive(Default)]
pub struct Findings(Vec<FieldError>);

impl Findings {
    pub fn add(
        &mut self,
        field: impl Into<String>,
        code: &'static str,
        en: impl Into<String>,
        zh: impl Into<String>,
    ) {
        self.0.push(FieldError::new(field, code, Text::new(en, zh)));
    }

    /// Keeps the value, or records the error and gives `None`: in English its `Display`, in
    /// Chinese `zh` followed by the error's own Chinese message.
    pub fn check<T, E: std::fmt::Display + fupin_domain::Chinese>(
        &mut self,
        field: &str,
        code: &'static str,
        zh: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(
                    field,
                    code,
                    error.to_string(),
                    format!("{zh}：{}", fupin_domain::Chinese::chinese(&error)),
                );
                None
            }
        }
    }

    pub fn prefixed(self, prefix: &str) -> Findings {
        Findings(
            self.0
                .into_iter()
                .map(|mut e| {
                    e.field = format!("{prefix}.{}", e.field);
                    e
                })
                .collect(),
        )
    }

    pub fn merge(&mut self, other: Findings) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was found wrong, else the validation problem.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, AppError> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ if self.0.is_empty() => Err(AppError::internal()),
            _ => Err(AppError::invalid_fields(self.0)),
        }
    }
}

/// `?reveal=true` on a single resource: personal data in full, for roles allowed to read it.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RevealParams {
    /// `true`: resident ID numbers and phone numbers in full. Only roles that may read personal
    /// data (admin, district_officer); every such read is recorded in the audit trail.
    pub reveal: Option<bool>,
}
