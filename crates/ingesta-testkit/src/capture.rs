//! A capture endpoint for CloudWatch: records every request and answers as the service's
//! RPCv2-CBOR protocol does (moto does not serve that protocol), so the real SDK call succeeds.

use std::sync::{Arc, Mutex};

/// Requests seen: path and body.
pub type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// Serves on a free loopback port until the runtime ends; returns its URL and what it saw.
pub async fn cloudwatch() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let store = seen.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri, body: axum::body::Bytes| {
        let store = store.clone();
        async move {
            store.lock().unwrap().push((uri.path().to_string(), body.to_vec()));
            ([("smithy-protocol", "rpc-v2-cbor"), ("content-type", "application/cbor")], vec![0xa0u8])
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// Whether `needle` occurs in a request body (CBOR keeps strings as plain UTF-8 bytes).
pub fn contains(body: &[u8], needle: &str) -> bool {
    body.windows(needle.len()).any(|w| w == needle.as_bytes())
}
