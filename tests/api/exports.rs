//! Bulk export (`GET /api/v1/exports/households`) and import (`POST /api/v1/imports/households`).

use fupin_domain::access::{Action, Role};
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{
    gaoling, head_body, household_body, member_body, register, DISTRICT, OTHER_TOWN_VILLAGE, TOWN,
    VILLAGE, VILLAGE_2,
};
use fupin_tests::{send, Reply, TestApp};
use serde_json::{json, Value};

pub(crate) const EXPORTS: &str = "/api/v1/exports/households";
pub(crate) const IMPORTS: &str = "/api/v1/imports/households";
pub(crate) const NDJSON: &str = "application/x-ndjson";

/// A response whose body is a file, not JSON.
pub(crate) struct File {
    pub(crate) status: u16,
    headers: reqwest::header::HeaderMap,
    pub(crate) text: String,
}

impl File {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn lines(&self) -> Vec<Value> {
        self.text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// CSV lines as cells (the test data holds no commas or quotes).
    pub(crate) fn csv(&self) -> Vec<Vec<String>> {
        self.text
            .split_terminator("\r\n")
            .map(|line| line.split(',').map(str::to_owned).collect())
            .collect()
    }
}

pub(crate) async fn download(request: reqwest::RequestBuilder) -> File {
    let response = request.send().await.unwrap();
    File {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    }
}

/// A household as an import line: the registration body, its head among the members.
pub(crate) fn import_line(number: &str, village: &str, head_name: &str) -> Value {
    let mut body = household_body(number, village, head_name);
    let mut head = body.as_object_mut().unwrap().remove("head").unwrap();
    head["relation"] = json!("head");
    body["members"] = json!([head]);
    body
}

pub(crate) fn ndjson(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Two good households and, between them, one whose head has a bad resident ID number.
fn file_with_a_bad_row() -> String {
    let mut bad = import_line("I-2", VILLAGE, "李四");
    bad["members"][0]["id_number"] = json!("12345");
    ndjson(&[
        import_line("I-1", VILLAGE, "张三"),
        bad,
        import_line("I-3", VILLAGE_2, "王五"),
    ])
}

pub(crate) async fn import(app: &TestApp, mode: &str, content_type: &str, body: &str) -> Reply {
    send(app.post_raw(&format!("{IMPORTS}?mode={mode}"), content_type, body)).await
}

fn results(reply: &Reply) -> Vec<(String, String)> {
    reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let number = r["household_number"].as_str().unwrap_or("").to_owned();
            (number, r["result"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn ndjson_export_streams_households_with_their_members() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let first = register(&app, "E-1", VILLAGE, "王建国").await;
    register(&app, "E-2", VILLAGE_2, "李四").await;
    register(&app, "E-3", OTHER_TOWN_VILLAGE, "张三").await;
    let path = format!(
        "/api/v1/households/{}/members",
        first["id"].as_str().unwrap()
    );
    let added = send(app.post(
        &path,
        &member_body("王小红", "2001-09-15", Sex::Female, "daughter"),
    ))
    .await;
    assert_eq!(added.status, 201, "{}", added.body);

    let file = download(app.get(EXPORTS)).await;
    assert_eq!(file.status, 200, "{}", file.text);
    assert_eq!(file.header("content-type"), NDJSON);
    assert!(file
        .header("content-disposition")
        .starts_with("attachment; filename="));
    let households = file.lines();
    let numbers: Vec<&str> = households
        .iter()
        .map(|h| h["household_number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        vec!["E-1", "E-2", "E-3"],
        "by village, then registration"
    );
    assert_eq!(households[0]["members"].as_array().unwrap().len(), 2);
    assert_eq!(
        households[0]["phone"], "138****5678",
        "masked without reveal"
    );

    let town = download(app.get(&format!("{EXPORTS}?region={TOWN}"))).await;
    assert_eq!(town.lines().len(), 2);
    let bad = send(app.get(&format!("{EXPORTS}?format=xml"))).await;
    bad.assert_problem(400, "bad_request");
}

#[tokio::test]
async fn csv_export_has_the_documented_header_and_a_line_per_member() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "E-1", VILLAGE, "王建国").await;
    let path = format!(
        "/api/v1/households/{}/members",
        household["id"].as_str().unwrap()
    );
    send(app.post(
        &path,
        &member_body("王小红", "2001-09-15", Sex::Female, "daughter"),
    ))
    .await;

    let file = download(app.get(&format!("{EXPORTS}?format=csv"))).await;
    assert_eq!(file.status, 200, "{}", file.text);
    assert_eq!(file.header("content-type"), "text/csv; charset=utf-8");
    assert!(file.header("content-disposition").ends_with(".csv\""));
    let lines = file.csv();
    assert_eq!(
        lines[0].join(","),
        "household_number,household_id,region_code,kind,head_name,phone,address,attribute,\
main_cause,other_causes,identified_year,status,exit_stage,exit_year,member_id,name,id_number,sex,\
birth_date,relation,ethnicity,education,schooling,health,disability,labour_ability,employment,\
basic_medical_insurance,critical_illness_insurance,pension_insurance,current,left_on,leave_reason"
    );
    assert_eq!(lines.len(), 3, "a header and one line per member");
    let column = |name: &str| lines[0].iter().position(|c| c == name).unwrap();
    for line in &lines[1..] {
        assert_eq!(line.len(), lines[0].len());
        assert_eq!(line[column("household_number")], "E-1");
        assert_eq!(line[column("phone")], "138****5678");
        assert_eq!(line[column("other_causes")], "lack_of_funds");
    }
    assert_eq!(lines[1][column("relation")], "head");
    assert_eq!(lines[2][column("name")], "王小红");
}

#[tokio::test]
async fn more_households_than_a_page_or_a_batch_go_through_once() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    // 501: one more than an export page and a best_effort batch.
    let lines: Vec<Value> = (0..501)
        .map(|i| {
            let birth = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap() + chrono::Days::new(i);
            let mut line = import_line(&format!("M-{i:04}"), VILLAGE, "张三");
            line["members"][0] = head_body("张三", &birth.to_string(), Sex::Male);
            line["members"][0]["relation"] = json!("head");
            line
        })
        .collect();
    let reply = import(&app, "best_effort", NDJSON, &ndjson(&lines)).await;
    assert_eq!(reply.body["created"], 501, "{}", reply.body["results"][0]);
    assert_eq!(app.count("households"), 501);

    let exported = download(app.get(EXPORTS)).await.lines();
    let mut numbers: Vec<&str> = exported
        .iter()
        .map(|h| h["household_number"].as_str().unwrap())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), 501, "every household once");
    let csv = download(app.get(&format!("{EXPORTS}?format=csv"))).await;
    assert_eq!(csv.csv().len(), 502);
}

