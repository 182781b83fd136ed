//! Issue 11, item 8: what agents see of an integration inside Movidesk —
//! the counterpart's number and URL where configured, the counterpart's
//! status on the link (API and CLI), and Ponte's history lines as internal
//! actions, once each; with the options off, not one extra call.

use std::time::Duration;

use ponte_e2e::{Options, Pair, Svc, TestFleet, action_texts};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

fn services() -> Options {
    Options {
        services: vec![
            Svc::Sandbox,
            Svc::Router,
            Svc::WorkerMovidesk,
            Svc::Ingress,
            Svc::Admin,
        ],
        env: vec![],
    }
}

/// Two sandbox domains and an automatic integration whose endpoints carry
/// `view_a` and `view_b` (desk-view options).
async fn integrated(t: &TestFleet, id: &str, view_a: Value, view_b: Value) -> Pair {
    let pair = t.movidesk_domains(id, json!({})).await;
    let api = t.sandbox.movidesk_api();
    let endpoint = |token: String, secret: &str, view: &Value| {
        let mut e = json!({"provider": "movidesk", "base_url": api, "credentials": {"token": token}, "inbound_secret": secret});
        if let (Some(e), Some(v)) = (e.as_object_mut(), view.as_object()) {
            e.extend(v.clone());
        }
        e
    };
    let body = json!({
        "id": id, "name": id, "enabled": true, "mode": "automatic", "client_key": "email",
        "generator_agent": "gen-b", "source_agent": "ponte-a", "reconcile_every_secs": 0,
        "source": endpoint(pair.token_a(), &pair.secret_a, &view_a),
        "target": endpoint(pair.token_b(), &pair.secret_b, &view_b),
    });
    t.admin
        .put(&format!("/integrations/{id}"), &body)
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    pair
}

