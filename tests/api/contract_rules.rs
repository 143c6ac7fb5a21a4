//! What the document promises about parameters and conditions, held by the server: every
//! documented bound is enforced, wherever the region lies, and If-Match compares strongly.

use fupin_app::Kind;
use fupin_domain::access::Role;
use fupin_tests::fixtures::{gaoling, register, OTHER_TOWN_VILLAGE, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_bad_limit_or_cursor_is_400_even_for_a_region_outside_the_scope() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    for list in [
        "/api/v1/households",
        "/api/v1/members",
        "/api/v1/regions",
        "/api/v1/subsidies",
        "/api/v1/loans",
        "/api/v1/data-quality/findings",
    ] {
        let outside = format!("{list}?region={OTHER_TOWN_VILLAGE}");
        let empty = send(officer.get(&outside)).await;
        assert_eq!(empty.status, 200, "{list}: {}", empty.body);
        send(officer.get(&format!("{outside}&limit=201")))
            .await
            .assert_problem(400, "bad_request");
        send(officer.get(&format!("{outside}&cursor=zzz.AAAAAAAAAAAAAAAA")))
            .await
            .assert_problem(400, "invalid_cursor");
    }
}

#[tokio::test]
async fn documented_year_bounds_of_queries_are_enforced() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "Y-1", VILLAGE, "王建国").await;
    let id = household["id"].as_str().unwrap();
    for path in [
        "/api/v1/statistics/summary?year=2013".to_owned(),
        "/api/v1/statistics/by-region?year=2101".to_owned(),
        "/api/v1/households?identified_year=2000".to_owned(),
        format!("/api/v1/households/{id}/exit-evaluation?year=99999"),
    ] {
        let reply = send(app.get(&path)).await;
        reply.assert_problem(400, "bad_request");
        assert!(
            reply.body["detail"]
                .as_str()
                .unwrap()
                .contains("2014..=2100"),
            "{path}: {}",
            reply.body
        );
    }
    let within = send(app.get("/api/v1/statistics/summary?year=2014")).await;
    assert_eq!(within.status, 200, "{}", within.body);
}

#[tokio::test]
async fn subsidy_totals_take_no_paging() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let totals = send(app.get("/api/v1/subsidies/totals")).await;
    assert_eq!(totals.status, 200, "{}", totals.body);
    for stray in ["limit=5", "cursor=x"] {
        send(app.get(&format!("/api/v1/subsidies/totals?{stray}")))
            .await
            .assert_problem(400, "bad_request");
    }
}

#[tokio::test]
async fn a_region_list_parent_is_parsed() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    for bad in ["abc", "000000000000", "6101170012011"] {
        let reply = send(app.get(&format!("/api/v1/regions?parent={bad}"))).await;
        reply.assert_problem(400, "bad_request");
        assert!(reply.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("parent:"));
    }
    let children = send(app.get("/api/v1/regions?parent=610117001000")).await;
    assert_eq!(children.status, 200, "{}", children.body);
    assert_eq!(children.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_weak_or_impossible_if_match_never_matches() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "W-1", VILLAGE, "王建国").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    let current = household["version"].as_i64().unwrap();
    for tag in [
        format!("W/\"{current}\""),
        "\"92233720368547758070\"".to_owned(),
    ] {
        send(
            app.patch(&path, &json!({"address": "四组1号"}))
                .header("If-Match", tag.as_str()),
        )
        .await
        .assert_problem(412, "stale_version");
    }
    let unchanged = send(app.get(&path)).await;
    assert_eq!(unchanged.body["version"], current);
    assert_ne!(unchanged.body["address"], "四组1号");
    let strong = send(
        app.patch(&path, &json!({"address": "四组1号"}))
            .header("If-Match", format!("\"{current}\"")),
    )
    .await;
    assert_eq!(strong.status, 200, "{}", strong.body);
}

#[tokio::test]
async fn the_document_lists_every_problem_type() {
    let app = TestApp::spawn().await;
    let doc = send(app.get("/api/v1/openapi.json")).await.body;
    let description = doc["info"]["description"].as_str().unwrap();
    // ProblemBody is an `allOf` (its extension members are flattened in): find its `type`.
    let listed = doc["components"]["schemas"]["ProblemBody"]["allOf"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|part| part["properties"]["type"]["enum"].as_array())
        .unwrap();
    for kind in Kind::ALL {
        let urn = format!("urn:fupin:problem:{}", kind.slug());
        assert!(
            description.contains(&format!("| `{urn}` | {} |", kind.status())),
            "{urn}"
        );
        assert!(listed.iter().any(|t| t == urn.as_str()), "{urn}");
    }
}
