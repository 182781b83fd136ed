//! Seed 000's walkthrough on the real fleet: conditions, correlation,
//! actions and statuses both ways, the reopen-only flag, custom fields
//! coming back with the next action, and tickets that start meeting the
//! conditions later.

use std::time::Duration;

use ponte_e2e::{Options, TestFleet, action_texts, id_of};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

fn integration() -> Value {
    json!({
        "conditions": {"match": "all", "rules": [{"field": "category", "op": "in", "values": ["Hardware", "Rede"]}]},
        "correlation": {
            "status": {"Novo": "Aberto", "Em atendimento": "Trabalhando", "Parado": "Pausado", "Resolvido": "Solucionado", "Fechado": "Encerrado", "Cancelado": "Descartado"},
            "category": {"Hardware": "Infraestrutura", "Rede": "Infraestrutura"},
            "urgency": {"Alta": "Urgente"},
            "defaults": {"urgency": "Normal"},
            "agent": {"agent-a": {"id": "agent-b", "team": "Suporte N2"}},
            "custom_fields": [{"source": "100", "target": "200", "source_rule": 10, "target_rule": 20, "values": {"Sim": "Yes", "Não": "No"}}]
        }
    })
}

fn domain_b() -> Value {
    json!({"statuses": [
        {"name": "Aberto", "base": "New"}, {"name": "Trabalhando", "base": "InAttendance"},
        {"name": "Pausado", "base": "Stopped"}, {"name": "Solucionado", "base": "Resolved"},
        {"name": "Encerrado", "base": "Closed"}, {"name": "Descartado", "base": "Canceled"}
    ]})
}