async fn ticket(t: &TestFleet, domain: &str, id: &str) -> Value {
    t.sandbox
        .movidesk_ticket(domain, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn field(ticket: &Value, id: i64) -> Option<String> {
    ticket["customFieldValues"]
        .as_array()?
        .iter()
        .find(|c| c["customFieldId"] == json!(id))
        .and_then(|c| c["value"].as_str().map(str::to_string))
}

/// Internal actions Ponte's agent wrote on the ticket whose text has `what`.
fn ponte_notes(ticket: &Value, agent: &str, what: &str) -> usize {
    ticket["actions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|a| a["type"] == 1 && a["createdBy"]["id"] == agent)
        .filter(|a| action_texts(&json!({"actions": [a]}))[0].contains(what))
        .count()
}

async fn settle(t: &TestFleet) {
    t.settled(WAIT).await;
    // Echo webhooks of the last writes reach the ingress a moment later.
    tokio::time::sleep(Duration::from_millis(800)).await;
    t.settled(WAIT).await;
}

#[tokio::test]
async fn agents_see_the_counterpart_its_status_and_the_link_history_in_movidesk() {
    let t = TestFleet::start(services()).await;
    let pair = integrated(
        &t,
        "view",
        json!({
            "ticket_url": "https://a.example/Ticket/Edit/{id}",
            "counterpart_field": {"id": 900, "rule": 90},
            "history_in_ticket": true,
        }),
        json!({"ticket_url": "https://b.example/Ticket/Edit/{id}", "counterpart_note": true}),
    )
    .await;
    let a = t.open_ticket(&pair, "Impressora sem toner").await;
    let b = t.counterpart_id(&pair, &a).await;

    // A shows B's number and URL in its field, beside the marker tag.
    let shown = format!("Movidesk #{b} — https://b.example/Ticket/Edit/{b}");
    let ta = t
        .eventually("B's number in A's field", WAIT, || async {
            let ta = ticket(&t, &pair.a, &a).await;
            (field(&ta, 900).as_deref() == Some(shown.as_str())).then_some(ta)
        })
        .await;
    assert!(
        ta["tags"]
            .as_array()
            .is_some_and(|tags| tags.contains(&json!(format!("ponte-view-{b}")))),
        "the marker stays: {ta}"
    );
    // B shows A's number and URL in its opening action (no call of its own).
    let tb = ticket(&t, &pair.b, &b).await;
    assert!(
        action_texts(&tb)[0].contains(&format!(
            "<a href=\"https://a.example/Ticket/Edit/{a}\">#{a}</a>"
        )),
        "{tb}"
    );
    assert!(
        field(&tb, 900).is_none(),
        "B has no counterpart field configured"
    );

    // The creation's history line is an internal action on A, once.
    t.eventually("the creation's line on A", WAIT, || async {
        let ta = ticket(&t, &pair.a, &a).await;
        (ponte_notes(&ta, "ponte-a", "integrated ticket created automatically") == 1).then_some(())
    })
    .await;
    settle(&t).await;

    // B's agent changes B's status; the answers to A's next two PATCHes
    // (the status, then its history line) are lost after they applied.
    t.sandbox
        .fault(
            &pair.a,
            &json!({"error_rate": 1.0, "error_status": 502, "methods": ["PATCH"], "count": 2, "after_effect": true}),
        )
        .await
        .expect("fault");
    t.sandbox
        .movidesk_ui_status(&pair.b, &b, "Em atendimento", "agent-b")
        .await
        .expect("status");

    // The link follows: the counterpart's status through the API...
    let link = format!("view:{a}");
    t.eventually("B's status on the link", WAIT, || async {
        let l = t.admin.get(&format!("/links/{link}")).await.ok()?;
        (l["status"]["target"]["status"] == "Em atendimento").then_some(())
    })
    .await;
    t.eventually("A's status crossed", WAIT, || async {
        (ticket(&t, &pair.a, &a).await["status"] == "Em atendimento").then_some(())
    })
    .await;
    settle(&t).await;
    // ...and the real CLI.
    let (ok, out) = t.cli(&["links", "show", &link]).await;
    assert!(ok, "{out}");
    let target_row = out
        .lines()
        .find(|l| l.starts_with("target"))
        .unwrap_or_default();
    assert!(
        target_row.contains(&format!("#{b}")) && target_row.contains("Em atendimento"),
        "{out}"
    );

    // The crossed status's line is on A once, though its PATCH was
    // answered with an error after it applied and the command ran again.
    let ta = ticket(&t, &pair.a, &a).await;
    assert_eq!(
        ponte_notes(&ta, "ponte-a", "status mirrored"),
        1,
        "{}",
        action_texts(&ta).join("\n")
    );
    assert_eq!(
        ponte_notes(&ta, "ponte-a", "integrated ticket created automatically"),
        1
    );
    // B asked for no history: nothing of Ponte's beyond its opening action.
    let tb = ticket(&t, &pair.b, &b).await;
    assert_eq!(ponte_notes(&tb, "gen-b", "Ponte ·"), 0, "{tb}");
    let (ok, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(ok && dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}

#[tokio::test]
async fn with_the_options_off_a_link_costs_no_extra_movidesk_call() {
    let t = TestFleet::start(services()).await;
    let pair = integrated(&t, "plain", json!({}), json!({})).await;
    settle(&t).await;
    let before_a = t.sandbox.requests(&pair.a).await.expect("log").len();
    let before_b = t.sandbox.requests(&pair.b).await.expect("log").len();

    let a = t.open_ticket(&pair, "Sem opções").await;
    let b = t.counterpart_id(&pair, &a).await;
    settle(&t).await;
    t.sandbox
        .movidesk_ui_status(&pair.b, &b, "Em atendimento", "agent-b")
        .await
        .expect("status");
    t.eventually("A's status crossed", WAIT, || async {
        (ticket(&t, &pair.a, &a).await["status"] == "Em atendimento").then_some(())
    })
    .await;
    settle(&t).await;

    let calls = |log: Vec<Value>, skip: usize| -> Vec<String> {
        log.iter()
            .skip(skip)
            .map(|r| {
                format!(
                    "{} {}",
                    r["method"].as_str().unwrap_or("?"),
                    r["path"].as_str().unwrap_or("?")
                )
            })
            .collect()
    };
    let on_a = calls(t.sandbox.requests(&pair.a).await.expect("log"), before_a);
    let on_b = calls(t.sandbox.requests(&pair.b).await.expect("log"), before_b);
    let writes = |c: &[String]| c.iter().filter(|c| !c.starts_with("GET")).count();
    // A: the marker tag and the crossed status. B: the create.
    assert_eq!(writes(&on_a), 2, "A: {on_a:?}");
    assert_eq!(writes(&on_b), 1, "B: {on_b:?}");
    let ta = ticket(&t, &pair.a, &a).await;
    assert_eq!(ponte_notes(&ta, "ponte-a", ""), 0, "no note on A: {ta}");
    assert!(field(&ta, 900).is_none());
    let tb = ticket(&t, &pair.b, &b).await;
    assert!(!action_texts(&tb)[0].contains("Integrated ticket"), "{tb}");
    // The link still knows both statuses: they cost no call.
    let l = t
        .admin
        .get(&format!("/links/plain:{a}"))
        .await
        .expect("link");
    assert_eq!(l["status"]["target"]["status"], "Em atendimento", "{l}");
    t.teardown().await;
}
