//! Every example of a request body in the document goes through the parser the handler uses
//! (types, lengths, enumerations, unknown fields) and the domain rules that need no stored
//! state: an example a client copies is accepted, not refused for a wrong check character.

use serde_json::Value;

use fupin_app::input::parse_valid;
use fupin_app::models::{
    accounts, assessments, entities, households, incomes, lifecycle, loan_policies, loans, members,
    regions, subsidies,
};
use fupin_domain::region::RegionCode;
use fupin_domain::resident_id::ResidentIdNumber;

type Check = fn(&[u8]) -> Result<(), String>;

fn parses<T: serde::de::DeserializeOwned + validator::Validate>(bytes: &[u8]) -> Result<T, String> {
    parse_valid::<T>(bytes).map_err(|e| format!("{e:?}"))
}

macro_rules! parsed_only {
    ($($name:ident => $ty:ty),* $(,)?) => {
        [$((stringify!($name), (|b: &[u8]| parses::<$ty>(b).map(|_| ())) as Check)),*]
    };
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The schemas whose examples are request bodies, with the checks a handler runs before it
/// reads any stored state. A new request body with an example must be added here.
fn checks() -> Vec<(&'static str, Check)> {
    let mut all: Vec<(&'static str, Check)> = parsed_only![
        ApplyForLoan => loans::ApplyForLoan,
        CreateAssessment => assessments::CreateAssessment,
        CreateLink => entities::CreateLink,
        CreateRound => entities::CreateRound,
        LeaveBody => members::LeaveBody,
        PayRent => entities::PayRent,
        ProposeExit => lifecycle::ProposeExit,
        RecordHistory => lifecycle::RecordHistory,
        RecordIncome => incomes::RecordIncome,
        RecordLoanPolicy => loan_policies::RecordLoanPolicy,
        SetPovertyLine => incomes::SetPovertyLine,
        TokenRequest => accounts::TokenRequest,
        TransferHeadship => households::TransferHeadship,
        UpdateHousehold => households::UpdateHousehold,
        UpdateMember => members::UpdateMember,
        UpdateRegion => regions::UpdateRegion,
        CreateEntity => entities::CreateEntity,
        CreateUser => accounts::CreateUser,
        CreateClient => accounts::CreateClient,
    ]
    .to_vec();
    // An import row is typed by the import itself (members split from the household), so
    // only its identifiers are checked here, by `identifiers_hold`.
    all.push(("ImportHousehold", |b| {
        serde_json::from_slice::<Value>(b)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }));
    all.push(("CreateHousehold", |b| {
        parses::<households::CreateHousehold>(b)?
            .check(today())
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }));
    all.push(("NewMemberBody", |b| {
        parses::<members::NewMemberBody>(b)?
            .check(today(), None)
            .map(|_| ())
            .map_err(|e| format!("{:?}", e.finish::<()>(None)))
    }));
    all.push(("CreateRegion", |b| {
        parses::<regions::CreateRegion>(b)?
            .check()
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }));
    all.push(("RecordSubsidy", |b| {
        let body = parses::<subsidies::RecordSubsidy>(b)?;
        fupin_domain::money::check_payment(body.category, body.insurance_layer, body.amount_fen)
            .map_err(|e| e.to_string())
    }));
    all
}

/// The stateless rules of the identifiers any example holds, wherever they are: resident ID
/// numbers (check character, birth date), credit codes (GB 32100) and region codes.
fn identifiers_hold(value: &Value, path: &str, faults: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let here = format!("{path}.{key}");
                if let Value::String(text) = inner {
                    let fault = match key.as_str() {
                        "id_number" => ResidentIdNumber::parse(text, today())
                            .err()
                            .map(|e| e.to_string()),
                        "credit_code" => fupin_domain::credit_code::parse(text)
                            .err()
                            .map(|e| e.to_string()),
                        "region_code" | "code" | "parent_code" if text.len() == 12 => {
                            RegionCode::parse(text).err().map(|e| e.to_string())
                        }
                        _ => None,
                    };
                    if let Some(fault) = fault {
                        faults.push(format!("{here}: {fault}"));
                    }
                }
                identifiers_hold(inner, &here, faults);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                identifiers_hold(item, &format!("{path}[{i}]"), faults);
            }
        }
        _ => {}
    }
}

/// The example of a component schema (on an `allOf`, that of its first part).
fn example_of(schema: &Value) -> Option<&Value> {
    schema
        .get("example")
        .or_else(|| schema.get("allOf")?.get(0)?.get("example"))
}

#[test]
fn every_request_body_example_is_accepted() {
    let doc = serde_json::to_value(super::document()).unwrap_or_default();
    let schemas = &doc["components"]["schemas"];
    let mut bodies = std::collections::BTreeSet::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
            for content in operation["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flat_map(|c| c.values())
            {
                if let Some(name) = content["schema"]["$ref"].as_str() {
                    bodies.insert(name.trim_start_matches("#/components/schemas/").to_owned());
                }
            }
        }
    }
    let checks = checks();
    let mut faults = Vec::new();
    for name in &bodies {
        let Some(example) = example_of(&schemas[name.as_str()]) else {
            continue;
        };
        identifiers_hold(example, name, &mut faults);
        match checks.iter().find(|(n, _)| n == name) {
            None => faults.push(format!(
                "{name}: an example with no check listed in checks()"
            )),
            Some((_, check)) => {
                let bytes = serde_json::to_vec(example).unwrap_or_default();
                if let Err(e) = check(&bytes) {
                    faults.push(format!("{name}: {e}"));
                }
            }
        }
    }
    assert!(faults.is_empty(), "{faults:#?}");
    assert!(bodies.contains("CreateHousehold"), "{bodies:?}");
}