#[tokio::test]
async fn the_export_is_masked_and_scoped_as_the_role_requires() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let body = household_body("E-1", VILLAGE, "王建国");
    let number = body["head"]["id_number"].as_str().unwrap().to_owned();
    assert_eq!(
        send(app.post("/api/v1/households", &body)).await.status,
        201
    );
    register(&app, "E-2", OTHER_TOWN_VILLAGE, "张三").await;
    let masked = format!("{}********{}", &number[..6], &number[14..]);

    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let seen = download(officer.get(EXPORTS)).await.lines();
    assert_eq!(seen.len(), 1, "only the officer's village");
    assert_eq!(seen[0]["members"][0]["id_number"], masked);
    assert_eq!(seen[0]["phone"], "138****5678");
    send(officer.get(&format!("{EXPORTS}?region={OTHER_TOWN_VILLAGE}")))
        .await
        .assert_problem(403, "forbidden");
    send(officer.get(&format!("{EXPORTS}?reveal=true")))
        .await
        .assert_problem(403, "forbidden");

    let integration = app.as_client(&[Action::ReadRegistry, Action::ReadChanges], DISTRICT);
    let pulled = download(integration.get(&format!("{EXPORTS}?format=csv"))).await;
    assert!(pulled.text.contains(&masked) && !pulled.text.contains(&number));
    send(integration.get(&format!("{EXPORTS}?reveal=true")))
        .await
        .assert_problem(403, "forbidden");

    let district = app.as_role(Role::DistrictOfficer, DISTRICT);
    let full = download(district.get(&format!("{EXPORTS}?reveal=true")))
        .await
        .lines();
    assert_eq!(full.len(), 2);
    assert_eq!(full[0]["members"][0]["id_number"], number);
    assert_eq!(full[0]["phone"], "13812345678");
    let reads = send(app.get(&format!(
        "/api/v1/audit?action=read_personal_data&actor_id={}",
        district.user_id
    )))
    .await;
    let entries = reads.body["items"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        1,
        "one entry for the whole export: {}",
        reads.body
    );
    assert_eq!(entries[0]["entity_type"], "household_export");
}

