use axum::http::StatusCode;

use crate::common::TestApp;

/// The published API contract changes only through a reviewed snapshot diff.
#[tokio::test]
async fn openapi_document_is_stable() {
    let app = TestApp::demo().await;
    let (status, doc) = app.get_json("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    insta::assert_json_snapshot!("openapi", doc);
}

/// Every API route is documented with at least one error response using the common body.
#[tokio::test]
async fn every_operation_documents_its_errors() {
    let doc = serde_json::to_value(segur_server::openapi_document()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 12);
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.contains_key("200")
                    || responses.contains_key("201")
                    || responses.contains_key("204"),
                "{method} {path} documents no success"
            );
            if path.contains('{')
                || path.contains("candidatures")
                || path.contains("me")
                || path.contains("solutions")
            {
                assert!(
                    responses.keys().any(|k| k.starts_with('4')),
                    "{method} {path} documents no error"
                );
            }
        }
    }
}
