//! Statistics that reconcile with each other and with the lists.

use fupin_domain::access::Role;
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{
    gaoling, member_body, register, OTHER_TOWN, OTHER_TOWN_VILLAGE, TOWN, VILLAGE, VILLAGE_2,
};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

/// Counts every item of a list, following its cursors.
async fn list_length(app: &TestApp, path: &str) -> i64 {
    let mut count = 0;
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&limit=200&cursor={c}"),
            None => format!("{path}&limit=200"),
        };
        let page = send(app.get(&url)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        count += page.body["items"].as_array().unwrap().len() as i64;
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return count,
        }
    }
}

fn subsidy(category: &str, reference: &str, amount: i64, member: Option<&str>) -> Value {
    let mut body = json!({"category": category, "source": "高陵区民政局", "amount_fen": amount,
                          "paid_on": "2019-05-01", "reference": reference});
    if category == "health_reimbursement" {
        body["insurance_layer"] = json!("basic");
    }
    if let Some(member) = member {
        body["member_id"] = json!(member);
    }
    body
}

/// Six households in three villages of two towns, a pupil, subsidies with a reversal, a removal.
async fn district(app: &TestApp) {
    gaoling(app).await;
    let mut ids = Vec::new();
    for (n, village) in [
        VILLAGE,
        VILLAGE,
        VILLAGE,
        VILLAGE_2,
        VILLAGE_2,
        OTHER_TOWN_VILLAGE,
    ]
    .iter()
    .enumerate()
    {
        let h = register(app, &format!("S-{n}"), village, "王建国").await;
        ids.push((
            h["id"].as_str().unwrap().to_owned(),
            h["members"][0]["id"].as_str().unwrap().to_owned(),
        ));
    }
    let mut pupil = member_body("王小明", "2012-03-01", Sex::Male, "son");
    pupil["schooling"] = json!("primary");
    pupil["labour_ability"] = json!("none");
    let added = send(app.post(&format!("/api/v1/households/{}/members", ids[0].0), &pupil)).await;
    assert_eq!(added.status, 201, "{}", added.body);
    for (n, (household, head)) in ids.iter().enumerate() {
        let path = format!("/api/v1/households/{household}/subsidies");
        let paid = send(app.post(
            &path,
            &subsidy(
                "health_reimbursement",
                &format!("YB-{n}"),
                10_000 + n as i64,
                Some(head),
            ),
        ))
        .await;
        assert_eq!(paid.status, 201, "{}", paid.body);
        send(app.post(
            &path,
            &subsidy("minimum_living_allowance", &format!("DB-{n}"), 50_000, None),
        ))
        .await;
    }
    let first = send(app.get("/api/v1/subsidies?limit=1")).await;
    let entry = first.body["items"][0]["id"].as_str().unwrap().to_owned();
    let reversed = send(app.post(
        &format!("/api/v1/subsidies/{entry}/reversal"),
        &json!({"reversed_on": "2019-05-02", "reference": "R-1", "reason": "重复"}),
    ))
    .await;
    assert_eq!(reversed.status, 201, "{}", reversed.body);
    let removed = send(app.post(
        &format!("/api/v1/households/{}/removal", ids[5].0),
        &json!({"removed_on": app.clock.today(), "kind": "natural_decrease", "reason": "全户迁出"}),
    ))
    .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
}

#[tokio::test]
async fn a_summary_is_the_sum_of_its_regions_and_agrees_with_the_lists() {
    let app = TestApp::spawn().await;
    district(&app).await;
    let summary = send(app.get("/api/v1/statistics/summary")).await;
    assert_eq!(summary.status, 200, "{}", summary.body);
    let figures = &summary.body["figures"];
    assert_eq!(figures["households"]["total"], 6);
    assert_eq!(figures["households"]["active"], 5);
    assert_eq!(
        figures["households"]["by_status"],
        json!({"not_exited": 5, "removed": 1})
    );
    assert_eq!(figures["persons"]["total"], 7);
    assert_eq!(
        figures["students_in_compulsory_education"],
        json!({"students": 1, "households": 1})
    );
    let health = &figures["subsidies"]["health_reimbursement"];
    let allowance = &figures["subsidies"]["minimum_living_allowance"];
    // One of the twelve entries was reversed: the count and amount are net of it.
    let net_entries = health["entries"].as_i64().unwrap() + allowance["entries"].as_i64().unwrap();
    assert_eq!(net_entries, 11);
    let totals = send(app.get("/api/v1/subsidies/totals?year=2019")).await;
    assert_eq!(
        health["amount_fen"].as_i64().unwrap() + allowance["amount_fen"].as_i64().unwrap(),
        totals.body["total_fen"].as_i64().unwrap()
    );

    for level in ["village", "town"] {
        let rows = send(app.get(&format!("/api/v1/statistics/by-region?level={level}"))).await;
        assert_eq!(rows.status, 200, "{}", rows.body);
        assert_eq!(
            &rows.body["total"], figures,
            "{level} rows add up to the summary"
        );
        for row in rows.body["rows"].as_array().unwrap() {
            let code = row["region_code"].as_str().unwrap();
            let own = send(app.get(&format!("/api/v1/statistics/summary?region={code}"))).await;
            assert_eq!(
                own.body["figures"], row["figures"],
                "row {code} is its own summary"
            );
        }
    }
    let towns = send(app.get("/api/v1/statistics/by-region?level=town")).await;
    let codes: Vec<&str> = towns.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["region_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec![TOWN, OTHER_TOWN]);

    for (status, count) in figures["households"]["by_status"].as_object().unwrap() {
        let listed = list_length(&app, &format!("/api/v1/households?status={status}")).await;
        assert_eq!(listed, count.as_i64().unwrap(), "status {status}");
    }
    for (attribute, count) in figures["households"]["by_attribute"].as_object().unwrap() {
        let listed = list_length(&app, &format!("/api/v1/households?attribute={attribute}")).await;
        assert_eq!(listed, count.as_i64().unwrap(), "attribute {attribute}");
    }
    let village_summary =
        send(app.get(&format!("/api/v1/statistics/summary?region={VILLAGE}"))).await;
    assert_eq!(
        village_summary.body["figures"]["households"]["active"]
            .as_i64()
            .unwrap(),
        list_length(&app, &format!("/api/v1/households?region={VILLAGE}")).await
    );
    assert_eq!(
        figures["persons"]["total"].as_i64().unwrap(),
        list_length(&app, "/api/v1/members?current=true").await
    );
}

#[tokio::test]
async fn statistics_are_scoped_and_refuse_bad_parameters() {
    let app = TestApp::spawn().await;
    district(&app).await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let own = send(officer.get("/api/v1/statistics/summary")).await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(own.body["figures"]["households"]["total"], 3);
    send(officer.get(&format!(
        "/api/v1/statistics/summary?region={OTHER_TOWN_VILLAGE}"
    )))
    .await
    .assert_problem(403, "forbidden");
    send(app.get("/api/v1/statistics/by-region?level=province"))
        .await
        .assert_problem(400, "bad_request");
    send(app.get("/api/v1/statistics/summary?region=12"))
        .await
        .assert_problem(400, "bad_request");
    let later = send(app.get("/api/v1/statistics/summary?year=2020")).await;
    assert_eq!(
        later.body["figures"]["subsidies"],
        json!({}),
        "nothing was paid in 2020"
    );
    assert_eq!(later.body["as_of"], "2020-12-31");
}