async fn ticket(t: &TestFleet, domain: &str, id: &str) -> Value {
    t.sandbox
        .movidesk_ticket(domain, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn until<F, Fut>(t: &TestFleet, what: &str, check: F) -> Value
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<Value>>,
{
    t.eventually(what, WAIT, check).await
}

fn cf(ticket: &Value, id: i64) -> Option<String> {
    ticket["customFieldValues"]
        .as_array()?
        .iter()
        .find(|c| c["customFieldId"] == json!(id) || c["customFieldId"] == json!(id.to_string()))
        .and_then(|c| {
            c["value"].as_str().map(str::to_string).or_else(|| {
                c["items"][0]["customFieldItem"]
                    .as_str()
                    .map(str::to_string)
            })
        })
}

#[tokio::test]
async fn seed_000_walkthrough() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t
        .movidesk_pair_with("walk", integration(), domain_b())
        .await;

    // A ticket that does not meet the conditions stays alone.
    let alone = t
        .sandbox
        .movidesk_ui_ticket(&pair.a, &json!({
            "type": 2, "subject": "Boleto", "category": "Financeiro", "createdBy": {"id": "agent-a"}, "clients": [{"id": "ana"}],
            "actions": [{"type": 2, "description": "Segunda via do boleto", "createdBy": {"id": "ana"}}]
        }))
        .await
        .expect("ticket");
    let alone = id_of(&alone["id"]);

    // One that does: its counterpart carries the correlated fields.
    let opened = t
        .sandbox
        .movidesk_ui_ticket(&pair.a, &json!({
            "type": 2, "subject": "Switch do 3º andar", "category": "Hardware", "urgency": "Alta",
            "owner": {"id": "agent-a"}, "ownerTeam": "Suporte",
            "createdBy": {"id": "agent-a"}, "clients": [{"id": "ana"}],
            "customFieldValues": [{"customFieldId": 100, "customFieldRuleId": 10, "line": 1, "items": [{"customFieldItem": "Sim"}]}],
            "actions": [{"type": 2, "description": "O switch reinicia sozinho", "createdBy": {"id": "ana"}}]
        }))
        .await
        .expect("ticket");
    let a = id_of(&opened["id"]);
    let b = t.counterpart_id(&pair, &a).await;
    let tb = ticket(&t, &pair.b, &b).await;
    assert_eq!(tb["category"], "Infraestrutura");
    assert_eq!(tb["urgency"], "Urgente");
    assert_eq!(
        tb["owner"]["id"], "agent-b",
        "the responsible per the agent correlation"
    );
    assert_eq!(tb["ownerTeam"], "Suporte N2");
    assert_eq!(
        cf(&tb, 200).as_deref(),
        Some("Yes"),
        "custom field per correlation: {}",
        tb["customFieldValues"]
    );

    // An action in A arrives in B as an internal action, author visible.
    t.sandbox
        .movidesk_ui_action(&pair.a, &a, &json!({"type": 2, "description": "Troquei o cabo de força", "createdBy": {"id": "agent-a"}}))
        .await
        .expect("action");
    let tb = until(&t, "A's action in B", || async {
        let tb = ticket(&t, &pair.b, &b).await;
        action_texts(&tb)
            .iter()
            .any(|x| x.contains("Troquei o cabo de força"))
            .then_some(tb)
    })
    .await;
    let mirrored = tb["actions"]
        .as_array()
        .and_then(|a| a.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(mirrored["type"], 1, "internal on the receiving side");
    assert!(
        action_texts(&tb)
            .last()
            .is_some_and(|x| x.contains("Agent A")),
        "the author is visible: {mirrored}"
    );

    // A public comment in B arrives in A as an internal action.
    t.sandbox
        .movidesk_ui_action(&pair.b, &b, &json!({"type": 2, "description": "Firmware atualizado", "createdBy": {"id": "agent-b"}}))
        .await
        .expect("comment");
    until(&t, "B's comment in A", || async {
        let ta = ticket(&t, &pair.a, &a).await;
        let last = ta["actions"].as_array()?.last()?.clone();
        (action_texts(&ta)
            .iter()
            .any(|x| x.contains("Firmware atualizado"))
            && last["type"] == 1)
            .then_some(ta)
    })
    .await;

    // A status change in B comes back to A per the correlation.
    t.sandbox
        .movidesk_ui_status(&pair.b, &b, "Trabalhando", "agent-b")
        .await
        .expect("status");
    until(&t, "A in attendance", || async {
        let ta = ticket(&t, &pair.a, &a).await;
        (ta["status"] == "Em atendimento").then_some(ta)
    })
    .await;

    // A custom field edited in B waits for B's next action, then reaches A.
    t.sandbox
        .movidesk_ui_edit(&pair.b, &b, &json!({"changedBy": {"id": "agent-b"}, "customFieldValues": [{"customFieldId": 200, "customFieldRuleId": 20, "line": 1, "items": [{"customFieldItem": "No"}]}]}))
        .await
        .expect("edit");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        cf(&ticket(&t, &pair.a, &a).await, 100).as_deref(),
        Some("Sim"),
        "not before the next action"
    );
    t.sandbox
        .movidesk_ui_action(&pair.b, &b, &json!({"type": 1, "description": "Cliente pediu retorno amanhã", "createdBy": {"id": "agent-b"}}))
        .await
        .expect("action");
    until(&t, "the custom field in A with B's next action", || async {
        let ta = ticket(&t, &pair.a, &a).await;
        (cf(&ta, 100).as_deref() == Some("Não")
            && action_texts(&ta)
                .iter()
                .any(|x| x.contains("retorno amanhã")))
        .then_some(ta)
    })
    .await;

    // With "send all status changes" on, A's changes cross.
    t.sandbox
        .movidesk_ui_status(&pair.a, &a, "Resolvido", "agent-a")
        .await
        .expect("status");
    until(&t, "B solved", || async {
        let tb = ticket(&t, &pair.b, &b).await;
        (tb["status"] == "Solucionado").then_some(tb)
    })
    .await;

    // Off: only a reopen crosses from A; B's changes still come back.
    let mut current = t.admin.get("/integrations/walk").await.expect("get");
    current["send_all_status_changes"] = json!(false);
    t.admin
        .put("/integrations/walk", &current)
        .await
        .expect("replace");
    t.sandbox
        .movidesk_ui_status(&pair.a, &a, "Em atendimento", "agent-a")
        .await
        .expect("reopen");
    until(&t, "the reopen in B", || async {
        let tb = ticket(&t, &pair.b, &b).await;
        (tb["status"] == "Trabalhando").then_some(tb)
    })
    .await;
    t.sandbox
        .movidesk_ui_status(&pair.a, &a, "Parado", "agent-a")
        .await
        .expect("stop");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        ticket(&t, &pair.b, &b).await["status"],
        "Trabalhando",
        "a non-reopen change does not cross"
    );
    t.sandbox
        .movidesk_ui_status(&pair.b, &b, "Encerrado", "agent-b")
        .await
        .expect("close");
    until(&t, "B's change back in A", || async {
        let ta = ticket(&t, &pair.a, &a).await;
        (ta["status"] == "Fechado").then_some(ta)
    })
    .await;

    // The lone ticket starts meeting the conditions: now it integrates.
    t.sandbox
        .movidesk_ui_edit(
            &pair.a,
            &alone,
            &json!({"category": "Rede", "changedBy": {"id": "agent-a"}}),
        )
        .await
        .expect("edit");
    t.counterpart_id(&pair, &alone).await;

    // Nothing doubled, nothing looped: the exact actions on each side.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ta = ticket(&t, &pair.a, &a).await;
    let tb = ticket(&t, &pair.b, &b).await;
    assert_eq!(
        ta["actions"].as_array().map(Vec::len),
        Some(4),
        "A: first, own, B's comment, B's action: {:#?}",
        action_texts(&ta)
    );
    assert_eq!(
        tb["actions"].as_array().map(Vec::len),
        Some(4),
        "B: first, A's action, own comment, own action: {:#?}",
        action_texts(&tb)
    );
    let history = t
        .admin
        .get(&format!("/links/walk:{a}/history"))
        .await
        .expect("history");
    let kinds: Vec<String> = history["history"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|h| h["kind"].as_str().unwrap_or("").to_string())
        .collect();
    for kind in [
        "created_automatically",
        "action_mirrored",
        "status_mirrored",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "history has {kind}: {kinds:?}"
        );
    }
    assert!(
        history["history"]
            .as_array()
            .is_some_and(|h| h.iter().all(|e| e["trace_id"].is_string())),
        "trace ids in history"
    );
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(dlq.contains("(none)"), "{dlq}");
    t.teardown().await;
}

