//! `/api/v1/households`.

use fupin_domain::member::Sex;
use fupin_tests::fixtures::{
    gaoling, household_body, id_number, register, DISTRICT, OTHER_TOWN, OTHER_TOWN_VILLAGE, TOWN,
    VILLAGE, VILLAGE_2,
};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

#[tokio::test]
async fn registering_a_household_creates_it_with_its_head() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let reply = send(app.post(
        "/api/v1/households",
        &household_body("H-0001", VILLAGE, "王建国"),
    ))
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["id"].as_str().unwrap();
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/v1/households/{id}").as_str())
    );
    assert_eq!(reply.header("etag"), Some("\"1\""));
    assert_eq!(reply.body["status"], "not_exited");
    assert_eq!(reply.body["head_name"], "王建国");
    assert_eq!(reply.body["member_count"], 1);
    assert_eq!(reply.body["other_causes"], json!(["lack_of_funds"]));
    assert_eq!(reply.body["members"][0]["relation"], "head");
    assert_eq!(reply.body["members"][0]["current"], true);

    let fetched = send(app.get(&format!("/api/v1/households/{id}"))).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, reply.body);
    assert_eq!(app.count("households"), 1);
    assert_eq!(app.count("members"), 1);
}

#[tokio::test]
async fn a_household_belongs_to_an_existing_village() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let in_town = send(app.post("/api/v1/households", &household_body("H-1", TOWN, "甲"))).await;
    in_town.assert_problem(422, "validation_failed");
    assert_eq!(in_town.error_fields(), vec!["region_code"]);
    assert_eq!(in_town.error_codes(), vec!["not_a_village"]);

    let missing = send(app.post(
        "/api/v1/households",
        &household_body("H-1", "610117001299", "甲"),
    ))
    .await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.error_codes(), vec!["region_not_found"]);
    assert_eq!(app.count("households"), 0);
    assert_eq!(app.count("members"), 0);
}

#[tokio::test]
async fn every_invalid_field_is_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut body = household_body("bad number!", VILLAGE, "王建国");
    body["phone"] = json!("12345");
    body["main_cause"] = json!("illness");
    body["other_causes"] = json!(["illness", "lack_of_funds", "disaster"]);
    body["identified_year"] = json!(2010);
    body["head"]["id_number"] = json!("610117197505120011");
    let reply = send(app.post("/api/v1/households", &body)).await;
    reply.assert_problem(422, "validation_failed");
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "head.id_number",
            "household_number",
            "identified_year",
            "other_causes",
            "phone"
        ]
    );
    assert_eq!(app.count("households"), 0);
    assert_eq!(app.count("members"), 0);
}

#[tokio::test]
async fn the_heads_id_number_must_agree_with_sex_and_birth_date() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut body = household_body("H-1", VILLAGE, "王建国");
    body["head"]["id_number"] = json!(id_number("1975-05-12", Sex::Female));
    body["head"]["birth_date"] = json!("1975-05-13");
    let reply = send(app.post("/api/v1/households", &body)).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["head.sex", "head.birth_date"]);
    assert_eq!(
        reply.error_codes(),
        vec!["id_number_mismatch", "id_number_mismatch"]
    );

    let mut future = household_body("H-2", VILLAGE, "王建国");
    future["head"]["birth_date"] = json!("2999-01-01");
    let reply = send(app.post("/api/v1/households", &future)).await;
    reply.assert_problem(422, "validation_failed");
    assert!(reply.error_fields().contains(&"head.birth_date".to_owned()));
    assert_eq!(app.count("households"), 0);
}

#[tokio::test]
async fn household_numbers_and_resident_ids_are_unique() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let first = household_body("H-1", VILLAGE, "王建国");
    assert_eq!(
        send(app.post("/api/v1/households", &first)).await.status,
        201
    );

    let same_number = send(app.post(
        "/api/v1/households",
        &household_body("H-1", VILLAGE_2, "李四"),
    ))
    .await;
    same_number.assert_problem(409, "household_number_taken");

    let mut same_person = household_body("H-2", VILLAGE_2, "王建国");
    same_person["head"] = first["head"].clone();
    let reply = send(app.post("/api/v1/households", &same_person)).await;
    reply.assert_problem(409, "resident_id_registered");
    assert!(
        reply.body["detail"].as_str().unwrap().contains("H-1"),
        "names the conflict: {}",
        reply.body
    );
    assert_eq!(app.count("households"), 1);
    assert_eq!(app.count("members"), 1);
}

