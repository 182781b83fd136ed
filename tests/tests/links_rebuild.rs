//! Redis that forgets: everything of the namespace (a Redis without
//! persistence restarted), or only its last writes (AOF `everysec` losing
//! its last second). `ponte links rebuild` brings the links back from the
//! markers on the tickets, and no counterpart is created twice and no
//! action mirrored twice, counted at the sandbox.

use std::time::Duration;

use deadpool_redis::redis;
use ponte_e2e::{Options, Pair, Svc, TestFleet, action_texts, redis_url};
use ponte_store::Store;
use serde_json::{Value, json};

async fn action(t: &TestFleet, domain: &str, ticket: &str, text: &str, by: &str) {
    t.sandbox
        .movidesk_ui_action(
            domain,
            ticket,
            &json!({"type": 2, "description": text, "createdBy": {"id": by}}),
        )
        .await
        .unwrap_or_else(|e| panic!("action on {domain} #{ticket}: {e}"));
}

/// How many actions of `domain` #`ticket` carry `text`.
async fn times(t: &TestFleet, domain: &str, ticket: &str, text: &str) -> usize {
    let ticket = t
        .sandbox
        .movidesk_ticket(domain, ticket)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    action_texts(&ticket)
        .iter()
        .filter(|x| x.contains(text))
        .count()
}

async fn arrives(t: &TestFleet, domain: &str, ticket: &str, text: &str) {
    t.eventually(
        &format!("`{text}` on {domain} #{ticket}"),
        Duration::from_secs(45),
        || async { (times(t, domain, ticket, text).await > 0).then_some(()) },
    )
    .await;
}

async fn rebuild(t: &TestFleet, integration: &str) -> String {
    let (ok, out) = t
        .cli(&["links", "rebuild", "--integration", integration])
        .await;
    assert!(ok, "ponte links rebuild failed: {out}");
    out
}

