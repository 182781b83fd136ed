//! Issue 11, item 3: a custom-field value the correlation cannot map drops
//! that field only; the action it rides on still crosses, and the link's
//! history says which field was left out.

use std::time::Duration;

use ponte_e2e::{Options, TestFleet, action_texts, id_of};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

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
async fn an_unmappable_custom_field_is_dropped_and_the_action_crosses() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t
        .movidesk_pair_with(
            "fields",
            json!({"correlation": {"custom_fields": [
                {"source": "100", "target": "200", "source_rule": 10, "target_rule": 20, "values": {"Sim": "Yes", "Não": "No"}},
                {"source": "101", "target": "201", "source_rule": 10, "target_rule": 20}
            ]}}),
            json!({}),
        )
        .await;
    let opened = t
        .sandbox
        .movidesk_ui_ticket(&pair.a, &json!({
            "type": 2, "subject": "Switch do 3º andar", "createdBy": {"id": "agent-a"}, "clients": [{"id": "ana"}],
            "customFieldValues": [{"customFieldId": 100, "customFieldRuleId": 10, "line": 1, "items": [{"customFieldItem": "Sim"}]}],
            "actions": [{"type": 2, "description": "O switch reinicia sozinho", "createdBy": {"id": "ana"}}]
        }))
        .await
        .expect("ticket");
    let a = id_of(&opened["id"]);
    let b = t.counterpart_id(&pair, &a).await;

    // B picks a value the correlation does not know for 200, and fills 201.
    t.sandbox
        .movidesk_ui_edit(&pair.b, &b, &json!({"changedBy": {"id": "agent-b"}, "customFieldValues": [
            {"customFieldId": 200, "customFieldRuleId": 20, "line": 1, "items": [{"customFieldItem": "Talvez"}]},
            {"customFieldId": 201, "customFieldRuleId": 20, "line": 1, "value": "Sala 3"}
        ]}))
        .await
        .expect("edit");
    t.sandbox
        .movidesk_ui_action(&pair.b, &b, &json!({"type": 1, "description": "Troquei a fonte do switch", "createdBy": {"id": "agent-b"}}))
        .await
        .expect("action");
    let ta = t
        .eventually("B's action in A", WAIT, || async {
            let ta = t.sandbox.movidesk_ticket(&pair.a, &a).await.ok()?;
            action_texts(&ta)
                .iter()
                .any(|x| x.contains("Troquei a fonte"))
                .then_some(ta)
        })
        .await;
    assert_eq!(
        cf(&ta, 100).as_deref(),
        Some("Sim"),
        "the unmappable value left A's field alone"
    );
    assert_eq!(
        cf(&ta, 101).as_deref(),
        Some("Sala 3"),
        "the other field crossed"
    );
    let links = t
        .admin
        .get(&format!("/links?integration={}", pair.integration))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let link = links["links"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no link: {links}"))
        .to_string();
    let history = t
        .eventually("the dropped field in the link's history", WAIT, || async {
            let h = t.admin.get(&format!("/links/{link}/history")).await.ok()?;
            h.to_string().contains("Talvez").then_some(h)
        })
        .await;
    assert!(
        history.to_string().contains("custom field 200"),
        "{history}"
    );
    let parked = t
        .admin
        .get("/dead-letters?queue=movidesk")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        parked["dead_letters"]
            .as_array()
            .is_none_or(|d| d.is_empty()),
        "nothing parked: {parked}"
    );
    t.teardown().await;
}

#[tokio::test]
async fn a_status_that_needs_a_justification_gets_the_correlated_one() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t
        .movidesk_pair_with(
            "justify",
            json!({"correlation": {
                "status": {"Novo": "Aberto", "Em atendimento": "Trabalhando", "Resolvido": "Solucionado"},
                "justification": {"Solucionado": "Resolvido pelo cliente"}
            }}),
            json!({"statuses": [
                {"name": "Aberto", "base": "New"}, {"name": "Trabalhando", "base": "InAttendance"},
                {"name": "Solucionado", "base": "Resolved", "justifications": ["Resolvido pelo cliente", "Sem retorno"]}
            ]}),
        )
        .await;
    let opened = t
        .sandbox
        .movidesk_ui_ticket(&pair.a, &json!({
            "type": 2, "subject": "Impressora", "createdBy": {"id": "agent-a"}, "clients": [{"id": "ana"}],
            "actions": [{"type": 2, "description": "Não imprime", "createdBy": {"id": "ana"}}]
        }))
        .await
        .expect("ticket");
    let a = id_of(&opened["id"]);
    let b = t.counterpart_id(&pair, &a).await;
    t.sandbox
        .movidesk_ui_status(&pair.a, &a, "Resolvido", "agent-a")
        .await
        .expect("status");
    let tb = t
        .eventually("B solved, with its justification", WAIT, || async {
            let tb = t.sandbox.movidesk_ticket(&pair.b, &b).await.ok()?;
            (tb["status"] == "Solucionado").then_some(tb)
        })
        .await;
    assert_eq!(tb["justification"], "Resolvido pelo cliente", "{tb}");
    let parked = t
        .admin
        .get("/dead-letters?queue=movidesk")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        parked["dead_letters"]
            .as_array()
            .is_none_or(|d| d.is_empty()),
        "nothing parked: {parked}"
    );
    t.teardown().await;
}

