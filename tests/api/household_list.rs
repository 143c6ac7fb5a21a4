//! The masked household list built from the list items the process rendered: an item is what a
//! page shows only while it is of the household's current version, and never lets a household
//! past the page's scope or filters.

use fupin_domain::access::Role;
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{
    gaoling, member_body, register, OTHER_TOWN, OTHER_TOWN_VILLAGE, TOWN, VILLAGE,
};
use fupin_tests::{send, Reply, TestApp};
use serde_json::{json, Value};

const PAGE: &str = "/api/v1/households?limit=10";

/// Registers households `A-1`, `A-2` in the village and `B-1` in the other town; their ids.
async fn registered(app: &TestApp) -> Vec<String> {
    gaoling(app).await;
    let mut ids = vec![];
    for (number, village) in [
        ("A-1", VILLAGE),
        ("A-2", VILLAGE),
        ("B-1", OTHER_TOWN_VILLAGE),
    ] {
        let household = register(app, number, village, "王建国").await;
        ids.push(household["id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn page(request: reqwest::RequestBuilder) -> Reply {
    let reply = send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    reply
}

fn items(reply: &Reply) -> &Vec<Value> {
    reply.body["items"].as_array().unwrap()
}

/// Changes a household's row behind the program's back: `assignments` is an SQL SET list.
fn doctor_household(app: &TestApp, household_id: &str, assignments: &str) {
    app.execute_sql(&format!(
        "UPDATE households SET {assignments} WHERE id = '{household_id}'"
    ));
}

#[tokio::test]
async fn every_change_to_a_household_is_on_the_next_page() {
    let app = TestApp::spawn().await;
    let ids = registered(&app).await;

    let first = page(app.get(PAGE)).await;
    assert_eq!(items(&first).len(), 3);
    assert_eq!(first.body["next_cursor"], Value::Null);
    assert_eq!(items(&first)[0]["phone"], "138****5678");
    let again = page(app.get(PAGE)).await;
    assert_eq!(again.body, first.body);

    let path = format!("/api/v1/households/{}", ids[0]);
    let edited = send(
        app.patch(&path, &json!({"address": "四组1号"}))
            .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let after_edit = page(app.get(PAGE)).await;
    assert_eq!(items(&after_edit)[0]["address"], "四组1号");
    assert_eq!(items(&after_edit)[0]["version"], 2);
    assert_eq!(items(&after_edit)[1], items(&first)[1]);

    let spouse = send(app.post(
        &format!("{path}/members"),
        &member_body("李秀英", "1977-03-02", Sex::Female, "spouse"),
    ))
    .await;
    assert_eq!(spouse.status, 201, "{}", spouse.body);
    let with_spouse = page(app.get(PAGE)).await;
    assert_eq!(items(&with_spouse)[0]["member_count"], 2);
    assert_eq!(items(&with_spouse)[0]["version"], 3);

    // An item is the household's read without its members.
    let mut read = send(app.get(&path)).await.body;
    read.as_object_mut().unwrap().remove("members");
    assert_eq!(items(&with_spouse)[0], read);
}

#[tokio::test]
async fn a_page_shows_the_item_kept_for_a_version_until_the_version_moves_on() {
    let app = TestApp::spawn().await;
    let ids = registered(&app).await;
    let rendered = page(app.get(PAGE)).await;

    // A row changed without moving its version on is not read again: the item of version 1
    // is what the page shows. (Every change the program makes moves the version on.)
    doctor_household(&app, &ids[1], "address = '改过的地址'");
    assert_eq!(page(app.get(PAGE)).await.body, rendered.body);

    doctor_household(&app, &ids[1], "version = version + 1");
    let moved_on = page(app.get(PAGE)).await;
    assert_eq!(items(&moved_on)[1]["address"], "改过的地址");
    assert_eq!(items(&moved_on)[1]["version"], 2);
    assert_eq!(items(&moved_on)[0], items(&rendered)[0]);
    assert_eq!(items(&moved_on)[2], items(&rendered)[2]);
}

#[tokio::test]
async fn kept_items_never_take_a_household_past_scope_filters_or_pages() {
    let app = TestApp::spawn().await;
    let ids = registered(&app).await;
    let whole = page(app.get(PAGE)).await;

    let other_town = app.as_role(Role::TownOfficer, OTHER_TOWN);
    let theirs = page(other_town.get(PAGE)).await;
    assert_eq!(items(&theirs).len(), 1);
    assert_eq!(items(&theirs)[0]["id"], ids[2].as_str());
    let town = app.as_role(Role::TownOfficer, TOWN);
    let ours = page(town.get(PAGE)).await;
    let ours: Vec<&Value> = items(&ours).iter().map(|h| &h["id"]).collect();
    assert_eq!(ours, vec![ids[0].as_str(), ids[1].as_str()]);

    let illness = page(app.get("/api/v1/households?main_cause=illness")).await;
    assert!(items(&illness).is_empty(), "{}", illness.body);

    // Pages of one item walk the same households, with the same items, as one page of three.
    let mut walked = vec![];
    let mut path = "/api/v1/households?limit=1".to_owned();
    loop {
        let reply = page(app.get(&path)).await;
        assert!(items(&reply).len() <= 1);
        walked.extend(items(&reply).iter().cloned());
        match reply.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/households?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(&walked, items(&whole));
}