async fn linked(t: &TestFleet, integration: &str) -> Vec<(String, String)> {
    let v: Value = t
        .admin
        .get(&format!("/links?integration={integration}"))
        .await
        .expect("links");
    let mut pairs: Vec<(String, String)> = v["links"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| {
            (
                l["source_ticket"].as_str().unwrap_or_default().to_string(),
                l["target_ticket"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

/// Successful ticket creations domain B received.
async fn creates(t: &TestFleet, pair: &Pair) -> usize {
    t.sandbox
        .requests(&pair.b)
        .await
        .expect("request log")
        .iter()
        .filter(|r| {
            r["method"] == "POST"
                && r["path"].as_str().is_some_and(|p| p.ends_with("/tickets"))
                && r["status"] == 200
        })
        .count()
}

async fn one_counterpart(t: &TestFleet, pair: &Pair, a: &str) -> String {
    let found = t.counterparts(pair, &pair.b, a).await;
    assert_eq!(found.len(), 1, "exactly one counterpart of #{a}: {found:?}");
    ponte_e2e::id_of(&found[0]["id"])
}

async fn redis_conn() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .expect("redis url")
        .get_multiplexed_async_connection()
        .await
        .expect("redis")
}

/// Every key of the namespace, as Redis would persist it.
async fn dump(ns: &str) -> Vec<(String, i64, Vec<u8>)> {
    let mut c = redis_conn().await;
    let mut keys: Vec<String> = vec![];
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{ns}:*"))
            .arg("COUNT")
            .arg(500)
            .query_async(&mut c)
            .await
            .expect("scan");
        keys.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let mut out = vec![];
    for k in keys {
        let data: Option<Vec<u8>> = redis::cmd("DUMP")
            .arg(&k)
            .query_async(&mut c)
            .await
            .expect("dump");
        let ttl: i64 = redis::cmd("PTTL")
            .arg(&k)
            .query_async(&mut c)
            .await
            .expect("pttl");
        if let Some(data) = data {
            out.push((k, ttl.max(0), data));
        }
    }
    out
}

/// The namespace as it was at `saved`: later writes are gone.
async fn restore(store: &Store, saved: &[(String, i64, Vec<u8>)]) {
    store.wipe().await.expect("wipe");
    let mut c = redis_conn().await;
    for (k, ttl, data) in saved {
        let _: () = redis::cmd("RESTORE")
            .arg(k)
            .arg(*ttl)
            .arg(data.as_slice())
            .arg("REPLACE")
            .query_async(&mut c)
            .await
            .expect("restore");
    }
}

#[tokio::test]
async fn redis_forgetting_everything_mid_flow_doubles_nothing_after_a_rebuild() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t.movidesk_pair("forget").await;
    let store = t.store();
    let integration = store
        .integration("forget")
        .await
        .expect("redis")
        .expect("applied");

    let mut a = vec![];
    let mut b = vec![];
    for i in 0..3 {
        let id = t.open_ticket(&pair, &format!("Antes {i}")).await;
        b.push(t.counterpart_id(&pair, &id).await);
        a.push(id);
    }
    action(&t, &pair.a, &a[0], "Antes da perda", "agent-a").await;
    arrives(&t, &pair.b, &b[0], "Antes da perda").await;
    action(&t, &pair.b, &b[1], "Resposta antes da perda", "agent-b").await;
    arrives(&t, &pair.a, &a[1], "Resposta antes da perda").await;

    // Mid-flow: a new ticket and an action are on their way when Redis
    // forgets everything; the operator applies the integrations again.
    let a3 = t.open_ticket(&pair, "Durante a perda").await;
    action(&t, &pair.a, &a[2], "Durante a perda, ação", "agent-a").await;
    store.wipe().await.expect("wipe");
    store.put_integration(&integration).await.expect("apply");

    let out = rebuild(&t, "forget").await;
    assert!(out.contains("links written"), "{out}");
    let links = linked(&t, "forget").await;
    for i in 0..3 {
        assert!(
            links.contains(&(a[i].clone(), b[i].clone())),
            "#{} ↔ #{} rebuilt: {links:?}",
            a[i],
            b[i]
        );
    }

    // The flow goes on, both ways.
    action(&t, &pair.a, &a[0], "Depois da reconstrução", "agent-a").await;
    action(&t, &pair.a, &a[2], "Depois, no terceiro", "agent-a").await;
    action(&t, &pair.a, &a3, "Ainda aguardando", "ana").await;
    action(&t, &pair.b, &b[1], "Resposta depois", "agent-b").await;
    arrives(&t, &pair.b, &b[0], "Depois da reconstrução").await;
    arrives(&t, &pair.b, &b[2], "Depois, no terceiro").await;
    arrives(&t, &pair.b, &b[2], "Durante a perda, ação").await;
    arrives(&t, &pair.a, &a[1], "Resposta depois").await;
    let b3 = t.counterpart_id(&pair, &a3).await;
    arrives(&t, &pair.b, &b3, "Ainda aguardando").await;
    // Give any duplicate time to appear before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;

    for id in a.iter().chain([&a3]) {
        one_counterpart(&t, &pair, id).await;
    }
    assert_eq!(creates(&t, &pair).await, 4, "four tickets created in B");
    for (domain, ticket, text) in [
        (&pair.b, &b[0], "Antes da perda"),
        (&pair.b, &b[0], "Depois da reconstrução"),
        (&pair.b, &b[2], "Durante a perda, ação"),
        (&pair.b, &b[2], "Depois, no terceiro"),
        (&pair.b, &b3, "Ainda aguardando"),
        (&pair.a, &a[1], "Resposta antes da perda"),
        (&pair.a, &a[1], "Resposta depois"),
    ] {
        assert_eq!(
            times(&t, domain, ticket, text).await,
            1,
            "`{text}` once on {domain} #{ticket}"
        );
    }
    t.teardown().await;
}

#[tokio::test]
async fn redis_losing_its_last_writes_doubles_nothing_after_a_rebuild() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t.movidesk_pair("lastsec").await;
    let store = t.store();
    let a0 = t.open_ticket(&pair, "Antigo").await;
    let b0 = t.counterpart_id(&pair, &a0).await;
    // Let the worker finish its bookkeeping before the "last fsync".
    tokio::time::sleep(Duration::from_secs(1)).await;
    let saved = dump(&t.ns).await;

    // Writes after the last fsync: a new pair and a mirrored action.
    let a1 = t.open_ticket(&pair, "Recente").await;
    let b1 = t.counterpart_id(&pair, &a1).await;
    action(&t, &pair.a, &a0, "Perdida com o último segundo", "agent-a").await;
    arrives(&t, &pair.b, &b0, "Perdida com o último segundo").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    restore(&store, &saved).await;
    // A real Redis gives back an older dump only when it starts again.
    t.redis_restarted().await;
    assert_eq!(
        linked(&t, "lastsec").await,
        vec![(a0.clone(), b0.clone())],
        "Redis forgot the newer link"
    );

    let out = rebuild(&t, "lastsec").await;
    assert!(out.contains("1 links written, 1 already there"), "{out}");
    let mut want = vec![(a0.clone(), b0.clone()), (a1.clone(), b1.clone())];
    want.sort();
    assert_eq!(linked(&t, "lastsec").await, want);

    action(&t, &pair.a, &a0, "Depois da restauração", "agent-a").await;
    action(&t, &pair.a, &a1, "Depois, no recente", "agent-a").await;
    arrives(&t, &pair.b, &b0, "Depois da restauração").await;
    arrives(&t, &pair.b, &b1, "Depois, no recente").await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    one_counterpart(&t, &pair, &a0).await;
    one_counterpart(&t, &pair, &a1).await;
    assert_eq!(creates(&t, &pair).await, 2, "two tickets created in B");
    for (ticket, text) in [
        (&b0, "Perdida com o último segundo"),
        (&b0, "Depois da restauração"),
        (&b1, "Depois, no recente"),
    ] {
        assert_eq!(
            times(&t, &pair.b, ticket, text).await,
            1,
            "`{text}` once on B #{ticket}"
        );
    }
    t.teardown().await;
}

#[tokio::test]
async fn rebuild_refuses_an_integration_without_searchable_markers() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Admin],
        ..Options::default()
    })
    .await;
    let body = json!({
        "id": "blipokdesk", "name": "no markers", "enabled": true, "mode": "automatic",
        "source": {"provider": "uis", "base_url": "http://127.0.0.1:9", "credentials": {"token": "x"}, "inbound_secret": "uis-secret-0123456789"},
        "target": {"provider": "okdesk", "base_url": "http://127.0.0.1:9", "credentials": {"api_token": "x"}, "inbound_secret": "okd-secret-0123456789"},
    });
    t.admin
        .put("/integrations/blipokdesk", &body)
        .await
        .expect("apply");
    let (ok, out) = t
        .cli(&["links", "rebuild", "--integration", "blipokdesk"])
        .await;
    assert!(!ok, "{out}");
    assert!(out.contains("carries markers"), "{out}");
    let (ok, out) = t
        .cli(&["links", "rebuild", "--integration", "nosuch"])
        .await;
    assert!(!ok && out.contains("no integration `nosuch`"), "{out}");
    t.teardown().await;
}