#[tokio::test]
async fn a_dry_run_checks_every_row_and_writes_nothing() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let audit = app.count("audit_entries");
    let reply = import(&app, "dry_run", NDJSON, &file_with_a_bad_row()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        results(&reply),
        pairs(&[
            ("I-1", "would_create"),
            ("I-2", "failed"),
            ("I-3", "would_create")
        ])
    );
    assert_eq!(reply.body["committed"], false);
    assert_eq!(reply.body["created"], 2);
    assert_eq!(reply.body["failed"], 1);
    assert_eq!(reply.body["results"][1]["row"], 2);
    assert_eq!(
        reply.body["results"][1]["errors"][0]["field"],
        "members[0].id_number"
    );
    assert_eq!(
        reply.body["results"][1]["errors"][0]["code"],
        "invalid_resident_id"
    );
    assert_eq!(app.count("households"), 0);
    assert_eq!(app.count("audit_entries"), audit);
}

#[tokio::test]
async fn all_or_nothing_writes_nothing_when_a_row_fails() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let reply = import(&app, "all_or_nothing", NDJSON, &file_with_a_bad_row()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        results(&reply),
        pairs(&[
            ("I-1", "would_create"),
            ("I-2", "failed"),
            ("I-3", "would_create")
        ])
    );
    assert_eq!(reply.body["results"][0]["household_id"], Value::Null);
    assert_eq!(reply.body["committed"], false);
    assert_eq!(reply.body["failed"], 1);
    assert_eq!(app.count("households"), 0);
    assert_eq!(app.count("members"), 0);

    let good = ndjson(&[
        import_line("I-1", VILLAGE, "张三"),
        import_line("I-3", VILLAGE_2, "王五"),
    ]);
    let reply = send(app.post_raw(IMPORTS, NDJSON, &good)).await;
    assert_eq!(reply.body["mode"], "all_or_nothing", "the default");
    assert_eq!(reply.body["committed"], true);
    assert_eq!(reply.body["created"], 2);
    assert_eq!(app.count("households"), 2);
}

#[tokio::test]
async fn best_effort_writes_the_good_rows() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    // This one fails only after its household and head are written: at its second member,
    // who has the head's resident ID number. Nothing of it may stay.
    let mut late = import_line("I-4", VILLAGE, "赵六");
    let mut twin = late["members"][0].clone();
    twin["relation"] = json!("sibling");
    late["members"].as_array_mut().unwrap().push(twin);
    let file = format!("{}{}\n", file_with_a_bad_row(), late);
    let reply = import(&app, "best_effort", NDJSON, &file).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        results(&reply),
        pairs(&[
            ("I-1", "created"),
            ("I-2", "failed"),
            ("I-3", "created"),
            ("I-4", "failed")
        ])
    );
    let late_errors = &reply.body["results"][3]["errors"];
    assert_eq!(
        late_errors[0]["field"], "members[1].id_number",
        "{late_errors}"
    );
    assert_eq!(late_errors[0]["code"], "resident_id_registered");
    assert_eq!(reply.body["committed"], true);
    assert_eq!(app.count("households"), 2);
    assert_eq!(app.count("members"), 2);
    let id = reply.body["results"][0]["household_id"].as_str().unwrap();
    let created = send(app.get(&format!("/api/v1/households/{id}"))).await;
    assert_eq!(created.body["household_number"], "I-1");
    assert_eq!(created.body["status"], "not_exited");
    // What the failed households appended to the audit trail went with them.
    let chain = send(app.get("/api/v1/audit/verify")).await;
    assert_eq!(chain.body["intact"], true, "{}", chain.body);
    assert_eq!(chain.body["sealed_head"], app.count("audit_entries"));
    assert_eq!(
        app.count("audit_entries WHERE after_json LIKE '%I-4%' OR after_json LIKE '%I-2%'"),
        0
    );
}

