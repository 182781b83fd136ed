//! The three ways into Octadesk against a local HTTP server: the access
//! token cached (by its JWT `exp`), shared by concurrent callers, renewed
//! once on a 401; refusals that say which credential was refused and never
//! show a secret.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ponte_core::{Endpoint, Provider, Secret};
use ponte_octadesk_io::auth::jwt;
use ponte_octadesk_io::{Client, TokenCache};
use ponte_store::Store;
use ponte_worker::{Accounts, ExecError, Priority};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const API_TOKEN: &str = "octa.SECRET-API-TOKEN.value";

fn endpoint(base: &str, creds: &[(&str, &str)]) -> Endpoint {
    Endpoint {
        provider: Provider::Octadesk,
        base_url: base.to_string(),
        credentials: creds
            .iter()
            .map(|(k, v)| (k.to_string(), Secret::new(*v)))
            .collect(),
        inbound_secret: Secret::new("inbound-secret-0123456789"),
        previous_inbound_secret: None,
        inbound_header: None,
        rate_per_second: 0,
        view: Default::default(),
        client_organization: None,
    }
}

fn api_token(base: &str) -> Endpoint {
    endpoint(
        base,
        &[
            ("api_token", API_TOKEN),
            ("agent_email", "ponte@acme.test"),
            ("subdomain", "acme"),
        ],
    )
}

/// A store that is never used (no rate limit configured): its pool
/// connects lazily.
fn store() -> Store {
    Store::new("redis://127.0.0.1:1", "unused").expect("store")
}

fn jwt_for(sub: &str, lifetime_secs: i64) -> String {
    let now = Utc::now().timestamp();
    jwt::unsigned(&json!({"sub": sub, "iat": now, "exp": now + lifetime_secs}))
}

async fn logins(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().starts_with("/login"))
        .count()
}

async fn ticket_reads(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().starts_with("/tickets/"))
        .count()
}

fn ticket_answer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"number": 1, "summary": "x", "status": "novo"}))
}

#[tokio::test]
async fn the_api_token_login_is_made_once_and_its_token_reused() {
    let server = MockServer::start().await;
    let token = jwt_for("a", 3600);
    Mock::given(method("POST"))
        .and(path("/login/apiToken"))
        .and(header("apiToken", API_TOKEN))
        .and(header("username", "ponte@acme.test"))
        .and(header("subDomain", "acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": token})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tickets/1"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ticket_answer())
        .mount(&server)
        .await;
    let (ep, tokens, store) = (api_token(&server.uri()), TokenCache::new(), store());
    let http = reqwest::Client::new();
    let client =
        Client::new(&http, &ep, &tokens, Accounts::new(&store, Priority::Live)).expect("client");
    for _ in 0..3 {
        let t = client.ticket("1").await.expect("read");
        assert_eq!(t.map(|t| t.number).as_deref(), Some("1"));
    }
    assert_eq!(logins(&server).await, 1);
    assert_eq!(tokens.logins(), 1);
}

#[tokio::test]
async fn a_token_near_its_exp_is_renewed_before_use() {
    let server = MockServer::start().await;
    // Issued 100 s ago, 5 s left: inside the renewal margin.
    let now = Utc::now().timestamp();
    let dying = jwt::unsigned(&json!({"iat": now - 100, "exp": now + 5}));
    Mock::given(method("POST"))
        .and(path("/login/apiToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": dying})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tickets/1"))
        .respond_with(ticket_answer())
        .mount(&server)
        .await;
    let (ep, tokens, store) = (api_token(&server.uri()), TokenCache::new(), store());
    let http = reqwest::Client::new();
    let client =
        Client::new(&http, &ep, &tokens, Accounts::new(&store, Priority::Live)).expect("client");
    client.ticket("1").await.expect("first");
    client.ticket("1").await.expect("second");
    assert_eq!(logins(&server).await, 2, "each use logs in again");
}

