//! Octadesk authentication: the two legacy login flows and their JWT access tokens (bearer required,
//! expiry, revocation of the API token), v1 API keys, the tenant control API, faults, limits and the
//! request log.
#![allow(clippy::unwrap_used)]

mod octadesk_support;

use octadesk_support::{
    ADMIN, ADMIN_PASSWORD, AGENT, API_KEY, API_TOKEN, Ctx, jwt_payload, tenant_body,
};
use ponte_sandbox::SeedConfig;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn password_login_issues_a_jwt_that_opens_the_legacy_api() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;

    let token = ctx.login().await;
    let claims = jwt_payload(&token);
    assert_eq!(claims["subdomain"], "acme");
    assert_eq!(claims["email"], ADMIN);
    assert_eq!(claims["iss"], "api.octadesk.services");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!((3600..=3601).contains(&(exp - iat)), "{claims}");
    assert!(claims["id"].is_string() && claims["jti"].is_string());

    let (status, v) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/persons",
            Some(&json!({"name": "Ana", "email": "ana.c@x.com"})),
        )
        .await;
    assert_eq!(status, 201, "{v}");

    // Without the subdomain header: the user's only account; the body may say `email`.
    let (status, v) = ctx
        .send(
            Method::POST,
            &ctx.legacy("/login"),
            &[],
            Some(&json!({"email": ADMIN, "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["user"]["email"], ADMIN);
    assert_eq!(
        jwt_payload(v["token"].as_str().unwrap())["subdomain"],
        "acme"
    );

    for (headers, body, want, needle) in [
        (
            vec![("subDomain", "acme")],
            json!({"username": ADMIN, "password": "wrong"}),
            401,
            "Invalid username or password",
        ),
        (
            vec![("subDomain", "acme")],
            json!({"username": "nobody@acme.com", "password": ADMIN_PASSWORD}),
            401,
            "Invalid username or password",
        ),
        (
            vec![("subDomain", "other")],
            json!({"username": ADMIN, "password": ADMIN_PASSWORD}),
            401,
            "subdomain",
        ),
        (
            vec![("subDomain", "acme")],
            json!({"username": ADMIN}),
            400,
            "password",
        ),
    ] {
        let (status, v) = ctx
            .send(Method::POST, &ctx.legacy("/login"), &headers, Some(&body))
            .await;
        assert_eq!(status, want, "{body}: {v}");
        assert!(v["token"].is_null(), "{v}");
        assert!(v["message"].as_str().unwrap().contains(needle), "{v}");
    }
}

#[tokio::test]
async fn api_token_login_takes_the_token_from_the_header_or_the_body() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;

    let token = ctx.login_api_token(AGENT).await;
    assert_eq!(jwt_payload(&token)["email"], AGENT, "acts as `username`");

    // VeloHub's form: the token in the body, no username → the account owner.
    let (status, v) = ctx
        .send(
            Method::POST,
            &ctx.legacy("/login/apiToken"),
            &[],
            Some(&json!({"apiToken": API_TOKEN})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(jwt_payload(v["token"].as_str().unwrap())["email"], ADMIN);
    assert_eq!(v["user"]["roleType"], 2);

    for (headers, want_msg) in [
        (vec![("apiToken", "octa.NOPE.NOPE")], "Invalid API token"),
        (
            vec![("apiToken", API_TOKEN), ("username", "ghost@acme.com")],
            "ghost@acme.com",
        ),
        (
            vec![("apiToken", API_TOKEN), ("subDomain", "other")],
            "subdomain",
        ),
        (vec![], "apiToken"),
    ] {
        let (status, v) = ctx
            .send(
                Method::POST,
                &ctx.legacy("/login/apiToken"),
                &headers,
                Some(&json!({})),
            )
            .await;
        assert_eq!(status, 401, "{headers:?}: {v}");
        assert!(v["message"].as_str().unwrap().contains(want_msg), "{v}");
    }
}

#[tokio::test]
async fn every_other_legacy_call_needs_a_valid_bearer() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;
    let token = ctx.login().await;

    let (status, v) = ctx
        .send(Method::GET, &ctx.legacy("/persons/p-joao"), &[], None)
        .await;
    assert_eq!(
        (status, v["message"].as_str()),
        (401, Some("No authorization token was found"))
    );
    let (status, _) = ctx
        .send(
            Method::GET,
            &ctx.legacy("/persons/p-joao"),
            &[("Authorization", &format!("Token {token}"))],
            None,
        )
        .await;
    assert_eq!(status, 401);
    let (status, v) = ctx
        .legacy_call("not-a-jwt", Method::GET, "/persons/p-joao", None)
        .await;
    assert_eq!(
        (status, v["message"].as_str()),
        (401, Some("jwt malformed"))
    );
    // Same header and payload, another signature.
    let forged = format!("{}.AAAA", token.rsplit_once('.').unwrap().0);
    let (status, v) = ctx
        .legacy_call(&forged, Method::GET, "/persons/p-joao", None)
        .await;
    assert_eq!(
        (status, v["message"].as_str()),
        (401, Some("invalid signature"))
    );
    // The v1 API key is not a bearer of the legacy API.
    let (status, _) = ctx
        .legacy_call(API_KEY, Method::GET, "/persons/p-joao", None)
        .await;
    assert_eq!(status, 401);

    let (status, v) = ctx
        .legacy_call(&token, Method::GET, "/persons/p-joao", None)
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["email"], "joao@ramos.com.br");

    // The request log has every call, with the tenant once the credentials named it, and no secret.
    let log = ctx
        .control_get("/_sandbox/requests?provider=octadesk")
        .await;
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![200, 401, 401, 401, 401, 401, 200]);
    let mine = ctx
        .control_get("/_sandbox/requests?provider=octadesk&domain=acme")
        .await;
    assert_eq!(
        mine.as_array().unwrap().len(),
        2,
        "login and the last call: {mine}"
    );
    let text = log.to_string();
    for secret in [token.as_str(), ADMIN_PASSWORD, API_KEY] {
        assert!(!text.contains(secret), "secret leaked into the request log");
    }
}

#[tokio::test]
async fn expired_tokens_answer_401_and_a_fresh_login_works() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({"token_ttl_seconds": 1})).await;
    let token = ctx.login().await;
    let claims = jwt_payload(&token);
    assert!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() <= 2);
    let (status, _) = ctx
        .legacy_call(&token, Method::GET, "/persons/p-joao", None)
        .await;
    assert_eq!(status, 200);

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, v) = ctx
        .legacy_call(&token, Method::GET, "/persons/p-joao", None)
        .await;
    assert_eq!((status, v["message"].as_str()), (401, Some("jwt expired")));

    let (status, v) = ctx
        .control(
            Method::PATCH,
            "/_sandbox/octadesk/tenants/acme",
            &json!({"token_ttl_seconds": 3600}),
        )
        .await;
    assert_eq!((status, &v["token_ttl_seconds"]), (200, &json!(3600)));
    let fresh = ctx.login().await;
    let (status, _) = ctx
        .legacy_call(&fresh, Method::GET, "/persons/p-joao", None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn expire_tokens_ends_every_issued_token_now() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;
    let a = ctx.login().await;
    let b = ctx.login_api_token(AGENT).await;
    for t in [&a, &b] {
        assert_eq!(
            ctx.legacy_call(t, Method::GET, "/tickets", None).await.0,
            200
        );
    }
    let (status, v) = ctx
        .control(
            Method::POST,
            "/_sandbox/octadesk/acme/expire-tokens",
            &json!({}),
        )
        .await;
    assert_eq!((status, v), (200, json!({"expired": 2})));
    for t in [&a, &b] {
        let (status, v) = ctx.legacy_call(t, Method::GET, "/tickets", None).await;
        assert_eq!((status, v["message"].as_str()), (401, Some("jwt expired")));
    }
    let c = ctx.login().await;
    assert_eq!(
        ctx.legacy_call(&c, Method::GET, "/tickets", None).await.0,
        200
    );

    let list = ctx
        .control_get("/_sandbox/octadesk/acme/access-tokens")
        .await;
    let states: Vec<(&str, &str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["via"].as_str().unwrap(),
                t["user"].as_str().unwrap(),
                t["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            ("password", ADMIN, "expired"),
            ("api_token", AGENT, "expired"),
            ("password", ADMIN, "active")
        ]
    );
    assert!(list[0]["expires_at"].is_string());
    let text = list.to_string();
    for t in [&a, &b, &c] {
        assert!(!text.contains(t.as_str()), "token value listed");
    }
    assert!(!text.contains(API_TOKEN));
}