#[tokio::test]
async fn an_unmapped_value_parks_the_command_with_a_reason_naming_it() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t
        .movidesk_pair_with("unmapped", integration(), domain_b())
        .await;
    let a = t.open_ticket(&pair, "Sem categoria").await;
    // No category: conditions not met. Give it one the correlation lacks
    // but the conditions accept: conditions take Rede, correlation maps it;
    // use an urgency with no mapping and no default instead.
    let mut current = t.admin.get("/integrations/unmapped").await.expect("get");
    current["correlation"]["defaults"] = json!({});
    t.admin
        .put("/integrations/unmapped", &current)
        .await
        .expect("replace");
    t.sandbox
        .movidesk_ui_edit(
            &pair.a,
            &a,
            &json!({"category": "Rede", "urgency": "Baixa", "changedBy": {"id": "agent-a"}}),
        )
        .await
        .expect("edit");
    let parked = until(&t, "the parked create", || async {
        let v = t.admin.get("/dead-letters?queue=movidesk").await.ok()?;
        v["dead_letters"].as_array()?.first().cloned()
    })
    .await;
    let reason = parked["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("urgency") && reason.contains("`Baixa`"),
        "{reason}"
    );
    assert!(t.counterparts(&pair, &pair.b, &a).await.is_empty());
    t.teardown().await;
}
