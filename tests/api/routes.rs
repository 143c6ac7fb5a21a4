//! The route table and the document are one: every documented operation is routed, every
//! routed operation is documented, and a documented path asked with another method is a 405.

use std::collections::BTreeSet;

use fupin_tests::{send, TestApp};
use serde_json::Value;

/// (method, path template) of every operation in the document.
fn documented() -> BTreeSet<(String, String)> {
    let doc: Value = serde_json::from_str(&fupin_api::openapi::document_json()).unwrap();
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(|method| (method.clone(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every Rust file of the API crate, with its path.
fn api_sources() -> Vec<(std::path::PathBuf, String)> {
    fn walk(dir: &std::path::Path, found: &mut Vec<(std::path::PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path, text));
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/src"),
        &mut found,
    );
    found
}

#[test]
fn every_routed_operation_is_documented() {
    let mut routed = BTreeSet::new();
    for (path, text) in api_sources() {
        for line in text.lines().map(str::trim) {
            // `#[get("/path")]` on a handler, or `name: post "/path", ...` in a table of handlers.
            for method in ["get", "post", "put", "patch", "delete", "head"] {
                for marker in [format!("#[{method}(\""), format!(": {method} \"")] {
                    if let Some((_, rest)) = line.split_once(&marker) {
                        let template = rest.split('"').next().unwrap().to_owned();
                        routed.insert((method.to_owned(), template));
                    }
                }
            }
            // Routes outside the table would be served without being documented. The one
            // exception is the documentation itself (Swagger UI and its redirect).
            let around_the_table = [".route(", "web::resource(", "web::get()", "web::post()"]
                .iter()
                .any(|pattern| line.contains(pattern));
            assert!(
                !around_the_table || line.contains("swagger-ui"),
                "{}: a route outside the route table: {line}",
                path.display()
            );
        }
    }
    assert_eq!(routed, documented());
}

#[tokio::test]
async fn a_documented_path_answers_405_to_every_other_method() {
    let app = TestApp::spawn().await;
    let mut by_path: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for (method, path) in documented() {
        by_path
            .entry(path)
            .or_default()
            .insert(method.to_uppercase());
    }
    for methods in by_path.values_mut() {
        if methods.contains("GET") {
            methods.insert("HEAD".to_owned());
        }
    }
    for (path, methods) in by_path {
        let concrete = path
            .replace("{year}", "2019")
            .replace('{', "x")
            .replace('}', "");
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if methods.contains(method) {
                continue;
            }
            let request = app
                .client
                .request(method.parse().unwrap(), app.url(&concrete))
                .bearer_auth(&app.admin_token);
            let reply = send(request).await;
            reply.assert_problem(405, "method_not_allowed");
            let allow: BTreeSet<String> = reply
                .header("allow")
                .unwrap_or_default()
                .split(", ")
                .map(str::to_owned)
                .collect();
            assert_eq!(allow, methods, "{method} {path}");
        }
    }
}

#[tokio::test]
async fn wrong_method_is_405_problem() {
    let app = TestApp::spawn().await;
    let reply = send(app.client.delete(app.url("/api/v1/households"))).await;
    reply.assert_problem(405, "method_not_allowed");
    assert!(reply
        .header("allow")
        .is_some_and(|a| a.contains("GET") && a.contains("POST")));
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::spawn().await;
    let doc: Value = serde_json::from_str(&fupin_api::openapi::document_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete: String = path
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    if part == "{year}" {
                        "2019"
                    } else {
                        "no-such-id"
                    }
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let request = match method.as_str() {
                "get" => app.get(&concrete),
                "post" => app.post(&concrete, &serde_json::json!({})),
                "put" => app
                    .client
                    .put(app.url(&concrete))
                    .bearer_auth(&app.admin_token)
                    .json(&serde_json::json!({})),
                "patch" => app
                    .patch(&concrete, &serde_json::json!({}))
                    .header("If-Match", "\"1\""),
                other => panic!("unexpected method {other}"),
            };
            let reply = send(request).await;
            // The router's own 404/405 carry no detail; a handler's refusal does, or is not a 404.
            let unrouted =
                (reply.status == 404 && reply.body.get("detail").is_none()) || reply.status == 405;
            assert!(
                !unrouted,
                "{method} {path} is documented but not routed: {}",
                reply.body
            );
        }
    }
}
