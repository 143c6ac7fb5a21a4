//! Request bodies and small worlds that tests build on.

use std::sync::atomic::{AtomicU16, Ordering};

use chrono::NaiveDate;
use fupin_domain::credit_code::check_character;
use fupin_domain::member::Sex;
use fupin_domain::resident_id::compose;
use serde_json::{json, Value};

use crate::{send, TestApp};

pub const DISTRICT: &str = "610117000000";
pub const TOWN: &str = "610117001000";
pub const VILLAGE: &str = "610117001201";
pub const VILLAGE_2: &str = "610117001202";
pub const OTHER_TOWN: &str = "610117002000";
pub const OTHER_TOWN_VILLAGE: &str = "610117002201";

static SEQUENCE: AtomicU16 = AtomicU16::new(1);

/// A valid resident ID number for a person born on `birth` (YYYY-MM-DD), unique in this run.
pub fn id_number(birth: &str, sex: Sex) -> String {
    let date = NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    compose(
        "610117",
        date,
        SEQUENCE.fetch_add(1, Ordering::Relaxed),
        sex,
    )
}

/// Creates the district, two towns and three villages.
pub async fn gaoling(app: &TestApp) {
    for (code, name, parent) in [
        (DISTRICT, "高陵区", None),
        (TOWN, "鹿苑街道", Some(DISTRICT)),
        (VILLAGE, "东樊村", Some(TOWN)),
        (VILLAGE_2, "西樊村", Some(TOWN)),
        (OTHER_TOWN, "泾渭街道", Some(DISTRICT)),
        (OTHER_TOWN_VILLAGE, "梁村", Some(OTHER_TOWN)),
    ] {
        let reply = send(app.post(
            "/api/v1/regions",
            &json!({"code": code, "name": name, "parent_code": parent}),
        ))
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
}

pub fn head_body(name: &str, birth: &str, sex: Sex) -> Value {
    json!({
        "name": name,
        "id_number": id_number(birth, sex),
        "sex": sex.as_str(),
        "birth_date": birth,
        "ethnicity": "汉族",
        "education": "junior_secondary",
        "schooling": "not_in_school",
        "health": "disabled",
        "disability": "grade_3",
        "labour_ability": "weak",
        "employment": "self_employed",
        "basic_medical_insurance": true
    })
}

pub fn member_body(name: &str, birth: &str, sex: Sex, relation: &str) -> Value {
    let mut body = head_body(name, birth, sex);
    body["relation"] = json!(relation);
    body["health"] = json!("healthy");
    body["disability"] = json!("none");
    body["labour_ability"] = json!("ordinary");
    body["employment"] = json!("local_work");
    body
}

pub fn household_body(number: &str, village: &str, head_name: &str) -> Value {
    json!({
        "household_number": number,
        "region_code": village,
        "phone": "13812345678",
        "address": "三组12号",
        "attribute": "general",
        "main_cause": "disability",
        "other_causes": ["lack_of_funds"],
        "identified_year": 2016,
        "head": head_body(head_name, "1975-05-12", Sex::Male)
    })
}

/// Registers a household and returns its body (with members).
pub async fn register(app: &TestApp, number: &str, village: &str, head_name: &str) -> Value {
    let reply = send(app.post(
        "/api/v1/households",
        &household_body(number, village, head_name),
    ))
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

/// A valid unified social credit code of an entity in the district, `serial` five digits.
pub fn credit_code(serial: &str) -> String {
    let body = format!("93610117MA6T{serial}");
    format!("{body}{}", check_character(&body).unwrap())
}

/// The hands a loan passes through, each a different account: anyone who writes the registry
/// applies, the town approves, the bank's client system pays out and takes repayments, the
/// district extends or writes off; a second district officer reverses what the first recorded.
pub struct MoneyHands<'a> {
    pub town: crate::Caller<'a>,
    pub bank: crate::Caller<'a>,
    pub district: crate::Caller<'a>,
}

impl TestApp {
    pub fn money_hands(&self) -> MoneyHands<'_> {
        use fupin_domain::access::{Action, Role};
        MoneyHands {
            town: self.as_role(Role::TownOfficer, TOWN),
            bank: self.as_client(
                &[
                    Action::ReadRegistry,
                    Action::ApproveLoans,
                    Action::RecordLoanEvents,
                ],
                DISTRICT,
            ),
            district: self.as_role(Role::DistrictOfficer, DISTRICT),
        }
    }
}
