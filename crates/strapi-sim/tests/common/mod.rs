//! Helpers shared by the integration tests: an in-process server and a JSON client.
#![allow(dead_code)]

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use strapi_sim::{RunningSim, SimConfig};

pub struct Sim {
    pub sim: RunningSim,
    pub http: Client,
}

pub async fn start(config: SimConfig) -> Sim {
    let sim = strapi_sim::spawn(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    Sim { sim, http: Client::new() }
}

pub async fn start_default() -> Sim {
    start(SimConfig::default()).await
}

/// A response's status, headers and JSON body (null when there is none).
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Sim {
    /// The documentId of entry `id` of `collection`: how Strapi 5 paths address an entry.
    pub fn doc(&self, collection: &str, id: u64) -> String {
        let e = self.sim.entries(collection).into_iter().find(|e| e["id"] == id).expect("entry exists");
        e["documentId"].as_str().unwrap().to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let text = res.text().await.unwrap();
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() };
        Answer { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, collection: &str, data: Value) -> Answer {
        self.call(Method::POST, &format!("/api/{collection}"), Some(serde_json::json!({ "data": data }))).await
    }

    /// POSTs and returns the new entry's id, failing the test on anything but 201.
    pub async fn create(&self, collection: &str, data: Value) -> u64 {
        let a = self.post(collection, data).await;
        assert_eq!(a.status, StatusCode::CREATED, "{collection}: {}", a.body);
        a.body["data"]["id"].as_u64().unwrap()
    }
}
