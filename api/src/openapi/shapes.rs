//! Shapes the derive macros cannot state, applied to the whole document in one pass.
//!
//! utoipa's `pattern` takes a string literal only, and it has no way to list a closed set kept in
//! a domain table as an `enum`. So a body or parameter names its shape with a marker format
//! (`#[param(format = "region-code")]`) and this pass gives every schema so marked the one
//! pattern or value list of that shape, taken from the constants the server itself checks
//! against: a shape is written down once, and the document cannot drift from the parser.

use serde_json::Value;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{AllOf, ArrayItems, Object, OneOf, Schema, SchemaFormat, Type};
use utoipa::openapi::{OpenApi as Document, RefOr};

use fupin_app::models::{REGION_CODE_PATTERN, REGION_OR_COUNTY_PATTERN};
use fupin_app::pagination::CURSOR_PATTERN;

use crate::problem::{problem_type, Kind};

/// What a marker format stands for.
enum Shape {
    /// A pattern; the format stays, naming the shape for readers.
    Pattern(&'static str),
    /// A closed set of values; the marker format is dropped.
    OneOf(Vec<String>),
}

fn shape(marker: &str) -> Option<Shape> {
    Some(match marker {
        "region-code" => Shape::Pattern(REGION_CODE_PATTERN),
        "region-or-county-code" => Shape::Pattern(REGION_OR_COUNTY_PATTERN),
        "cursor" => Shape::Pattern(CURSOR_PATTERN),
        "quality-rule" => one_of(fupin_domain::quality::RULES.iter().map(|r| r.id)),
        "quality-severity" => one_of(
            fupin_domain::quality::Severity::ALL
                .iter()
                .map(|s| s.as_str()),
        ),
        "indicator" => one_of(fupin_domain::indicator::INDICATORS.iter().map(|i| i.id)),
        "rollup-level" => one_of(fupin_app::rollup::LEVELS),
        "problem-type" => Shape::OneOf(Kind::ALL.into_iter().map(problem_type).collect()),
        _ => return None,
    })
}

fn one_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Shape {
    Shape::OneOf(values.into_iter().map(str::to_owned).collect())
}

pub fn apply_shapes(doc: &mut Document) {
    if let Some(components) = doc.components.as_mut() {
        for schema in components.schemas.values_mut() {
            walk(schema);
        }
    }
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
            &mut item.head,
        ];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                let is_header = parameter.parameter_in == ParameterIn::Header;
                if let Some(schema) = parameter.schema.as_mut() {
                    walk(schema);
                    // A header is text or absent, never JSON null: `Option<String>` makes utoipa
                    // write `["string", "null"]`, and a client that believes it sends `null`.
                    if is_header {
                        not_null(schema);
                    }
                }
            }
            if let Some(body) = operation.request_body.as_mut() {
                for content in body.content.values_mut() {
                    if let Some(schema) = content.schema.as_mut() {
                        walk(schema);
                    }
                }
            }
        }
    }
    tie_insurance_layer(doc);
    grantable_permissions(doc);
}

/// `CreateClient.permissions` lists `Action`s, but only those `grantable_to_clients`: the rest
/// are a 422 `not_grantable`, so the items' enumeration is that subset.
fn grantable_permissions(doc: &mut Document) {
    use fupin_domain::access::{grantable_to_clients, Action};
    let Some(RefOr::T(Schema::Object(client))) = doc
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("CreateClient"))
    else {
        return;
    };
    let Some(RefOr::T(Schema::Array(permissions))) = client.properties.get_mut("permissions")
    else {
        return;
    };
    let mut item = Object::with_type(Type::String);
    item.enum_values = Some(
        Action::ALL
            .iter()
            .filter(|a| grantable_to_clients(**a))
            .map(|a| Value::from(a.as_str()))
            .collect(),
    );
    permissions.items = ArrayItems::RefOrSchema(Box::new(RefOr::T(Schema::Object(item))));
}

fn walk(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(object) => {
            mark(object);
            for property in object.properties.values_mut() {
                walk(property);
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                walk(items);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(walk),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(walk),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(walk),
        _ => {}
    }
}

fn mark(object: &mut Object) {
    let Some(SchemaFormat::Custom(marker)) = &object.format else {
        return;
    };
    match shape(marker) {
        Some(Shape::Pattern(pattern)) => {
            object.pattern = Some(pattern.to_owned());
            object.min_length = Some(object.min_length.unwrap_or(1).max(1));
        }
        Some(Shape::OneOf(values)) => {
            object.format = None;
            object.enum_values = Some(values.into_iter().map(Value::from).collect());
        }
        None => {}
    }
}

fn not_null(schema: &mut RefOr<Schema>) {
    if let RefOr::T(Schema::Object(object)) = schema {
        if let utoipa::openapi::schema::SchemaType::Array(types) = &object.schema_type {
            let kept: Vec<Type> = types
                .iter()
                .filter(|t| **t != Type::Null)
                .cloned()
                .collect();
            if kept.len() == 1 {
                object.schema_type = utoipa::openapi::schema::SchemaType::Type(kept[0].clone());
            }
        }
    }
}

/// `RecordSubsidy`'s one cross-field rule, which JSON Schema can state: a health reimbursement
/// names its insurance layer, any other category has none (`check_payment` decides the same).
fn tie_insurance_layer(doc: &mut Document) {
    use fupin_domain::money::SubsidyCategory;
    const HEALTH: SubsidyCategory = SubsidyCategory::HealthReimbursement;
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let Some(record) = components.schemas.remove("RecordSubsidy") else {
        return;
    };
    let category = |values: Vec<&str>| {
        let mut object = Object::with_type(Type::String);
        object.enum_values = Some(values.into_iter().map(Value::from).collect());
        RefOr::T(Schema::Object(object))
    };
    let mut health = Object::new();
    health
        .properties
        .insert("category".into(), category(vec![HEALTH.as_str()]));
    health.required = vec!["category".into(), "insurance_layer".into()];
    // Given, and not null.
    health.properties.insert(
        "insurance_layer".into(),
        RefOr::Ref(utoipa::openapi::Ref::from_schema_name("InsuranceLayer")),
    );
    let mut other = Object::new();
    other.properties.insert(
        "category".into(),
        category(
            SubsidyCategory::ALL
                .iter()
                .filter(|c| **c != HEALTH)
                .map(|c| c.as_str())
                .collect(),
        ),
    );
    other.required = vec!["category".into()];
    other.properties.insert(
        "insurance_layer".into(),
        RefOr::T(Schema::Object(Object::with_type(Type::Null))),
    );
    let mut either = OneOf::new();
    either.items = vec![
        RefOr::T(Schema::Object(health)),
        RefOr::T(Schema::Object(other)),
    ];
    let mut all = AllOf::new();
    all.items = vec![record, RefOr::T(Schema::OneOf(either))];
    components
        .schemas
        .insert("RecordSubsidy".into(), RefOr::T(Schema::AllOf(all)));
}