#[tokio::test]
async fn status_cannot_be_set_or_edited_directly() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut body = household_body("H-1", VILLAGE, "王建国");
    body["status"] = json!("exited");
    let reply = send(app.post("/api/v1/households", &body)).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["status"]);
    assert_eq!(reply.error_codes(), vec!["unknown_field"]);

    let household = register(&app, "H-2", VILLAGE, "李四").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    let edit = send(
        app.patch(&path, &json!({"status": "exited"}))
            .header("If-Match", "\"1\""),
    )
    .await;
    edit.assert_problem(422, "validation_failed");
    assert_eq!(send(app.get(&path)).await.body["status"], "not_exited");
}

#[tokio::test]
async fn edits_need_the_current_etag_and_lose_nothing() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "H-1", VILLAGE, "王建国").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());

    send(app.patch(&path, &json!({"address": "四组1号"})))
        .await
        .assert_problem(428, "if_match_required");
    send(
        app.patch(&path, &json!({"address": "四组1号"}))
            .header("If-Match", "garbage"),
    )
    .await
    .assert_problem(400, "bad_request");

    let edited = send(
        app.patch(&path, &json!({"address": "四组1号", "phone": null, "other_causes": ["lack_of_skills", "lack_of_funds"]}))
            .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.header("etag"), Some("\"2\""));
    assert_eq!(edited.body["address"], "四组1号");
    assert_eq!(edited.body["phone"], json!(null));
    assert_eq!(
        edited.body["other_causes"],
        json!(["lack_of_skills", "lack_of_funds"])
    );
    assert_eq!(
        edited.body["main_cause"], "disability",
        "fields left out stay"
    );

    let stale = send(
        app.patch(&path, &json!({"address": "别处"}))
            .header("If-Match", "\"1\""),
    )
    .await;
    stale.assert_problem(412, "stale_version");
    assert_eq!(send(app.get(&path)).await.body["address"], "四组1号");

    // A change that breaks a rule against the stored fields is refused whole.
    let clash = send(
        app.patch(
            &path,
            &json!({"main_cause": "lack_of_skills", "address": "x"}),
        )
        .header("If-Match", "\"2\""),
    )
    .await;
    clash.assert_problem(422, "validation_failed");
    assert_eq!(clash.error_fields(), vec!["other_causes"]);
    assert_eq!(send(app.get(&path)).await.body["address"], "四组1号");
}

#[tokio::test]
async fn concurrent_edits_with_one_etag_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "H-1", VILLAGE, "王建国").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    let edits = (0..6).map(|n| {
        send(
            app.patch(&path, &json!({"address": format!("{n}组")}))
                .header("If-Match", "\"1\""),
        )
    });
    let replies = futures_util::future::join_all(edits).await;
    let won: Vec<_> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        won.len(),
        1,
        "statuses: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(replies.iter().all(|r| r.status == 200 || r.status == 412));
    let stored = send(app.get(&path)).await;
    assert_eq!(stored.body["address"], won[0].body["address"]);
    assert_eq!(stored.body["version"], 2);
}

#[tokio::test]
async fn unchanged_households_answer_304() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "H-1", VILLAGE, "王建国").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    let cached = app
        .get(&path)
        .header("If-None-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    let old = send(app.get(&path).header("If-None-Match", "\"0\"")).await;
    assert_eq!(old.status, 200);
    send(app.get("/api/v1/households/unknown"))
        .await
        .assert_problem(404, "not_found");
}