/// An agent of domain A changes a status in the web UI, with a justification.
async fn status_with(
    t: &TestFleet,
    domain: &str,
    id: &str,
    status: &str,
    justification: Option<&str>,
) {
    let r = t
        .http
        .post(format!(
            "{}/_sandbox/movidesk/{domain}/tickets/{id}/status",
            t.url(ponte_e2e::Svc::Sandbox)
        ))
        .json(&json!({"status": status, "justification": justification, "changedBy": {"id": "agent-a"}}))
        .send()
        .await
        .expect("status");
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
}

async fn b_in(t: &TestFleet, domain: &str, id: &str, status: &str) -> Value {
    t.eventually(&format!("B in `{status}`"), WAIT, || async {
        let tb = t.sandbox.movidesk_ticket(domain, id).await.ok()?;
        (tb["status"] == status).then_some(tb)
    })
    .await
}

#[tokio::test]
async fn the_source_justification_crosses_and_a_default_fills_a_missing_one() {
    let t = TestFleet::start(Options::default()).await;
    let justified = |name: &str, base: &str, list: &[&str]| json!({"name": name, "base": base, "justifications": list});
    // Both desks justify a solution the same way; only A knows "Duplicado",
    // only B "Desistência" (the integration's default). No table entry.
    let pair = t
        .movidesk_pair_with_domains(
            "justify-carry",
            json!({"correlation": {
                "status": {"Novo": "Aberto", "Em atendimento": "Trabalhando", "Parado": "Parado",
                           "Resolvido": "Solucionado", "Cancelado": "Cancelado"},
                "defaults": {"justification": "Desistência"}
            }}),
            json!({"statuses": [
                {"name": "Novo", "base": "New"}, {"name": "Em atendimento", "base": "InAttendance"},
                {"name": "Parado", "base": "Stopped"},
                justified("Resolvido", "Resolved", &["Resolvido pelo cliente", "Sem retorno"]),
                justified("Cancelado", "Canceled", &["Duplicado"]),
            ]}),
            json!({"statuses": [
                {"name": "Aberto", "base": "New"}, {"name": "Trabalhando", "base": "InAttendance"},
                {"name": "Parado", "base": "Stopped"},
                justified("Solucionado", "Resolved", &["Resolvido pelo cliente", "Sem retorno"]),
                justified("Cancelado", "Canceled", &["Desistência"]),
            ]}),
        )
        .await;
    let open = |subject: &'static str| {
        let t = &t;
        let domain = pair.a.clone();
        async move {
            let opened = t
                .sandbox
                .movidesk_ui_ticket(&domain, &json!({
                    "type": 2, "subject": subject, "createdBy": {"id": "agent-a"}, "clients": [{"id": "ana"}],
                    "actions": [{"type": 2, "description": subject, "createdBy": {"id": "ana"}}]
                }))
                .await
                .expect("ticket");
            id_of(&opened["id"])
        }
    };
    let a1 = open("Sem sinal").await;
    let a2 = open("Pedido repetido").await;
    let b1 = t.counterpart_id(&pair, &a1).await;
    let b2 = t.counterpart_id(&pair, &a2).await;

    // A status without justifications gets none, though a default exists.
    status_with(&t, &pair.a, &a1, "Parado", None).await;
    let tb = b_in(&t, &pair.b, &b1, "Parado").await;
    assert!(tb["justification"].is_null(), "{tb}");
    // A's own justification, shared by B, crosses as it is.
    status_with(&t, &pair.a, &a1, "Resolvido", Some("Sem retorno")).await;
    let tb = b_in(&t, &pair.b, &b1, "Solucionado").await;
    assert_eq!(tb["justification"], "Sem retorno", "{tb}");
    // One B does not have: the default fills it; nothing is parked.
    status_with(&t, &pair.a, &a2, "Cancelado", Some("Duplicado")).await;
    let tb = b_in(&t, &pair.b, &b2, "Cancelado").await;
    assert_eq!(tb["justification"], "Desistência", "{tb}");

    let link = format!("{}:{a1}", pair.integration);
    let h = t
        .admin
        .get(&format!("/links/{link}/history"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        h["history"]
            .as_array()
            .is_some_and(|l| l.iter().any(|e| e["detail"]
                .as_str()
                .is_some_and(|d| d.contains("`Solucionado` (justification `Sem retorno`)")))),
        "the history says which justification was sent: {h}"
    );
    let parked = t
        .admin
        .get("/dead-letters?queue=movidesk")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        parked["dead_letters"]
            .as_array()
            .is_none_or(|d| d.is_empty()),
        "nothing parked: {parked}"
    );
    t.teardown().await;
}
