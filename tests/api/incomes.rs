//! Poverty lines and household incomes.

use fupin_domain::access::Role;
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{gaoling, member_body, register, OTHER_TOWN_VILLAGE, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

fn income(wage: i64, recorded_on: &str) -> Value {
    json!({"wage_fen": wage, "production_fen": 2_800_000, "property_fen": 130_000, "transfer_fen": 420_000,
           "production_cost_fen": 650_000, "recorded_on": recorded_on})
}

#[tokio::test]
async fn poverty_lines_are_seeded_with_their_source_and_set_by_admins() {
    let app = TestApp::spawn().await;
    let lines = send(app.get("/api/v1/poverty-lines")).await;
    let years: Vec<i64> = lines.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["year"].as_i64().unwrap())
        .collect();
    assert_eq!(years, vec![2014, 2015, 2016, 2018, 2019]);
    assert_eq!(lines.body["items"][4]["poverty_line_fen"], 321_800);
    assert!(lines.body["items"][0]["source"]
        .as_str()
        .unwrap()
        .contains("NBS"));

    let body =
        json!({"poverty_line_fen": 400_000, "monitoring_line_fen": 600_000, "source": "test"});
    let officer = app.as_role(Role::TownOfficer, "610117001000");
    send(officer.client_put("/api/v1/poverty-lines/2020", &body))
        .await
        .assert_problem(403, "forbidden");
    let created = send(app.put("/api/v1/poverty-lines/2020", &body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.header("etag"), Some("\"1\""));
    send(app.put("/api/v1/poverty-lines/2020", &body))
        .await
        .assert_problem(428, "if_match_required");
    let changed =
        json!({"poverty_line_fen": 400_000, "monitoring_line_fen": 650_000, "source": "corrected"});
    let replaced = send(
        app.put("/api/v1/poverty-lines/2020", &changed)
            .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["version"], 2);
    send(
        app.put("/api/v1/poverty-lines/2020", &body)
            .header("If-Match", "\"1\""),
    )
    .await
    .assert_problem(412, "stale_version");
    let inverted =
        json!({"poverty_line_fen": 400_000, "monitoring_line_fen": 300_000, "source": "x"});
    send(app.put("/api/v1/poverty-lines/2021", &inverted))
        .await
        .assert_problem(422, "validation_failed");
    send(app.get("/api/v1/poverty-lines/2021"))
        .await
        .assert_problem(404, "not_found");
    let audit = send(app.get("/api/v1/audit?entity_type=poverty_line")).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_income_record_shows_its_computation() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "I-1", VILLAGE, "王建国").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    send(app.post(
        &format!("{path}/members"),
        &member_body("王强", "2000-01-01", Sex::Male, "son"),
    ))
    .await;
    let daughter = send(app.post(
        &format!("{path}/members"),
        &member_body("王红", "2002-01-01", Sex::Female, "daughter"),
    ))
    .await;
    send(app.post(
        &format!(
            "{path}/members/{}/leave",
            daughter.body["id"].as_str().unwrap()
        ),
        &json!({"left_on": "2019-06-30", "reason": "marriage"}),
    ))
    .await;

    let recorded = send(app.put(
        &format!("{path}/incomes/2019"),
        &income(3_600_000, "2019-12-20"),
    ))
    .await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    assert_eq!(recorded.header("etag"), Some("\"1\""));
    let computation = &recorded.body["computation"];
    let net = 3_600_000 + 2_800_000 + 130_000 + 420_000 - 650_000;
    assert_eq!(computation["net_income_fen"], net);
    assert_eq!(
        computation["household_size"], 2,
        "the daughter had left by the record date"
    );
    assert_eq!(computation["per_capita_net_income_fen"], net / 2);
    assert_eq!(computation["poverty_line_fen"], 321_800);
    assert_eq!(computation["comparison"], "above_monitoring_line");
    assert_eq!(recorded.body["recorded_by"], "admin");

    let poor = send(app.put(
        &format!("{path}/incomes/2016"),
        &json!({"wage_fen": 100_000, "production_fen": 0, "property_fen": 0,
        "transfer_fen": 0, "production_cost_fen": 0, "recorded_on": "2016-12-01"}),
    ))
    .await;
    assert_eq!(poor.status, 201, "{}", poor.body);
    assert_eq!(poor.body["computation"]["household_size"], 3);
    assert_eq!(
        poor.body["computation"]["per_capita_net_income_fen"],
        33_333
    );
    assert_eq!(poor.body["computation"]["comparison"], "below_poverty_line");

    let years = send(app.get(&format!("{path}/incomes"))).await;
    let listed: Vec<i64> = years.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["year"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, vec![2016, 2019]);
}

