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
