//! Members: `/api/v1/households/{id}/members...` and `/api/v1/members`.

use fupin_domain::access::Role;
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{
    gaoling, head_body, household_body, member_body, register, OTHER_TOWN, OTHER_TOWN_VILLAGE,
    TOWN, VILLAGE,
};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

async fn household_path(app: &TestApp, number: &str, village: &str) -> (String, Value) {
    let household = register(app, number, village, "王建国").await;
    (
        format!("/api/v1/households/{}", household["id"].as_str().unwrap()),
        household,
    )
}

#[tokio::test]
async fn adding_members_counts_them_and_moves_the_household_version() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let (path, _) = household_path(&app, "H-1", VILLAGE).await;
    let spouse = send(app.post(
        &format!("{path}/members"),
        &member_body("李秀英", "1977-03-02", Sex::Female, "spouse"),
    ))
    .await;
    assert_eq!(spouse.status, 201, "{}", spouse.body);
    assert_eq!(spouse.body["relation"], "spouse");
    assert_eq!(spouse.body["region_code"], VILLAGE);
    let member_path = format!("{path}/members/{}", spouse.body["id"].as_str().unwrap());
    assert_eq!(spouse.header("location"), Some(member_path.as_str()));

    let household = send(app.get(&path)).await;
    assert_eq!(household.body["member_count"], 2);
    assert_eq!(household.body["version"], 2);
    assert_eq!(household.header("etag"), Some("\"2\""));
    assert_eq!(household.body["members"].as_array().unwrap().len(), 2);
    assert_eq!(send(app.get(&member_path)).await.body, spouse.body);
}

#[tokio::test]
async fn a_household_has_exactly_one_head() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let (path, _) = household_path(&app, "H-1", VILLAGE).await;
    let second_head = send(app.post(
        &format!("{path}/members"),
        &member_body("王二", "1980-01-01", Sex::Male, "head"),
    ))
    .await;
    second_head.assert_problem(409, "state_conflict");
    let mut no_relation = member_body("王二", "1980-01-01", Sex::Male, "son");
    no_relation.as_object_mut().unwrap().remove("relation");
    let reply = send(app.post(&format!("{path}/members"), &no_relation)).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["relation"]);
    assert_eq!(app.count("members"), 1);
}

#[tokio::test]
async fn a_person_is_in_one_household_at_a_time() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let (first, _) = household_path(&app, "H-1", VILLAGE).await;
    let (second, _) = household_path(&app, "H-2", OTHER_TOWN_VILLAGE).await;
    let daughter = member_body("王小红", "2001-09-15", Sex::Female, "daughter");
    let added = send(app.post(&format!("{first}/members"), &daughter)).await;
    assert_eq!(added.status, 201);

    let mut as_daughter_in_law = daughter.clone();
    as_daughter_in_law["relation"] = json!("daughter_in_law");
    let conflict = send(app.post(&format!("{second}/members"), &as_daughter_in_law)).await;
    conflict.assert_problem(409, "resident_id_registered");
    assert!(conflict.body["detail"].as_str().unwrap().contains("H-1"));

    // After she leaves the first household by marriage she can join the second.
    let leave_path = format!(
        "{first}/members/{}/leave",
        added.body["id"].as_str().unwrap()
    );
    let left = send(app.post(
        &leave_path,
        &json!({"left_on": "2025-10-01", "reason": "marriage"}),
    ))
    .await;
    assert_eq!(left.status, 200, "{}", left.body);
    assert_eq!(left.body["current"], false);
    assert_eq!(left.body["leave_reason"], "marriage");
    assert_eq!(send(app.get(&first)).await.body["member_count"], 1);

    let joined = send(app.post(&format!("{second}/members"), &as_daughter_in_law)).await;
    assert_eq!(joined.status, 201, "{}", joined.body);
    assert_eq!(app.count("members"), 4, "the former member's record stays");
}

