//! Region scope on every path that reaches a household, directly or through another record
//! (a link, a dividend round, a rent payment, a loan, a subsidy, a finding, a run): a town and a
//! village officer try each against households outside their scope, and every try is refused
//! with nothing written, and no list they can read names those households.

use std::collections::BTreeSet;

use fupin_domain::access::Role;
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{
    credit_code, gaoling, member_body, register, OTHER_TOWN, OTHER_TOWN_VILLAGE, TOWN, VILLAGE,
    VILLAGE_2,
};
use fupin_tests::{send, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// Documented operations with a path parameter that do not lead to a household: accounts,
/// regions and reference data, guarded by role rather than by region.
const NOT_THROUGH_A_HOUSEHOLD: [(&str, &str); 9] = [
    ("post", "/api/v1/clients/{id}/disable"),
    ("post", "/api/v1/users/{id}/disable"),
    ("post", "/api/v1/users/{id}/enable"),
    ("post", "/api/v1/users/{id}/password"),
    ("get", "/api/v1/regions/{id}"),
    ("patch", "/api/v1/regions/{id}"),
    ("get", "/api/v1/poverty-lines/{year}"),
    ("put", "/api/v1/poverty-lines/{year}"),
    ("put", "/api/v1/indicators/{id}/thresholds"),
];

/// Lists and feeds an officer reads; none may name an out-of-scope household or its records.
const LISTS: [&str; 14] = [
    "/api/v1/households?limit=200",
    "/api/v1/members?limit=200",
    "/api/v1/loans?limit=200",
    "/api/v1/loans/interest-subsidies?month=2019-06",
    "/api/v1/subsidies?limit=200",
    "/api/v1/subsidies/totals",
    "/api/v1/entities",
    "/api/v1/data-quality/findings?limit=200",
    "/api/v1/data-quality/runs",
    "/api/v1/data-quality/scores",
    "/api/v1/changes?limit=200",
    "/api/v1/exports/households",
    "/api/v1/statistics/by-region?level=village",
    "/api/v1/indicators/map?indicator=exit_progress&level=village",
];

/// A household and every kind of record that hangs off it.
struct Records {
    village: &'static str,
    household: String,
    number: String,
    member: String,
    loan: String,
    subsidy: String,
    shares_link: String,
    land_link: String,
    run: String,
}

impl Records {
    /// Every id an outsider must never see.
    fn ids(&self) -> [&str; 7] {
        [
            &self.household,
            &self.number,
            &self.member,
            &self.loan,
            &self.subsidy,
            &self.shares_link,
            &self.land_link,
        ]
    }
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let reply = send(app.post(path, &body)).await;
    assert!(
        reply.status == 201 || reply.status == 200,
        "{path}: {}",
        reply.body
    );
    reply.body
}

/// A household in `village` with a school-age child out of school (a data-quality finding),
/// an applied loan, a subsidy, a shares and a land link with `entity`, and a run over `town`.
async fn records(
    app: &TestApp,
    entity: &str,
    number: &str,
    village: &'static str,
    town: &str,
) -> Records {
    let household = register(app, number, village, "王建国").await;
    let id = household["id"].as_str().unwrap().to_owned();
    let head = household["members"][0]["id"].as_str().unwrap().to_owned();
    let mut child = member_body("王小军", "2015-06-01", Sex::Male, "son");
    child["schooling"] = json!("not_in_school");
    child["labour_ability"] = json!("none");
    let member = created(app, &format!("/api/v1/households/{id}/members"), child).await;
    let loan = created(
        app,
        &format!("/api/v1/households/{id}/loans"),
        json!({"member_id": head,
        "bank": "农商行", "principal_fen": 1_000_000, "term_months": 12, "annual_rate_bp": 435,
        "purpose": "养殖", "method": "interest_then_principal", "applied_on": "2019-03-01"}),
    )
    .await;
    let subsidy = created(
        app,
        &format!("/api/v1/households/{id}/subsidies"),
        json!({
        "category": "education_aid", "source": "教育局", "amount_fen": 100_000,
        "paid_on": "2019-02-01", "reference": format!("S-{number}")}),
    )
    .await;
    let links = format!("/api/v1/entities/{entity}/links");
    let shares = created(
        app,
        &links,
        json!({"household_id": id, "kind": "shares", "stake": 1,
        "starts_on": "2019-01-01"}),
    )
    .await;
    let land = created(
        app,
        &links,
        json!({"household_id": id, "kind": "land",
        "land_hundredth_mu": 100, "rent_per_mu_fen": 100_000, "starts_on": "2019-01-01"}),
    )
    .await;
    let runner = app.as_role(Role::DistrictOfficer, town);
    let run = send(runner.post(
        "/api/v1/data-quality/runs",
        &json!({"mode": "full", "year": 2019}),
    ))
    .await;
    assert_eq!(run.status, 201, "{}", run.body);
    let text = |v: &Value| v["id"].as_str().unwrap().to_owned();
    Records {
        village,
        household: id,
        number: number.to_owned(),
        member: text(&member),
        loan: text(&loan),
        subsidy: text(&subsidy),
        shares_link: text(&shares),
        land_link: text(&land),
        run: text(&run.body),
    }
}

/// (method, documented template, path, body) of every operation that reaches `r`'s household.
fn probes(entity: &str, r: &Records) -> Vec<(Method, &'static str, String, Value)> {
    let (h, m, loan) = (&r.household, &r.member, &r.loan);
    let day = json!({"on": "2019-03-02"});
    vec![
        (
            Method::GET,
            "/api/v1/households/{id}",
            format!("/api/v1/households/{h}"),
            Value::Null,
        ),
        (
            Method::PATCH,
            "/api/v1/households/{id}",
            format!("/api/v1/households/{h}"),
            json!({"phone": "13800000000"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{household_id}/members",
            format!("/api/v1/households/{h}/members"),
            member_body("李四", "1990-01-01", Sex::Male, "son"),
        ),
        (
            Method::GET,
            "/api/v1/households/{household_id}/members/{id}",
            format!("/api/v1/households/{h}/members/{m}"),
            Value::Null,
        ),
        (
            Method::PATCH,
            "/api/v1/households/{household_id}/members/{id}",
            format!("/api/v1/households/{h}/members/{m}"),
            json!({"ethnicity": "回族"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{household_id}/members/{id}/leave",
            format!("/api/v1/households/{h}/members/{m}/leave"),
            json!({"left_on": "2019-05-01", "reason": "death"}),
        ),
        (
            Method::GET,
            "/api/v1/households/{id}/assessments",
            format!("/api/v1/households/{h}/assessments"),
            Value::Null,
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/assessments",
            format!("/api/v1/households/{h}/assessments"),
            json!({"assessed_on": "2019-10-15", "food": {"satisfied": true}, "clothing": {"satisfied": true}, "housing": {"grade": "a"}, "drinking_water": {"satisfied": true}}),
        ),
        (
            Method::GET,
            "/api/v1/households/{id}/exit-evaluation",
            format!("/api/v1/households/{h}/exit-evaluation?year=2019"),
            Value::Null,
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/exit/proposal",
            format!("/api/v1/households/{h}/exit/proposal"),
            json!({"village_review_on": "2019-10-01", "minutes_reference": "M-1"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/exit/verification",
            format!("/api/v1/households/{h}/exit/verification"),
            json!({"verified_on": "2019-10-02"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/exit/notice",
            format!("/api/v1/households/{h}/exit/notice"),
            json!({"notice_started_on": "2019-10-03"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/exit/approval",
            format!("/api/v1/households/{h}/exit/approval"),
            json!({"approved_on": "2019-10-20", "exit_year": 2019}),
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/exit/rejection",
            format!("/api/v1/households/{h}/exit/rejection"),
            json!({"rejected_on": "2019-10-20", "reason": "收入不足"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/head",
            format!("/api/v1/households/{h}/head"),
            json!({"member_id": m, "former_head_relation": "father"}),
        ),
        (
            Method::GET,
            "/api/v1/households/{id}/history",
            format!("/api/v1/households/{h}/history"),
            Value::Null,
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/history",
            format!("/api/v1/households/{h}/history"),
            json!({"event": "remove", "occurred_on": "2016-06-01", "removal_kind": "natural_decrease",
                "document": {"number": "D-1", "issuer": "高陵区扶贫办", "issued_on": "2016-06-01"}, "reason": "全户迁出"}),
        ),
        (
            Method::GET,
            "/api/v1/households/{id}/incomes",
            format!("/api/v1/households/{h}/incomes"),
            Value::Null,
        ),
        (
            Method::GET,
            "/api/v1/households/{id}/incomes/{year}",
            format!("/api/v1/households/{h}/incomes/2019"),
            Value::Null,
        ),
        (
            Method::PUT,
            "/api/v1/households/{id}/incomes/{year}",
            format!("/api/v1/households/{h}/incomes/2019"),
            json!({"wage_fen": 1, "production_fen": 1, "property_fen": 1, "transfer_fen": 1, "production_cost_fen": 0, "recorded_on": "2019-12-01"}),
        ),
        (
            Method::GET,
            "/api/v1/households/{id}/incomes/{year}/history",
            format!("/api/v1/households/{h}/incomes/2019/history"),
            Value::Null,
        ),
        (
            Method::GET,
            "/api/v1/households/{id}/ledger",
            format!("/api/v1/households/{h}/ledger"),
            Value::Null,
        ),
        (
            Method::GET,
            "/api/v1/households/{id}/loans",
            format!("/api/v1/households/{h}/loans"),
            Value::Null,
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/loans",
            format!("/api/v1/households/{h}/loans"),
            json!({"member_id": m, "bank": "农商行", "principal_fen": 100_000, "term_months": 12, "annual_rate_bp": 435, "purpose": "养殖", "method": "interest_then_principal", "applied_on": "2019-03-01"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/monitoring",
            format!("/api/v1/households/{h}/monitoring"),
            json!({"kind": "unstable_exited", "risk": "收入不稳", "identified_on": "2019-06-01"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/monitoring/clearance",
            format!("/api/v1/households/{h}/monitoring/clearance"),
            json!({"cleared_on": "2019-06-01", "reason": "稳定"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/removal",
            format!("/api/v1/households/{h}/removal"),
            json!({"removed_on": "2019-06-01", "kind": "natural_decrease", "reason": "迁出"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/return",
            format!("/api/v1/households/{h}/return"),
            json!({"returned_on": "2019-06-01", "cause": "illness"}),
        ),
        (
            Method::POST,
            "/api/v1/households/{id}/subsidies",
            format!("/api/v1/households/{h}/subsidies"),
            json!({"category": "education_aid", "source": "教育局", "amount_fen": 100, "paid_on": "2019-02-01", "reference": "X-1"}),
        ),
        (
            Method::POST,
            "/api/v1/subsidies/{id}/reversal",
            format!("/api/v1/subsidies/{}/reversal", r.subsidy),
            json!({"reversed_on": "2019-05-02", "reference": "R-1", "reason": "重复"}),
        ),
        (
            Method::GET,
            "/api/v1/loans/{id}",
            format!("/api/v1/loans/{loan}"),
            Value::Null,
        ),
        (
            Method::POST,
            "/api/v1/loans/{id}/approval",
            format!("/api/v1/loans/{loan}/approval"),
            day.clone(),
        ),
        (
            Method::POST,
            "/api/v1/loans/{id}/rejection",
            format!("/api/v1/loans/{loan}/rejection"),
            day.clone(),
        ),
        (
            Method::POST,
            "/api/v1/loans/{id}/disbursement",
            format!("/api/v1/loans/{loan}/disbursement"),
            day,
        ),
        (
            Method::POST,
            "/api/v1/loans/{id}/repayments",
            format!("/api/v1/loans/{loan}/repayments"),
            json!({"paid_on": "2019-06-05", "amount_fen": 100, "reference": "R-1"}),
        ),
        (
            Method::POST,
            "/api/v1/loans/{id}/extension",
            format!("/api/v1/loans/{loan}/extension"),
            json!({"on": "2019-09-01", "new_maturity_on": "2020-09-01", "reason": "灾后延期"}),
        ),
        (
            Method::POST,
            "/api/v1/loans/{id}/write-off",
            format!("/api/v1/loans/{loan}/write-off"),
            json!({"on": "2019-10-01", "reason": "无力偿还"}),
        ),
        (
            Method::POST,
            "/api/v1/entities/{id}/links",
            format!("/api/v1/entities/{entity}/links"),
            json!({"household_id": h, "kind": "shares", "stake": 1, "starts_on": "2020-01-01"}),
        ),
        (
            Method::POST,
            "/api/v1/entities/{id}/links/{link_id}/rent-payments",
            format!(
                "/api/v1/entities/{entity}/links/{}/rent-payments",
                r.land_link
            ),
            json!({"year": 2019, "amount_fen": 100_000, "paid_on": "2019-12-01", "reference": "RENT-1"}),
        ),
        (
            Method::POST,
            "/api/v1/entities/{id}/links/{link_id}/rent-payments",
            format!(
                "/api/v1/entities/{entity}/links/{}/rent-payments",
                r.shares_link
            ),
            json!({"year": 2019, "amount_fen": 100_000, "paid_on": "2019-12-01", "reference": "RENT-2"}),
        ),
        (
            Method::POST,
            "/api/v1/entities/{id}/dividends",
            format!("/api/v1/entities/{entity}/dividends"),
            json!({"period": "2020", "pool_fen": 100_000, "record_date": "2020-12-31"}),
        ),
        (
            Method::GET,
            "/api/v1/data-quality/runs/{id}",
            format!("/api/v1/data-quality/runs/{}", r.run),
            Value::Null,
        ),
        (
            Method::GET,
            "/api/v1/indicators/map/{region}/households",
            format!(
                "/api/v1/indicators/map/{}/households?indicator=exit_progress",
                r.village
            ),
            Value::Null,
        ),
    ]
}

/// Entity-level reads an officer may make (the entity is in their village), whose answers
/// must leave out the outsiders' links and dividend parts.
const ENTITY_READS: [(&str, &str); 2] = [
    ("get", "/api/v1/entities/{id}/links"),
    ("get", "/api/v1/entities/{id}/dividends"),
];

fn written(app: &TestApp) -> Vec<i64> {
    [
        "audit_entries WHERE action NOT LIKE 'read%'",
        "households",
        "members",
        "loans",
        "loan_events",
        "subsidy_entries",
        "entity_links",
        "dividend_rounds",
        "dividend_entries",
        "land_rent_payments",
        "income_records",
        "assessments",
        "status_events",
    ]
    .iter()
    .map(|table| app.count(table))
    .collect()
}

#[tokio::test]
async fn officers_reach_no_household_outside_their_scope_through_any_route() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let entity = created(
        &app,
        "/api/v1/entities",
        json!({"name": "东樊合作社", "kind": "cooperative",
        "credit_code": credit_code("00021"), "region_code": VILLAGE}),
    )
    .await;
    let entity = entity["id"].as_str().unwrap().to_owned();
    let inside = register(&app, "IN-1", VILLAGE, "张三").await;
    let links = format!("/api/v1/entities/{entity}/links");
    created(
        &app,
        &links,
        json!({"household_id": inside["id"], "kind": "shares", "stake": 1,
        "starts_on": "2019-01-01"}),
    )
    .await;
    let other_town = records(&app, &entity, "OUT-1", OTHER_TOWN_VILLAGE, OTHER_TOWN).await;
    let next_village = records(&app, &entity, "OUT-2", VILLAGE_2, TOWN).await;
    created(
        &app,
        &format!("/api/v1/entities/{entity}/dividends"),
        json!({"period": "2019",
        "pool_fen": 300, "record_date": "2019-12-31"}),
    )
    .await;
    let admin_findings = send(app.get("/api/v1/data-quality/findings?limit=200")).await;
    for outsider in [&other_town, &next_village] {
        assert!(
            admin_findings
                .body
                .to_string()
                .contains(&outsider.household),
            "the world has a finding on each outsider to hide"
        );
    }

    let covered: BTreeSet<(String, String)> = probes(&entity, &other_town)
        .iter()
        .map(|(method, template, _, _)| (method.as_str().to_lowercase(), template.to_string()))
        .chain(
            NOT_THROUGH_A_HOUSEHOLD
                .iter()
                .chain(ENTITY_READS.iter())
                .map(|(m, t)| (m.to_string(), t.to_string())),
        )
        .collect();
    let doc: Value = serde_json::from_str(&fupin_api::openapi::document_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if path.contains('{') {
                assert!(
                    covered.contains(&(method.clone(), path.clone())),
                    "{method} {path} has a path parameter: probe it here or say why it reaches no household"
                );
            }
        }
    }

    let town_officer = app.as_role(Role::TownOfficer, TOWN);
    let village_officer = app.as_role(Role::VillageOfficer, VILLAGE);
    for (officer, outsiders) in [
        (&town_officer, vec![&other_town]),
        (&village_officer, vec![&other_town, &next_village]),
    ] {
        for outsider in outsiders {
            let before = written(&app);
            for (method, _, path, body) in probes(&entity, outsider) {
                let mut request = app
                    .client
                    .request(method.clone(), app.url(&path))
                    .bearer_auth(&officer.token)
                    .header("If-Match", "\"1\"");
                if !body.is_null() {
                    request = request.json(&body);
                }
                let reply = send(request).await;
                assert!(
                    reply.status == 403 || reply.status == 404,
                    "{} {method} {path}: {} {}",
                    officer.username,
                    reply.status,
                    reply.body
                );
                // The problem's `instance` repeats the path asked; the rest must not add to it.
                let mut answer = reply.body.clone();
                answer["instance"] = Value::Null;
                let text = answer.to_string();
                for id in outsider.ids() {
                    assert!(!text.contains(id), "{method} {path} names {id}: {text}");
                }
            }
            assert_eq!(
                written(&app),
                before,
                "{}: a refused try wrote nothing",
                officer.username
            );
            let mut reads: Vec<String> = LISTS.iter().map(|p| p.to_string()).collect();
            reads.push(format!("/api/v1/entities/{entity}/links"));
            reads.push(format!("/api/v1/entities/{entity}/dividends"));
            for path in reads {
                let reply = send(officer.get(&path)).await;
                assert_eq!(reply.status, 200, "{path}: {}", reply.body);
                let text = reply.body.to_string();
                for id in outsider.ids() {
                    assert!(
                        !text.contains(id),
                        "{} reads {id} in {path}: {text}",
                        officer.username
                    );
                }
                assert!(
                    !text.contains(&outsider.run),
                    "{path} lists the outsiders' run"
                );
            }
        }
    }
    let own_links = send(village_officer.get(&links)).await;
    assert_eq!(
        own_links.column("items", "household_id"),
        vec![inside["id"].as_str().unwrap().to_owned()],
        "the officer still sees the link of their own household"
    );
}
