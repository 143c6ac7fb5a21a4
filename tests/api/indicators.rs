//! The indicator map: thresholds, colours at their boundaries, drill-down.

use diesel::prelude::*;
use fupin_domain::access::Role;
use fupin_tests::fixtures::{gaoling, register, OTHER_TOWN_VILLAGE, VILLAGE, VILLAGE_2};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

/// Two households in `VILLAGE` (one without a head: a data-quality error), one in `VILLAGE_2`,
/// none in `OTHER_TOWN_VILLAGE`; a data-quality run over them. Returns the faulty household.
async fn checked_registry(app: &TestApp) -> String {
    gaoling(app).await;
    let faulty = register(app, "I-1", VILLAGE, "王建国").await;
    let faulty = faulty["id"].as_str().unwrap().to_owned();
    register(app, "I-2", VILLAGE, "王二").await;
    register(app, "I-3", VILLAGE_2, "李三").await;
    diesel::sql_query(format!(
        "UPDATE members SET relation = 'spouse' WHERE household_id = '{faulty}'"
    ))
    .execute(&mut app.pool.get().unwrap())
    .unwrap();
    let run = send(app.post("/api/v1/data-quality/runs", &json!({"mode": "full"}))).await;
    assert_eq!(run.status, 201, "{}", run.body);
    faulty
}

async fn set(app: &TestApp, green: i64, yellow: i64, etag: Option<&str>) -> fupin_tests::Reply {
    let mut request = app.put(
        "/api/v1/indicators/data_quality_score/thresholds",
        &json!({"green": green, "yellow": yellow}),
    );
    if let Some(etag) = etag {
        request = request.header("If-Match", etag);
    }
    send(request).await
}

fn colour_of(map: &Value, code: &str) -> Value {
    map["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["region_code"] == code)
        .unwrap()["colour"]
        .clone()
}

#[tokio::test]
async fn colours_follow_the_thresholds_inclusively() {
    let app = TestApp::spawn().await;
    checked_registry(&app).await;
    let map_path = "/api/v1/indicators/map?indicator=data_quality_score&level=village";
    let map = send(app.get(map_path)).await;
    assert_eq!(map.status, 200, "{}", map.body);
    let village = map.body["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["region_code"] == VILLAGE)
        .unwrap()
        .clone();
    assert_eq!(village["value"], 5_000);
    assert_eq!(
        (village["numerator"].clone(), village["denominator"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(
        colour_of(&map.body, VILLAGE),
        "red",
        "below the default yellow of 8500"
    );
    assert_eq!(colour_of(&map.body, VILLAGE_2), "green");
    assert_eq!(
        colour_of(&map.body, OTHER_TOWN_VILLAGE),
        Value::Null,
        "nothing to measure"
    );
    assert_eq!(map.body["overall"]["value"], 6_667);

    let first = set(&app, 5_000, 4_000, None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        colour_of(&send(app.get(map_path)).await.body, VILLAGE),
        "green",
        "at green"
    );
    let etag = first.header("etag").unwrap().to_owned();
    let second = set(&app, 5_001, 5_000, Some(&etag)).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(
        colour_of(&send(app.get(map_path)).await.body, VILLAGE),
        "yellow",
        "at yellow"
    );
    let etag = second.header("etag").unwrap().to_owned();
    set(&app, 5_002, 5_001, Some(&etag)).await;
    assert_eq!(
        colour_of(&send(app.get(map_path)).await.body, VILLAGE),
        "red",
        "one below yellow"
    );
    let towns =
        send(app.get("/api/v1/indicators/map?indicator=data_quality_score&level=town")).await;
    assert_eq!(towns.body["cells"][0]["value"], 6_667);
}

#[tokio::test]
async fn thresholds_are_checked_and_versioned() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let listed = send(app.get("/api/v1/indicators")).await;
    let quality = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "data_quality_score")
        .unwrap()
        .clone();
    assert_eq!(
        (quality["green"].clone(), quality["version"].clone()),
        (json!(9_500), json!(0))
    );
    let inverted = set(&app, 4_000, 5_000, None).await;
    inverted.assert_problem(422, "validation_failed");
    let first = set(&app, 9_000, 8_000, None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    set(&app, 9_100, 8_000, None)
        .await
        .assert_problem(428, "if_match_required");
    set(&app, 9_100, 8_000, Some("\"7\""))
        .await
        .assert_problem(412, "stale_version");
    let officer = app.as_role(Role::TownOfficer, "610117001000");
    let refused = send(officer.client_put(
        "/api/v1/indicators/data_quality_score/thresholds",
        &json!({"green": 9000, "yellow": 1}),
    ))
    .await;
    refused.assert_problem(403, "forbidden");
    send(app.get("/api/v1/indicators/map?indicator=happiness"))
        .await
        .assert_problem(400, "bad_request");
    let listed = send(app.get("/api/v1/indicators")).await;
    let quality = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "data_quality_score")
        .unwrap()
        .clone();
    assert_eq!(
        (quality["green"].clone(), quality["version"].clone()),
        (json!(9_000), json!(1))
    );
}

#[tokio::test]
async fn a_red_value_drills_down_to_its_households() {
    let app = TestApp::spawn().await;
    let faulty = checked_registry(&app).await;
    let drill = send(app.get(&format!(
        "/api/v1/indicators/map/{VILLAGE}/households?indicator=data_quality_score"
    )))
    .await;
    assert_eq!(drill.status, 200, "{}", drill.body);
    assert_eq!(drill.body["cell"]["colour"], "red");
    let households = drill.body["households"].as_array().unwrap();
    assert_eq!(households.len(), 1);
    assert_eq!(households[0]["id"], faulty.as_str());
    assert_eq!(households[0]["reason"], "data_quality_errors");
    let exits = send(app.get(&format!(
        "/api/v1/indicators/map/{VILLAGE}/households?indicator=exit_progress"
    )))
    .await;
    assert_eq!(
        exits.body["households"].as_array().unwrap().len(),
        2,
        "none exited"
    );
    let officer = app.as_role(Role::VillageOfficer, VILLAGE_2);
    send(officer.get(&format!(
        "/api/v1/indicators/map/{VILLAGE}/households?indicator=exit_progress"
    )))
    .await
    .assert_problem(403, "forbidden");
}