#[tokio::test]
async fn an_officer_imports_only_into_their_own_village() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    register(&app, "T-9", OTHER_TOWN_VILLAGE, "李四").await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let file = ndjson(&[
        import_line("T-1", VILLAGE, "张三"),
        import_line("T-2", VILLAGE_2, "王五"),
        import_line("T-9", VILLAGE, "赵六"),
    ]);
    let reply = send(
        app.client
            .post(app.url(&format!("{IMPORTS}?mode=best_effort")))
            .bearer_auth(&officer.token)
            .header("Content-Type", NDJSON)
            .body(file),
    )
    .await;
    assert_eq!(
        results(&reply),
        pairs(&[("T-1", "created"), ("T-2", "failed"), ("T-9", "failed")])
    );
    let errors = |row: usize| reply.body["results"][row]["errors"][0].clone();
    assert_eq!(errors(1)["field"], "region_code");
    assert_eq!(errors(1)["code"], "forbidden");
    assert_eq!(
        errors(2)["code"],
        "household_number_taken",
        "not `unchanged`"
    );
    assert_eq!(reply.body["results"][2]["household_id"], Value::Null);
}

#[tokio::test]
async fn a_malformed_row_fails_alone() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut with_typo = import_line("I-4", VILLAGE, "赵六");
    with_typo["adress"] = json!("typo");
    let text = format!(
        "{}{{\"household_number\": \"I-2\",\n{}\n{}",
        ndjson(&[import_line("I-1", VILLAGE, "张三")]),
        import_line("I-3", VILLAGE, "王五"),
        with_typo
    );
    let reply = import(&app, "best_effort", NDJSON, &text).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let rows: Vec<(i64, &str)> = reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rows,
        vec![(1, "created"), (2, "failed"), (3, "created"), (4, "failed")]
    );
    assert_eq!(
        reply.body["results"][1]["errors"][0]["code"],
        "malformed_json"
    );
    assert_eq!(
        reply.body["results"][3]["errors"][0]["code"],
        "unknown_field"
    );
    assert_eq!(reply.body["results"][3]["errors"][0]["field"], "adress");

    let header =
        "household_number,region_code,kind,phone,address,attribute,main_cause,other_causes,\
identified_year,name,id_number,sex,birth_date,relation,ethnicity,education,schooling,health,\
disability,labour_ability,employment,basic_medical_insurance,critical_illness_insurance,\
pension_insurance,left_on,leave_reason";
    let csv = format!("{header}\r\nC-1,{VILLAGE},registered,too,few,columns\r\n");
    let reply = import(&app, "best_effort", "text/csv", &csv).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(results(&reply), pairs(&[("C-1", "failed")]));
    assert_eq!(reply.body["results"][0]["row"], 2);
    assert_eq!(
        reply.body["results"][0]["errors"][0]["code"],
        "wrong_column_count"
    );
    assert_eq!(app.count("households"), 2);
}

#[tokio::test]
async fn a_file_with_a_byte_order_mark_and_windows_line_ends_imports() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    // Written by a spreadsheet program: a mark, CRLF line ends and a blank line.
    let text = format!(
        "\u{feff}{}\r\n\r\n{}\r\n",
        import_line("W-1", VILLAGE, "张三"),
        import_line("W-2", VILLAGE_2, "李四")
    );
    let reply = import(&app, "best_effort", NDJSON, &text).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        results(&reply),
        pairs(&[("W-1", "created"), ("W-2", "created")])
    );
    let rows: Vec<i64> = reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, vec![1, 3], "a blank line is counted, not imported");
    assert_eq!(app.count("households"), 2);
    let id = reply.body["results"][0]["household_id"].as_str().unwrap();
    let head = send(app.get(&format!("/api/v1/households/{id}"))).await;
    assert_eq!(head.body["members"][0]["name"], "张三");
}

#[tokio::test]
async fn a_malformed_file_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let good = ndjson(&[import_line("I-1", VILLAGE, "张三")]);

    let reply = import(
        &app,
        "best_effort",
        "text/csv",
        "household_number,adress\r\nI-1,x\r\n",
    )
    .await;
    reply.assert_problem(400, "bad_request");
    let codes = reply.error_codes();
    assert!(
        codes.contains(&"unknown_column".to_owned()),
        "{}",
        reply.body
    );
    assert!(
        codes.contains(&"missing_column".to_owned()),
        "{}",
        reply.body
    );

    let mut bytes = good.clone().into_bytes();
    bytes.extend_from_slice(b"{\"household_number\": \"\xff\xfe\"}\n");
    let reply = send(
        app.client
            .post(app.url(&format!("{IMPORTS}?mode=best_effort")))
            .bearer_auth(&app.admin_token)
            .header("Content-Type", NDJSON)
            .body(bytes),
    )
    .await;
    reply.assert_problem(400, "bad_request");

    let json = import(&app, "best_effort", "application/json", &good).await;
    json.assert_problem(415, "unsupported_media_type");
    // The answer names what an import accepts, not what JSON endpoints accept.
    assert_eq!(
        json.body["detail"],
        "An import is application/x-ndjson or text/csv, in UTF-8"
    );
    assert!(!json.body["title"]
        .as_str()
        .unwrap()
        .contains("application/json"));
    import(&app, "best_effort", "text/csv; charset=gbk", &good)
        .await
        .assert_problem(415, "unsupported_media_type");
    import(&app, "best_effort", NDJSON, "\n\n")
        .await
        .assert_problem(400, "bad_request");
    import(&app, "sometimes", NDJSON, &good)
        .await
        .assert_problem(400, "bad_request");
    assert_eq!(app.count("households"), 0);

    let reader = app.as_client(&[Action::ReadRegistry, Action::ReadChanges], DISTRICT);
    let refused = send(
        app.client
            .post(app.url(IMPORTS))
            .bearer_auth(&reader.token)
            .header("Content-Type", NDJSON)
            .body(good),
    )
    .await;
    refused.assert_problem(403, "forbidden");
}