#[tokio::test]
async fn a_401_renews_the_token_once_and_the_call_succeeds() {
    let server = MockServer::start().await;
    let (old, new) = (jwt_for("old", 3600), jwt_for("new", 3600));
    Mock::given(method("POST"))
        .and(path("/login/apiToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": old})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login/apiToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": new})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tickets/1"))
        .and(header("authorization", format!("Bearer {old}").as_str()))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "token expired"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tickets/1"))
        .and(header("authorization", format!("Bearer {new}").as_str()))
        .respond_with(ticket_answer())
        .mount(&server)
        .await;
    let (ep, tokens, store) = (api_token(&server.uri()), TokenCache::new(), store());
    let http = reqwest::Client::new();
    let client =
        Client::new(&http, &ep, &tokens, Accounts::new(&store, Priority::Live)).expect("client");
    let t = client.ticket("1").await.expect("renewed");
    assert!(t.is_some());
    assert_eq!((logins(&server).await, ticket_reads(&server).await), (2, 2));
    // The renewed token is the one cached now.
    client.ticket("1").await.expect("again");
    assert_eq!(logins(&server).await, 2);
}

#[tokio::test]
async fn a_second_401_fails_with_a_clear_reason_and_no_loop() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/apiToken"))
        .respond_with(|_: &Request| {
            ResponseTemplate::new(200).set_body_json(json!({"token": jwt_for("x", 3600)}))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tickets/1"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "forbidden user"})),
        )
        .mount(&server)
        .await;
    let (ep, tokens, store) = (api_token(&server.uri()), TokenCache::new(), store());
    let http = reqwest::Client::new();
    let client =
        Client::new(&http, &ep, &tokens, Accounts::new(&store, Priority::Live)).expect("client");
    let e = client.ticket("1").await.expect_err("refused");
    let reason = e.to_string();
    assert!(matches!(e, ExecError::Permanent { .. }), "{reason}");
    assert!(
        reason.contains("even with a fresh access token"),
        "{reason}"
    );
    assert_eq!((logins(&server).await, ticket_reads(&server).await), (2, 2));
}

#[tokio::test]
async fn a_revoked_api_token_is_a_permanent_failure_that_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/apiToken"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "invalid apiToken"})),
        )
        .mount(&server)
        .await;
    let (ep, tokens, store) = (api_token(&server.uri()), TokenCache::new(), store());
    let http = reqwest::Client::new();
    let client =
        Client::new(&http, &ep, &tokens, Accounts::new(&store, Priority::Live)).expect("client");
    let e = client.ticket("1").await.expect_err("revoked");
    let reason = e.to_string();
    assert!(matches!(e, ExecError::Permanent { .. }));
    assert!(
        reason.contains("Octadesk refused the API token (revoked?)"),
        "{reason}"
    );
    assert!(!reason.contains("SECRET"), "no secret in {reason}");
    assert_eq!(ticket_reads(&server).await, 0);
    assert_eq!(tokens.logins(), 0, "nothing cached");
}

