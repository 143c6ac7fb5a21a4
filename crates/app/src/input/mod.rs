//! Request bodies into typed values: JSON with every bad field named, and `validator`'s
//! findings as field errors. The API's extractors and the bulk import share these.

use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{AppError, FieldError, Kind, Text};

mod chinese;
mod faults;
pub use chinese::serde_message as serde_message_in_chinese;
pub use faults::{every_fault, lies_within, Parsed};

/// Parses JSON, naming every bad field: syntax errors are 400; a well-formed body with wrong,
/// missing or unknown fields, or text holding the NUL character, is 422 with one entry each.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let parsed = parse_every_fault::<T>(bytes)?;
    match parsed.value {
        Some(value) if parsed.faults.is_empty() => Ok(value),
        _ => Err(AppError::invalid_fields(parsed.faults)),
    }
}

/// Parses JSON and checks `validator`'s rules: one 422 names every type fault and every broken
/// rule (a rule about a value already reported as of the wrong type is left out).
pub fn parse_valid<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, AppError> {
    let parsed = parse_valid_faults::<T>(bytes)?;
    match parsed.value {
        Some(value) if parsed.faults.is_empty() => Ok(value),
        _ => Err(AppError::invalid_fields(parsed.faults)),
    }
}

/// [`parse_valid`] without the verdict, for a caller with more rules to add.
pub fn parse_valid_faults<T: DeserializeOwned + Validate>(
    bytes: &[u8],
) -> Result<Parsed<T>, AppError> {
    let mut parsed = parse_every_fault::<T>(bytes)?;
    if let Some(Err(errors)) = parsed.value.as_ref().map(Validate::validate) {
        let broken = validation_problem(errors).errors;
        let mut faults = std::mem::take(&mut parsed.faults);
        faults.extend(broken.into_iter().filter(|f| !parsed.stands_in(&f.field)));
        parsed.faults = faults;
    }
    Ok(parsed)
}

/// Syntax first (400), then, only when the typed parse fails, a pass that finds every fault.
fn parse_every_fault<T: DeserializeOwned>(bytes: &[u8]) -> Result<Parsed<T>, AppError> {
    refuse_nul(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let typed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    match typed {
        Ok(value) => {
            deserializer.end().map_err(malformed)?;
            Ok(Parsed {
                value: Some(value),
                faults: Vec::new(),
                stand_ins: Vec::new(),
            })
        }
        Err(error) if !error.inner().is_data() => Err(malformed(error.into_inner())),
        Err(_) => {
            let mut deserializer = serde_json::Deserializer::from_slice(bytes);
            let strict: Result<StrictValue, _> =
                serde_path_to_error::deserialize(&mut deserializer);
            match strict {
                Ok(StrictValue(value)) => {
                    deserializer.end().map_err(malformed)?;
                    Ok(every_fault::<T>(value))
                }
                Err(error) if !error.inner().is_data() => Err(malformed(error.into_inner())),
                Err(error) => {
                    let path = error.path().to_string();
                    let message = strip_position(&error.into_inner().to_string());
                    Err(AppError::invalid_fields(vec![field_error_from_serde(
                        &path, &message,
                    )]))
                }
            }
        }
    }
}

fn malformed(error: serde_json::Error) -> AppError {
    let message = strip_position(&error.to_string());
    let line = error.line();
    AppError::new(Kind::MalformedJson)
        .with_detail(message, format!("请求体第 {line} 行不是有效的 JSON"))
}

/// Deserializes an already parsed value (a form's fields), naming the field of a type error.
pub fn parse_json_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let message = strip_position(&error.into_inner().to_string());
        AppError::invalid_fields(vec![field_error_from_serde(&path, &message)])
    })
}

