//! A broker outage costs no webhook: while the broker cannot confirm, the
//! ingress answers 202 from its durable spool and forwards in order once the
//! broker is back, also after a restart of the ingress.
//!
//! The broker goes away for the ingress only: it reaches RabbitMQ through a
//! TCP proxy the test cuts, so the shared broker keeps running and the rest
//! of the fleet keeps its connections.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use ponte_cli::fleet::FleetOptions;
use ponte_e2e::proxy::Proxy;
use ponte_e2e::{
    Options, Pair, RETRY_TIERS, SECRETS_KEY, Svc, TestFleet, amqp_url, redis_url, spool_root,
};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// The ingress of a test fleet, started by the test itself so that it can
/// be given the proxied broker URL.
struct OwnIngress {
    child: Child,
}

async fn start_ingress(t: &mut TestFleet, amqp: &str, extra: &[(&str, &str)]) -> OwnIngress {
    let bin = FleetOptions::default_bin_dir();
    let log_dir = bin.join("e2e-logs").join(&t.ns);
    std::fs::create_dir_all(&log_dir).expect("log dir");
    let log = std::fs::File::options()
        .create(true)
        .append(true)
        .open(log_dir.join("ponte-ingress.log"))
        .expect("log file");
    // Port 0 the first time (the kernel picks, nobody races for it); the
    // same port after a restart, where the providers' webhooks point.
    let addr_file = log_dir.join("ponte-ingress.own.addr");
    let _ = std::fs::remove_file(&addr_file);
    let env: BTreeMap<&str, String> = BTreeMap::from([
        ("PONTE_NAMESPACE", t.ns.clone()),
        ("PONTE_AMQP_URL", amqp.to_string()),
        ("PONTE_REDIS_URL", redis_url()),
        ("PONTE_SECRETS_KEY", SECRETS_KEY.to_string()),
        ("PONTE_EVENT_SHARDS", "2".into()),
        ("PONTE_WORK_SHARDS", "2".into()),
        ("PONTE_RETRY_TIERS", RETRY_TIERS.into()),
        ("PONTE_MAX_ATTEMPTS", "6".into()),
        ("PONTE_SPOOL_DIR", spool_root().display().to_string()),
        (
            "PONTE_INGRESS_ADDR",
            format!("127.0.0.1:{}", t.fleet.port(Svc::Ingress)),
        ),
        ("PONTE_ADDR_FILE", addr_file.display().to_string()),
        ("RUST_LOG", "info".into()),
    ]);
    let child = Command::new(bin.join("ponte-ingress"))
        .envs(env)
        .envs(extra.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone().expect("log")))
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .expect("ponte-ingress runs (cargo build -p ponte-ingress first)");
    let addr = t
        .eventually("the ingress's address", Duration::from_secs(30), || async {
            std::fs::read_to_string(&addr_file)
                .ok()?
                .trim()
                .parse()
                .ok()
        })
        .await;
    t.fleet.adopt(Svc::Ingress, addr);
    let health = format!("{}/healthz", t.url(Svc::Ingress));
    t.eventually("the ingress alive", Duration::from_secs(30), || async {
        let r = t.http.get(&health).send().await.ok()?;
        r.status().is_success().then_some(())
    })
    .await;
    OwnIngress { child }
}

/// The fleet without its ingress, the proxy in front of the broker, and our
/// own ingress behind the proxy.
async fn fleet_behind_proxy(extra: &[(&str, &str)]) -> (TestFleet, Proxy, String, OwnIngress) {
    let services = Svc::ALL
        .iter()
        .copied()
        .filter(|s| *s != Svc::Ingress)
        .collect();
    let mut t = TestFleet::start(Options {
        services,
        ..Options::default()
    })
    .await;
    let (proxy, proxied) = Proxy::for_amqp_url(&amqp_url()).await;
    let ingress = start_ingress(&mut t, &proxied, extra).await;
    (t, proxy, proxied, ingress)
}

