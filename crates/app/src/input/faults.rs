//! Every fault of a body in one answer. A typed deserializer stops at its first fault; here each
//! fault found is recorded, and the faulty value is set aside (an unknown field removed, a wrong
//! or missing value stood in for by one of its type) so that the next pass finds the next. When
//! a typed value results, its length and domain rules can run too; what they say about a stand-in
//! is dropped, since the client's own value is already reported.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use serde_path_to_error::{Path, Segment};

use crate::error::FieldError;

/// At most this many faults are collected; a body with more is reported in part.
const MAX_FAULTS: usize = 50;

/// What a body parses to: the value (with stand-ins where faults were), every type fault, and
/// the paths of the stand-ins.
pub struct Parsed<T> {
    pub value: Option<T>,
    pub faults: Vec<FieldError>,
    pub stand_ins: Vec<String>,
}

impl<T> Parsed<T> {
    /// Whether `field` (a path as field errors name it) is or lies within a stand-in.
    pub fn stands_in(&self, field: &str) -> bool {
        lies_within(&self.stand_ins, field)
    }
}

/// Whether `field` is one of `paths` or lies within one.
pub fn lies_within(paths: &[String], field: &str) -> bool {
    paths.iter().any(|path| {
        field == path
            || field.starts_with(&format!("{path}."))
            || field.starts_with(&format!("{path}["))
    })
}

/// Deserializes `value` as `T`, collecting every fault.
pub fn every_fault<T: DeserializeOwned>(mut value: Value) -> Parsed<T> {
    let mut faults = Vec::new();
    let mut stand_ins = Vec::new();
    while faults.len() < MAX_FAULTS {
        let (path, message) = match attempt::<T>(&value) {
            Ok(typed) => {
                return Parsed {
                    value: Some(typed),
                    faults,
                    stand_ins,
                }
            }
            Err(fault) => fault,
        };
        let fault = super::field_error_from_serde(&path.to_string(), &message);
        let field = fault.field.clone();
        faults.push(fault);
        if !set_aside::<T>(&mut value, &path, &message) {
            break;
        }
        stand_ins.push(field);
    }
    Parsed {
        value: None,
        faults,
        stand_ins,
    }
}

fn attempt<T: DeserializeOwned>(value: &Value) -> Result<T, (Path, String)> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|error| {
        let path = error.path().clone();
        (path, super::strip_position(&error.into_inner().to_string()))
    })
}

/// Changes `value` so that the fault at `path` is gone: true when it could.
fn set_aside<T: DeserializeOwned>(value: &mut Value, path: &Path, message: &str) -> bool {
    let segments: Vec<&Segment> = path.iter().collect();
    let named = message.split('`').nth(1).unwrap_or("").to_owned();
    if message.starts_with("unknown field") {
        // The path names the object or, by some deserializers, the field itself.
        let object_path = match segments.last() {
            Some(Segment::Map { key }) if *key == named => &segments[..segments.len() - 1],
            _ => &segments[..],
        };
        return match slot(value, object_path) {
            Some(Value::Object(fields)) => fields.remove(&named).is_some(),
            _ => false,
        };
    }
    if message.starts_with("missing field") {
        let mut with_key: Vec<Segment> = segments.iter().map(|s| (*s).clone()).collect();
        with_key.push(Segment::Map { key: named.clone() });
        return match slot(value, &segments) {
            Some(Value::Object(fields)) => {
                fields.insert(named.clone(), Value::Null);
                stand_in::<T>(value, &with_key.iter().collect::<Vec<_>>(), message)
            }
            _ => false,
        };
    }
    stand_in::<T>(value, &segments, message)
}

/// Puts a value of the right type at `segments`: the first candidate after which the next
/// fault, if any, lies elsewhere.
fn stand_in<T: DeserializeOwned>(value: &mut Value, segments: &[&Segment], message: &str) -> bool {
    let here = segments
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(".");
    for candidate in candidates(message) {
        match slot(value, segments) {
            Some(place) => *place = candidate,
            None => return false,
        }
        match attempt::<T>(value) {
            Ok(_) => return true,
            Err((path, next)) => {
                let same_place = path
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(".")
                    == here
                    && !next.starts_with("unknown field")
                    && !next.starts_with("missing field");
                if !same_place {
                    return true;
                }
            }
        }
    }
    false
}

/// Values of every JSON type, the shapes of dates and instants, and the choices an error about
/// an enum lists.
fn candidates(message: &str) -> Vec<Value> {
    let mut values = vec![
        Value::String("2000-01-01".into()),
        Value::from(1),
        Value::String("x".into()),
        Value::Bool(false),
        Value::Array(Vec::new()),
        Value::Object(Map::new()),
        Value::String("2000-01-01T00:00:00Z".into()),
        Value::from(0),
        Value::Null,
    ];
    if let Some((_, expected)) = message.split_once("expected") {
        let choices = expected.split('`').skip(1).step_by(2);
        values.splice(0..0, choices.map(|c| Value::String(c.to_owned())));
    }
    values
}

/// The value at `segments`, following object keys and array indexes.
fn slot<'v>(value: &'v mut Value, segments: &[&Segment]) -> Option<&'v mut Value> {
    let mut here = value;
    for segment in segments {
        here = match (segment, here) {
            (Segment::Map { key }, Value::Object(fields)) => fields.get_mut(key)?,
            (Segment::Seq { index }, Value::Array(items)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(here)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
        age: u8,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Kind {
        Registered,
        Monitored,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        kind: Kind,
        count: i64,
        on: chrono::NaiveDate,
        head: Inner,
        members: Vec<Inner>,
        note: Option<String>,
    }

    #[test]
    fn every_fault_of_a_body_is_found_in_one_pass() {
        let body = serde_json::json!({
            "kind": "unknown", "count": "three", "on": "yesterday", "extra": 1,
            "head": {"name": 5}, "members": [{"name": "a", "age": 300}], "note": 7
        });
        let parsed = every_fault::<Body>(body);
        let mut fields: Vec<&str> = parsed.faults.iter().map(|f| f.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            vec![
                "count",
                "extra",
                "head.age",
                "head.name",
                "kind",
                "members[0].age",
                "note",
                "on"
            ],
            "{:?}",
            parsed.faults
        );
        assert!(parsed.value.is_some(), "stand-ins make a typed value");
        assert!(parsed.stands_in("members[0].age"));
        assert!(!parsed.stands_in("members[0].name"));
    }

    #[test]
    fn a_good_body_has_no_faults_and_no_stand_ins() {
        let body = serde_json::json!({"kind": "registered", "count": 3, "on": "2019-01-01",
            "head": {"name": "a", "age": 30}, "members": [], "note": null});
        let parsed = every_fault::<Body>(body);
        assert!(parsed.faults.is_empty() && parsed.stand_ins.is_empty());
        assert!(parsed.value.is_some());
    }
}