/// JSON text can hold NUL only as the escape `\u0000`; PostgreSQL cannot store it in text, and
/// no field of the registry needs it, so it is refused on every backend alike.
fn refuse_nul(bytes: &[u8]) -> Result<(), AppError> {
    const ESCAPED_NUL: &[u8] = b"\\u0000";
    if !bytes.windows(ESCAPED_NUL.len()).any(|w| w == ESCAPED_NUL) {
        return Ok(());
    }
    // The escape may be text itself (`\\u0000`): only the parsed value tells.
    let Ok(StrictValue(value)) = serde_json::from_slice::<StrictValue>(bytes) else {
        return Ok(()); // the parse that follows names what is wrong
    };
    match nul_at(&value, String::new()) {
        None => Ok(()),
        Some(field) => Err(AppError::invalid_fields(vec![FieldError::new(
            field,
            "nul_character",
            Text::new(
                "text may not contain the NUL character (\\u0000)",
                "文本不能包含 NUL 字符 (\\u0000)",
            ),
        )])),
    }
}

/// The path of the first text in `value` that holds NUL (a key holding it names its object).
fn nul_at(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| match path.is_empty() {
        true => key.to_owned(),
        false => format!("{path}.{key}"),
    };
    match value {
        Value::String(text) if text.contains('\0') => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, format!("{path}[{i}]"))),
        Value::Object(fields) => fields
            .iter()
            .find_map(|(key, item)| match key.contains('\0') {
                true => Some(path.clone()),
                false => nul_at(item, join(key)),
            }),
        _ => None,
    }
}

/// A JSON value in which no object names a field twice. `serde_json::Value` keeps the last of
/// two; the API's typed bodies refuse the second, and so must anything read as a value.
pub struct StrictValue(pub serde_json::Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate field `{key}`"
                )));
            }
            let StrictValue(value) = map.next_value()?;
            fields.insert(key, value);
        }
        Ok(serde_json::Value::Object(fields))
    }
}

pub fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn field_error_from_serde(path: &str, message: &str) -> FieldError {
    let named = message.split('`').nth(1).unwrap_or("");
    let join = |name: &str| {
        if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let (field, code) = if message.starts_with("unknown field") {
        (join(named), "unknown_field")
    } else if message.starts_with("missing field") {
        (join(named), "required")
    } else if message.starts_with("unknown variant") {
        (path.to_owned(), "invalid_choice")
    } else if message.starts_with("duplicate field") {
        (join(named), "duplicate_field")
    } else if message.starts_with("invalid type") {
        (path.to_owned(), "invalid_type")
    } else {
        (path.to_owned(), "invalid_value")
    };
    let zh = chinese::serde_message(message);
    FieldError::new(field, code, Text::new(message, zh))
}

/// Turns `validator`'s findings into one field error each.
pub fn validation_problem(errors: ValidationErrors) -> AppError {
    let mut found = Vec::new();
    collect_validation(&errors, "", &mut found);
    // The validator keeps fields in a hash map: sorted, the same bad body always reads the same.
    found.sort_by(|a, b| a.field.cmp(&b.field));
    AppError::invalid_fields(found)
}

fn collect_validation(errors: &ValidationErrors, prefix: &str, found: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let message = error
                        .message
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| describe_rule(error));
                    let param = |name: &str| error.params.get(name).map(ToString::to_string);
                    let zh = chinese::validator_rule(&error.code, param("min"), param("max"));
                    found.push(FieldError::new(
                        path.clone(),
                        validation_code(&error.code),
                        Text::new(message, zh),
                    ));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_validation(inner, &path, found),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_validation(inner, &format!("{path}[{index}]"), found);
                }
            }
        }
    }
}

fn validation_code(code: &str) -> &'static str {
    match code {
        "length" => "length",
        "range" => "out_of_range",
        _ => "invalid_value",
    }
}

fn describe_rule(error: &validator::ValidationError) -> String {
    let param = |name: &str| error.params.get(name).map(ToString::to_string);
    match (param("min"), param("max")) {
        (Some(min), Some(max)) if error.code == "length" => {
            format!("length must be between {min} and {max}")
        }
        (Some(min), Some(max)) => format!("must be between {min} and {max}"),
        (None, Some(max)) if error.code == "length" => format!("length must be at most {max}"),
        (Some(min), None) if error.code == "length" => format!("length must be at least {min}"),
        _ => format!("fails the `{}` rule", error.code),
    }
}
