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
    let hands = app.money_hands();
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
    let reversed = send(hands.district.post(
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

#[tokio::test]
async fn the_demo_district_reproduces_the_articles_figures() {
    use fupin_persistence::in_transaction;
    use fupin_seed as seed;
    let app = TestApp::spawn().await;
    {
        let mut conn = app.pool.get().unwrap();
        let now = chrono::Utc::now().naive_utc();
        in_transaction(&mut conn, |c| seed::load_demo(c, now, &fupin_tests::keys())).unwrap();
    }
    let summary = send(app.get("/api/v1/statistics/summary?region=610117000000")).await;
    assert_eq!(summary.status, 200, "{}", summary.body);
    let f = &summary.body["figures"];
    assert_eq!(f["households"]["total"], 340);
    assert_eq!(f["persons"]["total"], 606);
    let exited_households: i64 = f["exits_by_year"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(year, _)| year.as_str() <= "2018")
        .map(|(_, e)| e["households"].as_i64().unwrap())
        .sum();
    let exited_persons: i64 = f["exits_by_year"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["persons"].as_i64().unwrap())
        .sum();
    assert_eq!(
        (exited_households, exited_persons),
        (246, 463),
        "exited by the end of 2018"
    );
    let recorded_as_history: i64 = f["exits_by_year"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["recorded_as_history"]["households"].as_i64().unwrap())
        .sum();
    assert_eq!(
        recorded_as_history, 246,
        "the demo's exits were decided on paper before the registry"
    );
    assert_eq!(f["households"]["by_status"]["not_exited"], 94);
    assert_eq!(f["persons"]["by_status"]["not_exited"], 143);
    assert_eq!(
        f["students_in_compulsory_education"],
        json!({"students": 76, "households": 64})
    );
    assert_eq!(f["loans"]["count"], 20);
    assert_eq!(f["loans"]["principal_fen"], 61_000_000, "610,000 yuan");
    assert_eq!(f["loans"]["outstanding_principal_fen"], 0);
    assert_eq!(f["loans"]["overdue_count"], 0);
    let health = &f["subsidies"]["health_reimbursement"];
    assert_eq!(health["person_times"], 777);
    assert_eq!(health["amount_fen"], 177_500_000, "1,775,000 yuan");
    assert_eq!(f["dividends_paid_fen"], 72_100_000, "721,000 yuan");
    let towns = send(app.get("/api/v1/statistics/by-region?level=town")).await;
    assert_eq!(towns.body["rows"].as_array().unwrap().len(), 5);
    assert_eq!(&towns.body["total"], f);

    // The exits are backed by what the rules look for: no exit-related errors in a run.
    let run = send(app.post(
        "/api/v1/data-quality/runs",
        &json!({"mode": "full", "year": 2018}),
    ))
    .await;
    assert_eq!(run.status, 201, "{}", run.body);
    assert_eq!(run.body["households_checked"], 340);
    for rule in [
        "exit_income_below_line",
        "exit_without_passing_assessment",
        "dividend_not_linked",
        "loan_borrower_age",
        "relation_age",
    ] {
        let found = send(app.get(&format!("/api/v1/data-quality/findings?rule={rule}"))).await;
        assert_eq!(found.body["items"], json!([]), "{rule}");
    }
}
