use reqwest::{multipart, Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, PNG};

async fn upload(
    app: &mut TestApp,
    product: i64,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let token = app.token("manager").await;
    let form = multipart::Form::new().part(
        "image",
        multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let r = app
        .client
        .post(format!("{}/products/{product}/image", app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn manager_builds_the_menu() {
    let mut app = TestApp::spawn().await;
    let r = app
        .post(
            "manager",
            "/stations",
            json!({"code": "dessert", "name": "Dessert"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let station = r.data()["id"].as_i64().unwrap();
    let r = app
        .post(
            "manager",
            "/stations",
            json!({"code": "Dessert Bar!", "name": "x"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .post(
            "manager",
            "/stations",
            json!({"code": "dessert", "name": "Again"}),
        )
        .await;
    assert_eq!(r.status, 409);

    let r = app
        .post(
            "manager",
            "/categories",
            json!({"name": "Kue", "station_id": station, "sort_order": 9}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.data()["station_code"], "dessert");
    let cat = r.data()["id"].as_i64().unwrap();
    let r = app
        .post(
            "manager",
            "/categories",
            json!({"name": "Ghost", "station_id": 9999}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);

    let r = app
        .post(
            "manager",
            "/products",
            json!({"category_id": cat, "name": "Dadar Gulung", "price": 30000, "allergens": ["coconut"], "modifiers": ["extra gula merah"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.data()["station_code"], "dessert");
    assert_eq!(r.data()["is_available"], true);
    let pid = r.data()["id"].as_i64().unwrap();
    let r = app
        .post(
            "manager",
            "/products",
            json!({"category_id": cat, "name": "Free money", "price": -5}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["details"]["field"], "price");

    // A station override routes the product elsewhere.
    let bar: i64 = sqlx::query_scalar::<_, i32>("SELECT id FROM stations WHERE code = 'bar'")
        .fetch_one(&app.db)
        .await
        .unwrap() as i64;
    let r = app
        .patch(
            "manager",
            &format!("/products/{pid}"),
            json!({"price": 32000, "station_id": bar}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["price"], 32000);
    assert_eq!(r.data()["station_code"], "bar");
    // Leaving station_id out keeps the override; null removes it (back to the category's).
    let r = app
        .patch(
            "manager",
            &format!("/products/{pid}"),
            json!({"price": 33000}),
        )
        .await;
    assert_eq!(r.data()["station_code"], "bar");
    let r = app
        .patch(
            "manager",
            &format!("/products/{pid}"),
            json!({"station_id": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["station_id"], serde_json::Value::Null);
    assert_eq!(r.data()["station_code"], "dessert");
    assert_eq!(r.data()["price"], 33000);
    let r = app
        .patch("manager", "/products/99999", json!({"price": 1}))
        .await;
    assert_eq!(r.status, 404);

    // Waiters read the menu but cannot change it; the kitchen can 86 a dish.
    let r = app
        .get("waiter", &format!("/products?category_id={cat}"))
        .await;
    assert_eq!(r.data().as_array().unwrap().len(), 1);
    let r = app
        .patch("waiter", &format!("/products/{pid}"), json!({"price": 1}))
        .await;
    assert_eq!(r.status, 403);
    let kt = app.token("kitchen").await;
    let r = app
        .req(
            Method::PUT,
            &format!("/products/{pid}/availability"),
            Some(&kt),
            Some(json!({"is_available": false})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.data()["is_available"], false);
    let kinds: Vec<String> = app.events().await.into_iter().map(|(_, k)| k).collect();
    assert!(kinds.contains(&"product.availability".to_string()));
    assert!(kinds.contains(&"product.created".to_string()));
}

#[tokio::test]
async fn product_photos_are_checked_by_content_and_size() {
    let mut app = TestApp::spawn().await;
    let pid = app.product_id("Es Jeruk").await as i64;
    let (s, body) = upload(&mut app, pid, "jeruk.png", PNG.to_vec()).await;
    assert_eq!(s, 200, "{body}");
    let url = body["data"]["image_url"].as_str().unwrap().to_string();
    assert!(url.starts_with("/uploads/products/"));
    let served = app
        .client
        .get(format!("http://{}{url}", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);

    // Named .png but it is text: refused by content.
    let (s, body) = upload(
        &mut app,
        pid,
        "evil.png",
        b"<script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(s, 415, "{body}");
    assert_eq!(body["error"]["code"], "unsupported_media_type");
    // Over the limit (5 MB by default): 413 with the limit explained.
    let mut big = PNG.to_vec();
    big.resize(6 * 1024 * 1024, 0);
    let (s, body) = upload(&mut app, pid, "big.png", big).await;
    assert_eq!(s, 413, "{body}");
    assert!(body["message"].as_str().unwrap().contains("5 MB"));
    // Not multipart at all.
    let r = app
        .post(
            "manager",
            &format!("/products/{pid}/image"),
            json!({"image": "x"}),
        )
        .await;
    assert_eq!(r.status, 415);
    // The product still has the good photo.
    let r = app.get("waiter", &format!("/products/{pid}")).await;
    assert_eq!(r.data()["image_url"], url);
}