/// The refusal of a resident ID number held elsewhere says where only to a caller whose scope
/// covers the holder: to anyone else it would tell whether and where a person is registered.
#[tokio::test]
async fn a_registered_id_number_is_located_only_for_those_who_may_see_the_holder() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let (first, holder) = household_path(&app, "H-1", VILLAGE).await;
    let (second, _) = household_path(&app, "H-2", OTHER_TOWN_VILLAGE).await;
    let daughter = member_body("王小红", "2001-09-15", Sex::Female, "daughter");
    let added = send(app.post(&format!("{first}/members"), &daughter)).await;
    assert_eq!(added.status, 201, "{}", added.body);
    let holder_ids = [
        "H-1".to_owned(),
        holder["id"].as_str().unwrap().to_owned(),
        added.body["id"].as_str().unwrap().to_owned(),
    ];

    let stranger = app.as_role(Role::TownOfficer, OTHER_TOWN);
    let mut as_daughter_in_law = daughter.clone();
    as_daughter_in_law["relation"] = json!("daughter_in_law");
    let members_before = app.count("members");
    let refused = send(stranger.post(&format!("{second}/members"), &as_daughter_in_law)).await;
    refused.assert_problem(409, "resident_id_registered");
    let text = refused.body.to_string();
    for id in &holder_ids {
        assert!(
            !text.contains(id.as_str()),
            "the refusal names {id}: {text}"
        );
    }
    assert!(refused.body["detail"]
        .as_str()
        .unwrap()
        .contains("already registered"));
    let mut as_head = head_body("王小红", "2001-09-15", Sex::Female);
    as_head["id_number"] = daughter["id_number"].clone();
    let mut new_household = household_body("H-3", OTHER_TOWN_VILLAGE, "王小红");
    new_household["head"] = as_head;
    let refused = send(stranger.post("/api/v1/households", &new_household)).await;
    refused.assert_problem(409, "resident_id_registered");
    assert!(!refused.body.to_string().contains("H-1"));
    assert_eq!(app.count("members"), members_before, "nothing was added");

    let responsible = app.as_role(Role::TownOfficer, TOWN);
    let (near, _) = household_path(&app, "H-4", VILLAGE).await;
    let located = send(responsible.post(&format!("{near}/members"), &as_daughter_in_law)).await;
    located.assert_problem(409, "resident_id_registered");
    for id in &holder_ids {
        assert!(
            located.body["detail"]
                .as_str()
                .unwrap()
                .contains(id.as_str()),
            "the town that holds the record is told where: {}",
            located.body
        );
    }
}

#[tokio::test]
async fn leaving_rules_hold() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let (path, household) = household_path(&app, "H-1", VILLAGE).await;
    let head_id = household["members"][0]["id"].as_str().unwrap();
    send(app.post(
        &format!("{path}/members/{head_id}/leave"),
        &json!({"left_on": "2025-01-01", "reason": "death"}),
    ))
    .await
    .assert_problem(409, "state_conflict");

    let son = send(app.post(
        &format!("{path}/members"),
        &member_body("王强", "2000-01-01", Sex::Male, "son"),
    ))
    .await;
    let leave = format!("{path}/members/{}/leave", son.body["id"].as_str().unwrap());
    let future = send(app.post(&leave, &json!({"left_on": "2999-01-01", "reason": "moved"}))).await;
    future.assert_problem(422, "validation_failed");
    assert_eq!(future.error_fields(), vec!["left_on"]);
    let unknown_reason = send(app.post(
        &leave,
        &json!({"left_on": "2025-01-01", "reason": "vanished"}),
    ))
    .await;
    unknown_reason.assert_problem(422, "validation_failed");
    assert_eq!(unknown_reason.error_codes(), vec!["invalid_choice"]);

    send(
        app.post(&leave, &json!({"left_on": "2025-01-01", "reason": "moved"}))
            .header("If-Match", "\"7\""),
    )
    .await
    .assert_problem(412, "stale_version");
    assert_eq!(
        send(app.post(&leave, &json!({"left_on": "2025-01-01", "reason": "moved"})))
            .await
            .status,
        200
    );
    send(app.post(&leave, &json!({"left_on": "2025-01-02", "reason": "moved"})))
        .await
        .assert_problem(409, "state_conflict");

    let edit = send(
        app.patch(
            &format!("{path}/members/{}", son.body["id"].as_str().unwrap()),
            &json!({"name": "王刚"}),
        )
        .header("If-Match", "\"2\""),
    )
    .await;
    edit.assert_problem(409, "state_conflict");
}