#[tokio::test]
async fn sending_a_file_again_changes_nothing() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut line = import_line("I-1", VILLAGE, "张三");
    line["members"].as_array_mut().unwrap().push(member_body(
        "张小红",
        "2001-09-15",
        Sex::Female,
        "daughter",
    ));
    let file = ndjson(&[line, import_line("I-2", VILLAGE_2, "王五")]);
    let first = import(&app, "best_effort", NDJSON, &file).await;
    assert_eq!(first.body["created"], 2, "{}", first.body);
    let counts =
        |app: &TestApp| ["households", "members", "audit_entries"].map(|table| app.count(table));
    let before = counts(&app);
    assert_eq!(before[1], 3);

    for mode in ["all_or_nothing", "best_effort"] {
        let again = import(&app, mode, NDJSON, &file).await;
        assert_eq!(
            results(&again),
            pairs(&[("I-1", "unchanged"), ("I-2", "unchanged")])
        );
        assert_eq!(
            again.body["results"][0]["household_id"],
            first.body["results"][0]["household_id"]
        );
        assert_eq!(counts(&app), before, "{mode}");
    }
}

/// The households of an export without what the registry assigns (ids, times, versions).
fn comparable(households: Vec<Value>) -> Vec<Value> {
    households
        .into_iter()
        .map(|mut h| {
            for field in ["id", "version", "created_at", "updated_at"] {
                h.as_object_mut().unwrap().remove(field);
            }
            for m in h["members"].as_array_mut().unwrap() {
                for field in ["id", "household_id", "version", "created_at", "updated_at"] {
                    m.as_object_mut().unwrap().remove(field);
                }
            }
            h
        })
        .collect()
}

#[tokio::test]
async fn a_revealed_export_imports_into_another_registry() {
    let source = TestApp::spawn().await;
    gaoling(&source).await;
    let household = register(&source, "R-1", VILLAGE, "王建国").await;
    register(&source, "R-2", OTHER_TOWN_VILLAGE, "张三").await;
    let members = format!(
        "/api/v1/households/{}/members",
        household["id"].as_str().unwrap()
    );
    send(source.post(
        &members,
        &member_body("王小红", "2001-09-15", Sex::Female, "daughter"),
    ))
    .await;
    let son = send(source.post(
        &members,
        &member_body("王小明", "1999-03-02", Sex::Male, "son"),
    ))
    .await;
    let leave = format!("{members}/{}/leave", son.body["id"].as_str().unwrap());
    let left = send(source.post(
        &leave,
        &json!({"left_on": "2024-05-01", "reason": "marriage"}),
    ))
    .await;
    assert_eq!(left.status, 200, "{}", left.body);

    let exported = download(source.get(&format!("{EXPORTS}?reveal=true"))).await;
    let csv = download(source.get(&format!("{EXPORTS}?reveal=true&format=csv"))).await;
    for (content_type, text) in [(NDJSON, &exported.text), ("text/csv", &csv.text)] {
        let target = TestApp::spawn().await;
        gaoling(&target).await;
        let reply = import(&target, "all_or_nothing", content_type, text).await;
        assert_eq!(reply.body["created"], 2, "{content_type}: {}", reply.body);
        assert_eq!(reply.body["committed"], true);
        let copied = download(target.get(&format!("{EXPORTS}?reveal=true"))).await;
        assert_eq!(
            comparable(copied.lines()),
            comparable(exported.lines()),
            "{content_type}"
        );
    }
}
