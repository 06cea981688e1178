//! `GET /api/content-type-builder/content-types`: the model as Strapi 5 describes it to a
//! full-access token, built from the same schema the store enforces.

use crate::routes::{error, not_found, served};
use crate::Shared;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use strapi_model::{AttrType, ContentType};

pub fn router() -> Router<Arc<Shared>> {
    Router::new().route("/api/content-type-builder/content-types", get(content_types))
}

async fn content_types(State(sim): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    served(&sim, Method::GET, "content-type-builder", || answer(&sim, &headers)).await
}

fn answer(sim: &Shared, headers: &HeaderMap) -> Response {
    if !sim.model_endpoint {
        return not_found();
    }
    // Strapi: no token means the Public role, which may not read the model (403); a token that
    // is not one of its own is refused outright (401).
    if let Some(token) = sim.token() {
        let sent = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        match sent.and_then(|v| v.strip_prefix("Bearer ")) {
            None => return error(StatusCode::FORBIDDEN, "Forbidden", json!({})),
            Some(t) if t.trim() != token => {
                return error(StatusCode::UNAUTHORIZED, "Missing or invalid credentials", json!({}))
            }
            Some(_) => {}
        }
    }
    let data: Vec<Value> = sim.model.types.iter().map(describe).collect();
    Json(json!({ "data": data })).into_response()
}

fn describe(t: &ContentType) -> Value {
    let attributes: Map<String, Value> = t
        .attributes
        .iter()
        .map(|a| {
            let mut v = json!({ "type": a.type_name });
            if a.unique {
                v["unique"] = json!(true);
            }
            if a.required {
                v["required"] = json!(true);
            }
            match &a.ty {
                AttrType::Relation { target, many } => {
                    v["relation"] = json!(if *many { "manyToMany" } else { "manyToOne" });
                    v["target"] = json!(target);
                }
                AttrType::Enumeration(values) => v["enum"] = json!(values),
                _ => {}
            }
            (a.name.clone(), v)
        })
        .collect();
    json!({
        "uid": t.uid,
        "apiID": t.singular,
        "schema": {
            "kind": "collectionType",
            "singularName": t.singular,
            "pluralName": t.plural,
            "displayName": t.singular,
            "draftAndPublish": t.draft_and_publish,
            "visible": true,
            "attributes": attributes,
        },
    })
}