#[tokio::test]
async fn editing_a_member_is_checked_like_adding_one() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let (path, household) = household_path(&app, "H-1", VILLAGE).await;
    let head_path = format!(
        "{path}/members/{}",
        household["members"][0]["id"].as_str().unwrap()
    );

    let renamed = send(
        app.patch(
            &head_path,
            &json!({"name": "王建军", "employment": "public_welfare_post"}),
        )
        .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["employment"], "public_welfare_post");
    assert_eq!(renamed.header("etag"), Some("\"2\""));
    assert_eq!(
        send(app.get(&path)).await.body["head_name"],
        "王建军",
        "the household shows the head's new name"
    );

    let wrong_sex = send(
        app.patch(&head_path, &json!({"sex": "female"}))
            .header("If-Match", "\"2\""),
    )
    .await;
    wrong_sex.assert_problem(422, "validation_failed");
    assert_eq!(wrong_sex.error_fields(), vec!["sex"]);

    let demote = send(
        app.patch(&head_path, &json!({"relation": "son"}))
            .header("If-Match", "\"2\""),
    )
    .await;
    demote.assert_problem(409, "state_conflict");
    send(app.patch(&head_path, &json!({"name": "x"})))
        .await
        .assert_problem(428, "if_match_required");
    send(
        app.patch(&head_path, &json!({"name": "x"}))
            .header("If-Match", "\"1\""),
    )
    .await
    .assert_problem(412, "stale_version");
    assert_eq!(send(app.get(&head_path)).await.body["name"], "王建军");
    send(app.get(&format!("{path}/members/nobody")))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn headship_moves_to_another_current_member() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let (path, household) = household_path(&app, "H-1", VILLAGE).await;
    let old_head = household["members"][0]["id"].as_str().unwrap().to_owned();
    let son = send(app.post(
        &format!("{path}/members"),
        &member_body("王强", "2000-01-01", Sex::Male, "son"),
    ))
    .await;
    let son_id = son.body["id"].as_str().unwrap().to_owned();

    let moved = send(app.post(
        &format!("{path}/head"),
        &json!({"member_id": son_id, "former_head_relation": "father"}),
    ))
    .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["head_name"], "王强");
    let relations: Vec<(String, String)> = moved.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_owned(),
                m["relation"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(relations.contains(&(old_head.clone(), "father".to_owned())));
    assert!(relations.contains(&(son_id.clone(), "head".to_owned())));

    // The former head may now leave.
    let leave = send(app.post(
        &format!("{path}/members/{old_head}/leave"),
        &json!({"left_on": "2026-01-01", "reason": "death"}),
    ))
    .await;
    assert_eq!(leave.status, 200, "{}", leave.body);
    send(app.post(
        &format!("{path}/head"),
        &json!({"member_id": son_id, "former_head_relation": "father"}),
    ))
    .await
    .assert_problem(409, "state_conflict");
}

#[tokio::test]
async fn members_are_listed_by_region() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let (path, _) = household_path(&app, "H-1", VILLAGE).await;
    household_path(&app, "H-2", OTHER_TOWN_VILLAGE).await;
    let son = send(app.post(
        &format!("{path}/members"),
        &member_body("王强", "2000-01-01", Sex::Male, "son"),
    ))
    .await;
    send(app.post(
        &format!("{path}/members/{}/leave", son.body["id"].as_str().unwrap()),
        &json!({"left_on": "2025-01-01", "reason": "moved"}),
    ))
    .await;

    let count = |query: String| {
        let app = &app;
        async move {
            let reply = send(app.get(&format!("/api/v1/members?{query}"))).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.body["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(count(String::new()).await, 3);
    assert_eq!(count(format!("region={TOWN}")).await, 2);
    assert_eq!(count(format!("region={TOWN}&current=true")).await, 1);
    assert_eq!(count(format!("region={TOWN}&current=false")).await, 1);
    assert_eq!(count(format!("region={OTHER_TOWN}")).await, 1);
    let page = send(app.get("/api/v1/members?limit=2")).await;
    assert!(page.body["next_cursor"].is_string());
    send(app.get("/api/v1/members?current=maybe"))
        .await
        .assert_problem(400, "bad_request");
}