async fn numbers(app: &TestApp, query: &str) -> Vec<String> {
    let reply = send(app.get(&format!("/api/v1/households?{query}"))).await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.body);
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["household_number"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lists_filter_by_region_and_fields() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    register(&app, "A-1", VILLAGE, "王建国").await;
    let mut low_income = household_body("A-2", VILLAGE_2, "李秀英");
    low_income["attribute"] = json!("low_income");
    low_income["main_cause"] = json!("illness");
    low_income["identified_year"] = json!(2015);
    assert_eq!(
        send(app.post("/api/v1/households", &low_income))
            .await
            .status,
        201
    );
    register(&app, "B-1", OTHER_TOWN_VILLAGE, "张伟").await;

    assert_eq!(numbers(&app, "").await, vec!["A-1", "A-2", "B-1"]);
    assert_eq!(
        numbers(&app, &format!("region={DISTRICT}")).await,
        vec!["A-1", "A-2", "B-1"]
    );
    assert_eq!(
        numbers(&app, &format!("region={TOWN}")).await,
        vec!["A-1", "A-2"]
    );
    assert_eq!(
        numbers(&app, &format!("region={VILLAGE_2}")).await,
        vec!["A-2"]
    );
    assert_eq!(
        numbers(&app, &format!("region={OTHER_TOWN}")).await,
        vec!["B-1"]
    );
    assert_eq!(
        numbers(&app, "region=610118000000").await,
        Vec::<String>::new()
    );
    assert_eq!(numbers(&app, "attribute=low_income").await, vec!["A-2"]);
    assert_eq!(
        numbers(&app, "main_cause=disability").await,
        vec!["A-1", "B-1"]
    );
    assert_eq!(numbers(&app, "identified_year=2015").await, vec!["A-2"]);
    assert_eq!(
        numbers(&app, "status=not_exited").await,
        vec!["A-1", "A-2", "B-1"]
    );
    assert_eq!(numbers(&app, "status=exited").await, Vec::<String>::new());
    assert_eq!(numbers(&app, "q=a-").await, vec!["A-1", "A-2"], "any case");
    assert_eq!(
        numbers(&app, &format!("q={}", urlencode("秀英"))).await,
        vec!["A-2"]
    );
    assert_eq!(
        numbers(&app, &format!("q={}&region={TOWN}", urlencode("张"))).await,
        Vec::<String>::new()
    );
    assert_eq!(
        numbers(&app, "q=%25").await,
        Vec::<String>::new(),
        "wildcards are literal"
    );
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn bad_list_parameters_are_400() {
    let app = TestApp::spawn().await;
    for query in [
        "status=gone",
        "limit=0",
        "limit=201",
        "limit=x",
        "region=123",
        "identified_year=abc",
        "colour=red",
    ] {
        send(app.get(&format!("/api/v1/households?{query}")))
            .await
            .assert_problem(400, "bad_request");
    }
    send(app.get("/api/v1/households?cursor=abc"))
        .await
        .assert_problem(400, "invalid_cursor");
}

#[tokio::test]
async fn pages_are_stable_and_cursors_tamper_proof() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    for n in 0..5 {
        register(&app, &format!("P-{n}"), VILLAGE, "王建国").await;
    }
    let first = send(app.get("/api/v1/households?limit=2")).await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    // A household registered meanwhile comes after, not in the middle.
    register(&app, "P-5", VILLAGE, "王建国").await;
    let second = send(app.get(&format!("/api/v1/households?limit=2&cursor={cursor}"))).await;
    let cursor_2 = second.body["next_cursor"].as_str().unwrap().to_owned();
    let third = send(app.get(&format!("/api/v1/households?limit=2&cursor={cursor_2}"))).await;
    let seen: Vec<&str> = [&first, &second, &third]
        .iter()
        .flat_map(|r| {
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["household_number"].as_str().unwrap())
        })
        .collect();
    assert_eq!(seen, vec!["P-0", "P-1", "P-2", "P-3", "P-4", "P-5"]);
    assert_eq!(third.body["next_cursor"], Value::Null);

    let mut tampered = cursor.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    send(app.get(&format!("/api/v1/households?limit=2&cursor={tampered}")))
        .await
        .assert_problem(400, "invalid_cursor");
    send(app.get(&format!(
        "/api/v1/households?limit=2&status=exited&cursor={cursor}"
    )))
    .await
    .assert_problem(400, "invalid_cursor");
}

#[tokio::test]
async fn pages_walk_village_by_village_without_gaps() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    for (number, village) in [
        ("W-1", VILLAGE_2),
        ("W-2", VILLAGE),
        ("W-3", VILLAGE_2),
        ("W-4", OTHER_TOWN_VILLAGE),
        ("W-5", VILLAGE),
    ] {
        register(&app, number, village, "王建国").await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            None => "/api/v1/households?limit=2".to_owned(),
            Some(c) => format!("/api/v1/households?limit=2&cursor={c}"),
        };
        let page = send(app.get(&query)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["household_number"].as_str().unwrap().to_owned()),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        vec!["W-2", "W-5", "W-1", "W-3", "W-4"],
        "by village code, then registration order"
    );
}
