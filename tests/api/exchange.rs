//! The change feed, export and import.

use std::collections::HashSet;

use fupin_domain::access::Role;
use fupin_tests::fixtures::{gaoling, household_body, register, OTHER_TOWN_VILLAGE, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

/// Reads the feed from `cursor` until it is drained; returns the changes and the last cursor.
async fn drain(app: &TestApp, cursor: Option<String>, query: &str) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut cursor = cursor;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/changes?limit=7{query}&after={c}"),
            None => format!("/api/v1/changes?limit=7{query}"),
        };
        let page = send(app.get(&path)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        cursor = Some(page.body["next_cursor"].as_str().unwrap().to_owned());
        if page.body["has_more"] == false {
            return (items, cursor.unwrap_or_default());
        }
    }
}

#[tokio::test]
async fn the_feed_lists_creates_updates_state_changes_and_removals_in_order() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "C-1", VILLAGE, "王建国").await;
    let id = household["id"].as_str().unwrap();
    let edited = send(
        app.patch(
            &format!("/api/v1/households/{id}"),
            &json!({"address": "四组1号"}),
        )
        .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let removed = send(app.post(
        &format!("/api/v1/households/{id}/removal"),
        &json!({"removed_on": app.clock.today(), "kind": "natural_decrease", "reason": "全户迁出"}),
    ))
    .await;
    assert_eq!(removed.status, 200, "{}", removed.body);

    let (changes, _) = drain(&app, None, "&entity=household").await;
    let seen: Vec<(&str, &str, Option<i64>)> = changes
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap(),
                c["id"].as_str().unwrap(),
                c["version"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("create", id, Some(1)),
            ("update", id, Some(2)),
            ("removal", id, Some(3))
        ]
    );
    let (everything, _) = drain(&app, None, "").await;
    assert!(everything.iter().any(|c| c["entity"] == "region"));
    assert!(everything.iter().any(|c| c["entity"] == "member"));
    assert!(
        everything
            .iter()
            .all(|c| c["action"] != "read_personal_data"),
        "reads are not changes"
    );
    let seqs: Vec<i64> = everything
        .iter()
        .map(|c| c["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn the_feed_is_scoped_and_refuses_forged_cursors() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    register(&app, "C-1", VILLAGE, "王建国").await;
    register(&app, "C-2", OTHER_TOWN_VILLAGE, "李四").await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let page = send(officer.get("/api/v1/changes?entity=household")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let villages: HashSet<&str> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["region_code"].as_str().unwrap())
        .collect();
    assert_eq!(villages, HashSet::from([VILLAGE]));

    send(app.get("/api/v1/changes?after=forged"))
        .await
        .assert_problem(400, "invalid_cursor");
    send(app.get("/api/v1/changes?limit=1001"))
        .await
        .assert_problem(400, "bad_request");
}

#[tokio::test]
async fn a_reader_resuming_while_writers_commit_sees_every_change_once() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let (_, start) = drain(&app, None, "&entity=household").await;
    const WRITERS: usize = 24;
    let writes = futures_util::future::join_all((0..WRITERS).map(|n| {
        send(app.post(
            "/api/v1/households",
            &household_body(&format!("P-{n}"), VILLAGE, "张三"),
        ))
    }));
    let read = async {
        let mut seen = Vec::new();
        let mut cursor = start.clone();
        for _ in 0..2_000 {
            let (items, next) = drain(&app, Some(cursor), "&entity=household").await;
            seen.extend(items);
            cursor = next;
            if seen.len() >= WRITERS {
                break;
            }
            tokio::task::yield_now().await;
        }
        seen
    };
    let (replies, seen) = tokio::join!(writes, read);
    let created: HashSet<String> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let ids: Vec<String> = seen
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), WRITERS, "no change seen twice");
    assert_eq!(
        ids.iter().cloned().collect::<HashSet<_>>(),
        created,
        "none missed"
    );
    let (again, _) = drain(&app, Some(start), "&entity=household").await;
    assert_eq!(
        again.iter().map(|c| c["seq"].clone()).collect::<Vec<_>>(),
        seen.iter().map(|c| c["seq"].clone()).collect::<Vec<_>>(),
        "reading while writing gave the same sequence as reading afterwards"
    );
}

#[tokio::test]
async fn every_household_version_a_client_sees_is_in_the_feed_member_changes_included() {
    use fupin_domain::member::Sex;
    use fupin_tests::fixtures::member_body;
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "V-1", VILLAGE, "王建国").await;
    let id = household["id"].as_str().unwrap();
    let etag = |reply: &fupin_tests::Reply| reply.header("etag").unwrap_or("").to_owned();
    let mut seen = vec![etag(
        &send(app.get(&format!("/api/v1/households/{id}"))).await,
    )];
    let members = format!("/api/v1/households/{id}/members");
    let added = send(app.post(
        &members,
        &member_body("王小红", "2001-09-15", Sex::Female, "daughter"),
    ))
    .await;
    assert_eq!(added.status, 201, "{}", added.body);
    seen.push(etag(
        &send(app.get(&format!("/api/v1/households/{id}"))).await,
    ));
    let member = format!("{members}/{}", added.body["id"].as_str().unwrap());
    let edited = send(
        app.patch(&member, &json!({"ethnicity": "回族"}))
            .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    seen.push(etag(
        &send(app.get(&format!("/api/v1/households/{id}"))).await,
    ));
    let left = send(app.post(
        &format!("{member}/leave"),
        &json!({"left_on": "2024-05-01", "reason": "marriage"}),
    ))
    .await;
    assert_eq!(left.status, 200, "{}", left.body);
    seen.push(etag(
        &send(app.get(&format!("/api/v1/households/{id}"))).await,
    ));
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 4, "{seen:?}");

    let (changes, _) = drain(&app, None, "&entity=household").await;
    let in_feed: Vec<String> = changes
        .iter()
        .filter(|c| c["id"] == id)
        .map(|c| format!("\"{}\"", c["version"]))
        .collect();
    assert_eq!(in_feed, seen);
}