async fn readyz(t: &TestFleet) -> (u16, Value) {
    let r = t
        .http
        .get(format!("{}/readyz", t.url(Svc::Ingress)))
        .send()
        .await
        .expect("the ingress answers");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Waits until domain A's trigger delivered `n` webhooks; their statuses.
async fn delivered_statuses(t: &TestFleet, pair: &Pair, n: usize) -> Vec<Value> {
    t.eventually(
        &format!("{n} webhooks delivered by domain A"),
        Duration::from_secs(30),
        || async {
            let log = t.sandbox.movidesk_webhooks(&pair.a).await.ok()?;
            let statuses: Vec<Value> = log.iter().map(|r| r["status"].clone()).collect();
            (statuses.len() >= n && statuses.iter().all(|s| !s.is_null())).then_some(statuses)
        },
    )
    .await
}

async fn wait_spool_depth(t: &TestFleet, depth: u64) -> Value {
    t.eventually(
        &format!("a spool depth of {depth}"),
        Duration::from_secs(60),
        || async {
            let (_, body) = readyz(t).await;
            (body["spool"]["depth"] == json!(depth)).then_some(body)
        },
    )
    .await
}

/// Every source ticket got exactly one counterpart and domain B saw exactly
/// one ticket creation per source ticket.
async fn each_once(t: &TestFleet, pair: &Pair, sources: &[String], before: usize) -> Vec<Value> {
    for a in sources {
        t.eventually(
            &format!("the counterpart of {a}"),
            Duration::from_secs(60),
            || async { (!t.counterparts(pair, &pair.b, a).await.is_empty()).then_some(()) },
        )
        .await;
    }
    // Give any duplicate time to appear before counting.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut found = vec![];
    for a in sources {
        let c = t.counterparts(pair, &pair.b, a).await;
        assert_eq!(c.len(), 1, "exactly one counterpart of {a}: {c:?}");
        found.push(c[0].clone());
    }
    let creates = t
        .sandbox
        .requests(&pair.b)
        .await
        .expect("request log")
        .into_iter()
        .filter(|r| {
            r["method"] == "POST"
                && r["path"].as_str().is_some_and(|p| p.ends_with("/tickets"))
                && r["status"] == 200
        })
        .count();
    assert_eq!(
        creates,
        sources.len() + before,
        "one ticket created in B per source"
    );
    found
}

#[tokio::test]
async fn webhooks_during_a_broker_outage_are_answered_202_and_processed_once() {
    let (t, proxy, _, ingress) = fleet_behind_proxy(&[]).await;
    let pair = t.movidesk_pair("spool").await;
    let (status, body) = readyz(&t).await;
    assert_eq!(
        (status, &body["spool"]["depth"]),
        (200, &json!(0)),
        "{body}"
    );
    // A pair linked before the outage.
    let linked = t.open_ticket(&pair, "Before the outage").await;
    let linked_b = t.counterpart_id(&pair, &linked).await;
    // Its creation and Ponte's marker on it, each a trigger webhook.
    delivered_statuses(&t, &pair, 2).await;

    proxy.cut();
    let mut sources = vec![];
    for i in 0..4 {
        sources.push(
            t.open_ticket(&pair, &format!("During the outage {i}"))
                .await,
        );
    }
    t.sandbox
        .movidesk_ui_action(&pair.a, &linked, &json!({"type": 2, "description": "Mais um detalhe, durante a queda", "createdBy": {"id": "ana"}}))
        .await
        .expect("action");
    // Movidesk triggers are not retried: each webhook had one chance.
    let statuses = delivered_statuses(&t, &pair, 7).await;
    assert!(
        statuses.iter().all(|s| *s == json!(202)),
        "every webhook answered 202: {statuses:?}"
    );

    let body = wait_spool_depth(&t, 5).await;
    assert_eq!(body["status"], "ready", "still taking webhooks: {body}");
    assert_eq!(body["spool"]["broker"], "unreachable", "{body}");
    assert!(
        t.metrics_page(Svc::Ingress)
            .await
            .contains("ponte_spool_depth 5\n"),
        "depth in the metrics"
    );
    assert!(
        t.counterparts(&pair, &pair.b, &sources[0]).await.is_empty(),
        "nothing went through while the broker was away"
    );

    proxy.restore();
    each_once(&t, &pair, &sources, 1).await;
    let first = linked_b;
    t.eventually(
        "the action made during the outage, in B",
        Duration::from_secs(30),
        || async {
            let tb = t.sandbox.movidesk_ticket(&pair.b, &first).await.ok()?;
            let n = ponte_e2e::action_texts(&tb)
                .iter()
                .filter(|x| x.contains("Mais um detalhe, durante a queda"))
                .count();
            (n > 0).then_some(n)
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let tb = t
        .sandbox
        .movidesk_ticket(&pair.b, &first)
        .await
        .expect("ticket");
    let mirrored = ponte_e2e::action_texts(&tb)
        .iter()
        .filter(|x| x.contains("Mais um detalhe, durante a queda"))
        .count();
    assert_eq!(mirrored, 1, "the action mirrored once");
    let body = wait_spool_depth(&t, 0).await;
    assert_eq!(body["spool"]["broker"], "confirming", "{body}");
    assert!(
        t.metrics_page(Svc::Ingress)
            .await
            .contains("ponte_spool_forwarded_total 5\n")
    );
    drop(ingress);
    t.teardown().await;
}

#[tokio::test]
async fn the_spool_survives_a_killed_ingress() {
    let (mut t, proxy, proxied, mut ingress) = fleet_behind_proxy(&[]).await;
    let pair = t.movidesk_pair("spoolkill").await;
    proxy.cut();
    let mut sources = vec![];
    for i in 0..3 {
        sources.push(t.open_ticket(&pair, &format!("Before the kill {i}")).await);
    }
    assert_eq!(delivered_statuses(&t, &pair, 3).await, vec![json!(202); 3]);
    wait_spool_depth(&t, 3).await;

    // SIGKILL: nothing gets a chance to flush.
    ingress.child.kill().await.expect("kill");
    let dir: PathBuf = spool_root().join(&t.ns);
    let files = std::fs::read_dir(&dir)
        .expect("spool dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".event"))
        .count();
    assert_eq!(files, 3, "three events on disk");

    proxy.restore();
    let _ingress = start_ingress(&mut t, &proxied, &[]).await;
    each_once(&t, &pair, &sources, 0).await;
    wait_spool_depth(&t, 0).await;
    t.teardown().await;
}

#[tokio::test]
async fn a_full_spool_answers_503_and_nothing_is_half_accepted() {
    // Room for a couple of webhooks.
    let (t, proxy, _, ingress) = fleet_behind_proxy(&[("PONTE_SPOOL_MAX_BYTES", "1500")]).await;
    let pair = t.movidesk_pair("spoolfull").await;
    t.sandbox
        .patch_domain(&pair.a, &json!({"webhook_url": null}))
        .await
        .expect("unhook");
    let url = format!(
        "{}/hooks/movidesk/spoolfull?token={}",
        t.url(Svc::Ingress),
        pair.secret_a
    );
    let hook =
        |id: &str| json!({"Id": id.parse::<i64>().expect("numeric id"), "Subject": "Full spool"});
    let mut tickets = vec![];
    for i in 0..6 {
        tickets.push(t.open_ticket(&pair, &format!("Full spool {i}")).await);
    }
    proxy.cut();
    let mut accepted = vec![];
    let mut refused = None;
    for id in &tickets {
        let r = t
            .http
            .post(&url)
            .json(&hook(id))
            .send()
            .await
            .expect("answer");
        match r.status().as_u16() {
            202 => accepted.push(id.clone()),
            503 => {
                let body: Value = r.json().await.expect("json");
                assert_eq!(body["error"]["code"], "spool_full", "{body}");
                refused = Some(id.clone());
                break;
            }
            other => panic!("unexpected {other}"),
        }
    }
    let refused = refused.expect("the spool filled up within six webhooks");
    assert!(!accepted.is_empty(), "the first webhook fit");
    let (status, body) = readyz(&t).await;
    assert_eq!(status, 503, "not ready with a full spool: {body}");
    assert_eq!(body["spool"]["depth"], json!(accepted.len()), "{body}");

    // The refused one was not taken nor remembered: the provider's retry is
    // accepted once there is room again.
    proxy.restore();
    wait_spool_depth(&t, 0).await;
    let retry = t
        .http
        .post(&url)
        .json(&hook(&refused))
        .send()
        .await
        .expect("answer");
    assert_eq!(retry.status(), 202);
    let body: Value = retry.json().await.expect("json");
    assert_eq!(body["duplicate"], false, "{body}");
    accepted.push(refused);
    each_once(&t, &pair, &accepted, 0).await;
    drop(ingress);
    t.teardown().await;
}