#[tokio::test]
async fn revoking_the_api_token_revokes_everyone_using_it() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;
    let agent = ctx.login_api_token(AGENT).await;
    let admin = ctx.login_api_token(ADMIN).await;
    let password = ctx.login().await;

    let (status, v) = ctx
        .control(
            Method::POST,
            "/_sandbox/octadesk/acme/revoke",
            &json!({"api_token": API_TOKEN}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["access_tokens_revoked"], 2);

    for t in [&agent, &admin] {
        let (status, v) = ctx.legacy_call(t, Method::GET, "/tickets", None).await;
        assert_eq!(status, 401);
        assert!(v["message"].as_str().unwrap().contains("revoked"), "{v}");
    }
    assert_eq!(
        ctx.legacy_call(&password, Method::GET, "/tickets", None)
            .await
            .0,
        200,
        "password logins are not affected"
    );
    let (status, v) = ctx
        .send(
            Method::POST,
            &ctx.legacy("/login/apiToken"),
            &[("apiToken", API_TOKEN)],
            Some(&json!({})),
        )
        .await;
    assert_eq!(status, 401);
    assert!(v["message"].as_str().unwrap().contains("revoked"), "{v}");

    // A new API token works; revoking an unknown one is a 404; a body naming neither is a 400.
    let (status, _) = ctx
        .control(
            Method::POST,
            "/_sandbox/octadesk/acme/credentials",
            &json!({"api_token": "octa.NEWTOKEN.0002"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, v) = ctx
        .send(
            Method::POST,
            &ctx.legacy("/login/apiToken"),
            &[("apiToken", "octa.NEWTOKEN.0002")],
            Some(&json!({})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = ctx
        .control(
            Method::POST,
            "/_sandbox/octadesk/acme/revoke",
            &json!({"api_token": "octa.UNKNOWN.TOKEN"}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, _) = ctx
        .control(Method::POST, "/_sandbox/octadesk/acme/revoke", &json!({}))
        .await;
    assert_eq!(status, 400);
    let states: Vec<Value> = ctx
        .control_get("/_sandbox/octadesk/acme/access-tokens")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].clone())
        .collect();
    assert_eq!(
        states,
        vec![
            json!("revoked"),
            json!("revoked"),
            json!("active"),
            json!("active")
        ]
    );
}

#[tokio::test]
async fn v1_authenticates_by_api_key_and_agent_email() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;

    let (status, v) = ctx
        .send(Method::GET, &ctx.v1("/auth/check"), &[], None)
        .await;
    assert_eq!(status, 401);
    assert!(v["message"].as_str().unwrap().contains("X-API-KEY"), "{v}");
    let (status, _) = ctx
        .send(
            Method::GET,
            &ctx.v1("/auth/check"),
            &[("x-api-key", "nope")],
            None,
        )
        .await;
    assert_eq!(status, 401);
    let bearer = format!("Bearer {}", ctx.login().await);
    let (status, _) = ctx
        .send(
            Method::GET,
            &ctx.v1("/auth/check"),
            &[("Authorization", &bearer)],
            None,
        )
        .await;
    assert_eq!(status, 401, "v1 does not take the legacy bearer");

    let (status, v) = ctx
        .v1_call(Some(AGENT), Method::GET, "/auth/check", None)
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["agentEmail"], AGENT);
    // Lowercase header, as some clients send it, and no agent: the account owner.
    let (status, v) = ctx
        .send(
            Method::GET,
            &ctx.v1("/auth/check"),
            &[("x-api-key", API_KEY)],
            None,
        )
        .await;
    assert_eq!((status, v["agentEmail"].as_str()), (200, Some(ADMIN)));
    let (status, v) = ctx
        .v1_call(Some("ghost@acme.com"), Method::GET, "/auth/check", None)
        .await;
    assert_eq!(status, 401);
    assert!(v["message"].as_str().unwrap().contains("ghost@acme.com"));

    let (status, _) = ctx
        .control(
            Method::POST,
            "/_sandbox/octadesk/acme/revoke",
            &json!({"api_key": API_KEY}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, v) = ctx
        .v1_call(Some(AGENT), Method::GET, "/tickets", None)
        .await;
    assert_eq!(status, 401);
    assert!(v["message"].as_str().unwrap().contains("revoked"), "{v}");
}

#[tokio::test]
async fn tenants_are_validated_and_come_from_the_seed_too() {
    let seed =
        SeedConfig::from_json_str(&json!({"octadesk": {"tenants": [tenant_body()]}}).to_string())
            .unwrap();
    let ctx = Ctx::start_with(Some(seed)).await;
    let token = ctx.login().await;
    assert_eq!(
        ctx.legacy_call(&token, Method::GET, "/organizations/org-ramos", None)
            .await
            .0,
        200
    );

    let mut dup = tenant_body();
    dup["name"] = json!("acme2");
    dup["subdomain"] = json!("acme2");
    let (status, v) = ctx
        .control(Method::POST, "/_sandbox/octadesk/tenants", &dup)
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (409, Some("conflict")),
        "same API token: {v}"
    );
    let (status, _) = ctx
        .control(Method::POST, "/_sandbox/octadesk/tenants", &tenant_body())
        .await;
    assert_eq!(status, 409, "same name");
    for (field, value, needle) in [
        ("users", json!([]), "users"),
        ("token_ttl_seconds", json!(0), "token_ttl_seconds"),
        ("webhook_url", json!("ftp://x"), "webhook_url"),
        ("api_tokenz", json!([]), "api_tokenz"),
        ("persons", json!([{"name": "no contact"}]), "persons[0]"),
    ] {
        let mut body = tenant_body();
        body["name"] = json!("other");
        body["subdomain"] = json!("other");
        body["api_tokens"] = json!([]);
        body["api_keys"] = json!([]);
        body[field] = value;
        let (status, v) = ctx
            .control(Method::POST, "/_sandbox/octadesk/tenants", &body)
            .await;
        assert_eq!(status, 400, "{field}: {v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(needle),
            "{v}"
        );
    }
    let view = ctx.control_get("/_sandbox/octadesk/tenants/acme").await;
    assert_eq!(view["subdomain"], "acme");
    assert!(!view.to_string().contains(API_TOKEN) && !view.to_string().contains(ADMIN_PASSWORD));
    let (status, _) = ctx
        .send(
            Method::DELETE,
            &ctx.url("/_sandbox/octadesk/tenants/acme"),
            &[],
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, v) = ctx.legacy_call(&token, Method::GET, "/tickets", None).await;
    assert_eq!(status, 401, "the tenant is gone: {v}");
}

#[tokio::test]
async fn faults_and_the_rate_limit_apply_per_tenant() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;
    let (status, v) = ctx
        .control(
            Method::PUT,
            "/_sandbox/faults/octadesk/acme",
            &json!({"error_rate": 1.0, "error_status": 503, "count": 1, "methods": ["GET"]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = ctx.v1_call(None, Method::GET, "/tickets", None).await;
    assert_eq!(
        (status, v),
        (503, json!({"message": "Service Unavailable"}))
    );
    assert_eq!(
        ctx.v1_call(None, Method::GET, "/tickets", None).await.0,
        200
    );
    let (status, _) = ctx
        .control(Method::PUT, "/_sandbox/faults/octadesk/nope", &json!({}))
        .await;
    assert_eq!(status, 404);

    let (status, _) = ctx
        .control(
            Method::PATCH,
            "/_sandbox/octadesk/tenants/acme",
            &json!({"rate_limit_per_minute": 3, "reset_limits": true}),
        )
        .await;
    assert_eq!(status, 200);
    for _ in 0..3 {
        assert_eq!(
            ctx.v1_call(None, Method::GET, "/tickets", None).await.0,
            200
        );
    }
    let (status, v, headers) = ctx
        .send_full(
            Method::GET,
            &ctx.v1("/tickets"),
            &[("X-API-KEY", API_KEY)],
            None,
        )
        .await;
    assert_eq!(status, 429, "{v}");
    assert!(headers.get("retry-after").is_some());
    let log = ctx
        .control_get("/_sandbox/requests?provider=octadesk&domain=acme&path=/octadesk/v1")
        .await;
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![503, 200, 200, 200, 200, 429]);
}