#[tokio::test]
async fn the_password_login_and_a_refused_password() {
    let server = MockServer::start().await;
    let token = jwt_for("p", 3600);
    Mock::given(method("POST"))
        .and(path("/login"))
        .and(header("subDomain", "acme"))
        .and(body_json(
            json!({"username": "admin@acme.test", "password": "pw-SECRET"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": token})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "invalid credentials"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tickets/1"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ticket_answer())
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let (tokens, store) = (TokenCache::new(), store());
    let good = endpoint(
        &server.uri(),
        &[
            ("user", "admin@acme.test"),
            ("password", "pw-SECRET"),
            ("subdomain", "acme"),
        ],
    );
    let client =
        Client::new(&http, &good, &tokens, Accounts::new(&store, Priority::Live)).expect("client");
    assert!(client.ticket("1").await.expect("read").is_some());
    let bad = endpoint(
        &server.uri(),
        &[
            ("user", "admin@acme.test"),
            ("password", "wrong-SECRET"),
            ("subdomain", "acme"),
        ],
    );
    let client =
        Client::new(&http, &bad, &tokens, Accounts::new(&store, Priority::Live)).expect("client");
    let reason = client.ticket("1").await.expect_err("refused").to_string();
    assert!(
        reason.contains("refused the user name or password"),
        "{reason}"
    );
    assert!(!reason.contains("SECRET"), "{reason}");
}

#[tokio::test]
async fn the_api_key_flow_sends_the_key_and_the_agent_and_never_logs_in() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/tickets/1"))
        .and(header("X-API-KEY", "key-SECRET"))
        .and(header("octa-agent-email", "ponte@acme.test"))
        .respond_with(ticket_answer())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tickets/2"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})))
        .mount(&server)
        .await;
    let ep = endpoint(
        &server.uri(),
        &[
            ("api_key", "key-SECRET"),
            ("agent_email", "ponte@acme.test"),
        ],
    );
    let (tokens, store) = (TokenCache::new(), store());
    let http = reqwest::Client::new();
    let client =
        Client::new(&http, &ep, &tokens, Accounts::new(&store, Priority::Live)).expect("client");
    assert!(client.ticket("1").await.expect("read").is_some());
    let reason = client.ticket("2").await.expect_err("refused").to_string();
    assert!(
        reason.contains("Octadesk refused the API key (revoked?)"),
        "{reason}"
    );
    assert!(!reason.contains("SECRET"));
    assert_eq!(logins(&server).await, 0);
}

#[tokio::test]
async fn concurrent_callers_share_one_login() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/apiToken"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"token": jwt_for("shared", 3600)}))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tickets/1"))
        .respond_with(ticket_answer())
        .mount(&server)
        .await;
    let ep = Arc::new(api_token(&server.uri()));
    let tokens = Arc::new(TokenCache::new());
    let store = Arc::new(store());
    let http = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let (ep, tokens, store, http) = (ep.clone(), tokens.clone(), store.clone(), http.clone());
        tasks.spawn(async move {
            let client = Client::new(&http, &ep, &tokens, Accounts::new(&store, Priority::Live))?;
            client.ticket("1").await
        });
    }
    while let Some(done) = tasks.join_next().await {
        assert!(done.expect("task").expect("read").is_some());
    }
    assert_eq!(logins(&server).await, 1);
    assert_eq!(ticket_reads(&server).await, 12);
}

#[tokio::test]
async fn a_ticket_the_desk_does_not_have_reads_as_none() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/apiToken"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"token": jwt_for("a", 3600)})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tickets/9"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})))
        .mount(&server)
        .await;
    let (ep, tokens, store) = (api_token(&server.uri()), TokenCache::new(), store());
    let http = reqwest::Client::new();
    let client =
        Client::new(&http, &ep, &tokens, Accounts::new(&store, Priority::Live)).expect("client");
    let found = client.ticket("9").await.expect("a 404 is not a failure");
    assert!(found.is_none());
    assert_eq!(ticket_reads(&server).await, 1);
}

#[tokio::test]
async fn a_404_from_the_login_is_a_failure_not_a_missing_ticket() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/apiToken"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "no such subdomain"})),
        )
        .mount(&server)
        .await;
    let (ep, tokens, store) = (api_token(&server.uri()), TokenCache::new(), store());
    let http = reqwest::Client::new();
    let client =
        Client::new(&http, &ep, &tokens, Accounts::new(&store, Priority::Live)).expect("client");
    let e = client.ticket("1").await.expect_err("the login failed");
    let reason = e.to_string();
    assert!(matches!(e, ExecError::Permanent { .. }), "{reason}");
    assert_eq!(e.status(), Some(404));
    assert!(reason.contains("no such subdomain"), "{reason}");
    assert_eq!(ticket_reads(&server).await, 0);
}