#[tokio::test]
async fn corrections_keep_every_version() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "I-1", VILLAGE, "王建国").await;
    let path = format!(
        "/api/v1/households/{}/incomes/2019",
        household["id"].as_str().unwrap()
    );
    assert_eq!(
        send(app.put(&path, &income(1_000_000, "2019-12-20")))
            .await
            .status,
        201
    );
    send(app.put(&path, &income(2_000_000, "2019-12-21")))
        .await
        .assert_problem(428, "if_match_required");
    send(
        app.put(&path, &income(2_000_000, "2019-12-21"))
            .header("If-Match", "\"7\""),
    )
    .await
    .assert_problem(412, "stale_version");
    let corrected = send(
        app.put(&path, &income(2_000_000, "2019-12-21"))
            .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(corrected.status, 200, "{}", corrected.body);
    assert_eq!(corrected.body["version"], 2);
    let current = send(app.get(&path)).await;
    assert_eq!(current.body["wage_fen"], 2_000_000);
    assert_eq!(current.header("etag"), Some("\"2\""));
    let history = send(app.get(&format!("{path}/history"))).await;
    let wages: Vec<i64> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["wage_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(wages, vec![2_000_000, 1_000_000]);
    let audit = send(app.get(&format!(
        "/api/v1/audit?entity_id={}",
        household["id"].as_str().unwrap()
    )))
    .await;
    let actions = audit.column("items", "action");
    assert_eq!(&actions[..2], &["correct_income", "record_income"]);
    let correction = &audit.body["items"][0];
    assert_eq!(correction["before"]["wage_fen"], 1_000_000);
    assert_eq!(correction["after"]["wage_fen"], 2_000_000);
}

#[tokio::test]
async fn bad_income_input_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "I-1", VILLAGE, "王建国").await;
    let base = format!(
        "/api/v1/households/{}/incomes",
        household["id"].as_str().unwrap()
    );
    let negative = send(app.put(&format!("{base}/2019"), &income(-1, "2019-12-20"))).await;
    negative.assert_problem(422, "validation_failed");
    assert_eq!(negative.error_fields(), vec!["wage_fen"]);
    let early = send(app.put(&format!("{base}/2019"), &income(1, "2018-12-20"))).await;
    assert_eq!(early.error_fields(), vec!["recorded_on"]);
    let future = send(app.put(&format!("{base}/2019"), &income(1, "2999-01-01"))).await;
    assert_eq!(future.error_fields(), vec!["recorded_on"]);
    let mut extra = income(1, "2019-12-20");
    extra["net_income_fen"] = json!(5);
    send(app.put(&format!("{base}/2019"), &extra))
        .await
        .assert_problem(422, "validation_failed");
    send(app.put(&format!("{base}/1999"), &income(1, "2019-12-20")))
        .await
        .assert_problem(400, "bad_request");
    send(app.get(&format!("{base}/2019")))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(app.count("income_records"), 0);
}

#[tokio::test]
async fn incomes_are_scoped_and_written_only_by_registry_writers() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let other = register(&app, "I-2", OTHER_TOWN_VILLAGE, "李四").await;
    let path = format!(
        "/api/v1/households/{}/incomes/2019",
        other["id"].as_str().unwrap()
    );
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    send(officer.client_put(&path, &income(1, "2019-12-20")))
        .await
        .assert_problem(404, "not_found");
    let auditor = app.as_role(Role::Auditor, "610117000000");
    send(auditor.client_put(&path, &income(1, "2019-12-20")))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.count("income_records"), 0);
}

#[tokio::test]
async fn national_lines_ship_with_sources_and_the_district_applies_its_own() {
    let app = TestApp::spawn().await;
    let national = send(app.get("/api/v1/national-poverty-lines")).await;
    let items = national.body["items"].as_array().unwrap().clone();
    let years: Vec<i64> = items.iter().map(|l| l["year"].as_i64().unwrap()).collect();
    assert_eq!(years, (2014..=2020).collect::<Vec<i64>>());
    assert!(items
        .iter()
        .all(|l| l["source"].as_str().unwrap().len() > 10));
    assert_eq!(items[3]["line_fen"], 295_200, "2017");
    assert_eq!(items[6]["exact"], false, "2020: about 4,000 yuan only");

    gaoling(&app).await;
    let household = register(&app, "N-1", VILLAGE, "王建国").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    // Recording an income never needs a line: 2017 has the national one, 2020 none exact.
    let of_2017 = send(app.put(
        &format!("{path}/incomes/2017"),
        &income(1_000_000, "2017-12-20"),
    ))
    .await;
    assert_eq!(of_2017.status, 201, "{}", of_2017.body);
    assert_eq!(of_2017.body["computation"]["poverty_line_fen"], 295_200);
    assert!(of_2017.body["computation"]["line_source"]
        .as_str()
        .unwrap()
        .starts_with("national"));
    let of_2020 = send(app.put(
        &format!("{path}/incomes/2020"),
        &income(1_000_000, "2020-12-20"),
    ))
    .await;
    assert_eq!(of_2020.status, 201, "{}", of_2020.body);
    assert_eq!(of_2020.body["computation"]["poverty_line_fen"], Value::Null);
    let evaluation = send(app.get(&format!("{path}/exit-evaluation?year=2020"))).await;
    assert_eq!(evaluation.body["blockers"][0]["kind"], "no_poverty_line");

    let line = |fen: i64| json!({"poverty_line_fen": fen, "monitoring_line_fen": fen * 3 / 2, "source": "陕西省2020年扶贫标准"});
    let town = app.as_role(Role::TownOfficer, "610117001000");
    send(town.client_put("/api/v1/poverty-lines/2020", &line(400_000)))
        .await
        .assert_problem(403, "forbidden");
    let district = app.as_role(Role::DistrictOfficer, "610117000000");
    let lower = send(district.client_put("/api/v1/poverty-lines/2017", &line(290_000))).await;
    lower.assert_problem(422, "validation_failed");
    assert_eq!(lower.error_codes(), vec!["below_national_line"]);
    assert_eq!(app.count("poverty_lines WHERE year IN (2017, 2020)"), 0);
    let set = send(district.client_put("/api/v1/poverty-lines/2020", &line(400_000))).await;
    assert_eq!(set.status, 201, "{}", set.body);
    let recomputed = send(app.get(&format!("{path}/incomes/2020"))).await;
    assert_eq!(recomputed.body["computation"]["poverty_line_fen"], 400_000);
    assert_eq!(recomputed.body["computation"]["above_poverty_line"], true);
}
