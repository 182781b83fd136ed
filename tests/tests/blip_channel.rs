//! Seed 004: Take Blip's custom attendance channel served by a desk. The
//! customer talks on Blip; the agent works in Movidesk.

use std::time::Duration;

use ponte_e2e::{BlipDesk, Options, Svc, TestFleet, action_texts, id_of};
use reqwest::Method;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

async fn blip_ticket(t: &TestFleet, b: &BlipDesk, id: &str) -> Value {
    t.blip(Method::GET, &b.contract, &format!("/tickets/{id}"), None)
        .await
}

/// Agent messages the customer received, in order.
fn sent(ticket: &Value) -> Vec<String> {
    ticket["thread"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|m| m["direction"] == "sent")
        .map(|m| {
            m["content"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| m["content"].to_string())
        })
        .collect()
}

async fn desk_ticket_for(t: &TestFleet, b: &BlipDesk, blip_id: &str) -> Value {
    let tag = json!(format!("ponte-{}-{blip_id}", b.integration));
    t.eventually("the desk ticket", WAIT, || async {
        t.sandbox
            .movidesk_tickets(&b.desk)
            .await
            .ok()?
            .into_iter()
            .find(|tk| {
                tk["tags"]
                    .as_array()
                    .is_some_and(|tags| tags.contains(&tag))
            })
    })
    .await
}

#[tokio::test]
async fn a_full_conversation_between_a_blip_customer_and_a_desk_agent() {
    let t = TestFleet::start(Options::default()).await;
    let b = t.blip_desk("blip-desk").await;

    // The customer asks for attendance.
    let opened = t
        .blip(Method::POST, &b.contract, "/tickets", Some(json!({"customer": "5511999990001@wa.gw.msging.net", "first_message": "Olá, minha internet caiu"})))
        .await;
    let blip_id = opened["id"].as_str().expect("ticket id").to_string();

    // A desk ticket with the customer's first words; the Blip ticket is
    // assigned to the agent the desk owner maps to.
    let desk = desk_ticket_for(&t, &b, &blip_id).await;
    let desk_id = id_of(&desk["id"]);
    assert!(action_texts(&desk)[0].contains("internet caiu"), "{desk}");
    assert_eq!(desk["owner"]["id"], "agent-b");
    let client = desk["clients"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        !client.is_empty(),
        "the customer is the desk ticket's client"
    );
    t.eventually(
        "the Blip ticket open with the mapped agent",
        WAIT,
        || async {
            let bt = blip_ticket(&t, &b, &blip_id).await;
            (bt["status"] == "Open" && bt["agentIdentity"] == json!(b.agent)).then_some(())
        },
    )
    .await;

    // Three customer messages become public actions from the customer, in order.
    for text in [
        "Já reiniciei o modem",
        "A luz PON está vermelha",
        "Moro no apto 42",
    ] {
        t.blip(
            Method::POST,
            &b.contract,
            &format!("/tickets/{blip_id}/messages"),
            Some(json!({"type": "text/plain", "content": text})),
        )
        .await;
    }
    let desk = t
        .eventually("the customer's messages on the desk", WAIT, || async {
            let d = t.sandbox.movidesk_ticket(&b.desk, &desk_id).await.ok()?;
            (d["actions"].as_array()?.len() >= 4).then_some(d)
        })
        .await;
    let actions = desk["actions"].as_array().cloned().unwrap_or_default();
    let texts = action_texts(&desk);
    for (i, text) in [
        "Já reiniciei o modem",
        "A luz PON está vermelha",
        "Moro no apto 42",
    ]
    .iter()
    .enumerate()
    {
        assert!(texts[i + 1].contains(text), "in order: {texts:?}");
        assert_eq!(actions[i + 1]["type"], 2, "public");
        assert_eq!(
            actions[i + 1]["createdBy"]["id"],
            json!(client),
            "from the customer"
        );
    }

    // Three public agent replies reach the customer, in order; an internal
    // note does not.
    for text in [
        "Vou verificar sua conexão",
        "Reiniciei a porta OLT",
        "Pode testar agora?",
    ] {
        t.sandbox
            .movidesk_ui_action(
                &b.desk,
                &desk_id,
                &json!({"type": 2, "description": text, "createdBy": {"id": "agent-b"}}),
            )
            .await
            .expect("reply");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    t.sandbox.movidesk_ui_action(&b.desk, &desk_id, &json!({"type": 1, "description": "nota interna: OLT 7", "createdBy": {"id": "agent-b"}})).await.expect("note");
    t.eventually("the replies on Blip", WAIT, || async {
        (sent(&blip_ticket(&t, &b, &blip_id).await).len() >= 3).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let bt = blip_ticket(&t, &b, &blip_id).await;
    assert_eq!(
        sent(&bt),
        [
            "Vou verificar sua conexão",
            "Reiniciei a porta OLT",
            "Pode testar agora?"
        ],
        "in order, the note not sent"
    );
    let d = t
        .sandbox
        .movidesk_ticket(&b.desk, &desk_id)
        .await
        .expect("desk");
    assert_eq!(
        d["actions"].as_array().map(Vec::len),
        Some(8),
        "no echo of the replies or the customer's messages: {:#?}",
        action_texts(&d)
    );

    // Resolution closes the Blip ticket; a late reply is not sent.
    t.sandbox
        .movidesk_ui_status(&b.desk, &desk_id, "Resolvido", "agent-b")
        .await
        .expect("resolve");
    t.eventually("the Blip ticket closed by the attendant", WAIT, || async {
        (blip_ticket(&t, &b, &blip_id).await["status"] == "ClosedAttendant").then_some(())
    })
    .await;
    t.sandbox.movidesk_ui_action(&b.desk, &desk_id, &json!({"type": 2, "description": "Mais alguma coisa?", "createdBy": {"id": "agent-b"}})).await.expect("late");
    let link = format!("{}:{blip_id}", b.integration);
    t.eventually("the late reply recorded as dropped", WAIT, || async {
        let h = t.admin.get(&format!("/links/{link}/history")).await.ok()?;
        h["history"]
            .as_array()?
            .iter()
            .any(|e| {
                e["kind"] == "dropped" && e["detail"].as_str().unwrap_or("").contains("closed")
            })
            .then_some(())
    })
    .await;
    assert_eq!(
        sent(&blip_ticket(&t, &b, &blip_id).await).len(),
        3,
        "nothing after the close"
    );
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(dlq.contains("(none)"), "{dlq}");
    t.teardown().await;
}

#[tokio::test]
async fn repeated_deliveries_count_once_and_a_command_failure_is_parked_with_its_reason() {
    let t = TestFleet::start(Options::default()).await;
    let b = t.blip_desk("blip-fail").await;
    // Blip refuses the assignment (HTTP 200, status failure).
    let r = t
        .http
        .put(format!("{}/_sandbox/blip/{}/command-failure", t.url(Svc::Sandbox), b.contract))
        .json(&json!({"uri_prefix": "/tickets/change-status", "code": 32, "description": "agent not allowed", "count": 1}))
        .send()
        .await
        .expect("fault");
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
    let opened = t
        .blip(
            Method::POST,
            &b.contract,
            "/tickets",
            Some(json!({"customer": "5511999990002@wa.gw.msging.net", "first_message": "Oi"})),
        )
        .await;
    let blip_id = opened["id"].as_str().expect("id").to_string();
    let parked = t
        .eventually("the assignment parked", WAIT, || async {
            let v = t.admin.get("/dead-letters?queue=blip").await.ok()?;
            v["dead_letters"].as_array()?.first().cloned()
        })
        .await;
    let reason = parked["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("32") && reason.contains("agent not allowed"),
        "{reason}"
    );
    assert_eq!(parked["attempts"], 1, "a permanent failure is not retried");

    // The same envelope delivered three times: one desk action.
    let desk = desk_ticket_for(&t, &b, &blip_id).await;
    let desk_id = id_of(&desk["id"]);
    let url = format!("{}/hooks/blip/{}", t.url(Svc::Ingress), b.integration);
    let secret = format!("blip-channel-key-{}", b.contract);
    let envelope = json!({"type": "text/plain", "content": "mensagem repetida", "id": "fwd:fwd:repeat-1", "from": format!("{blip_id}@desk.msging.net/Webhook")});
    let mut answers = Vec::new();
    for _ in 0..3 {
        let r = t
            .http
            .post(&url)
            .header("authorization", &secret)
            .json(&envelope)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 202);
        answers.push(r.json::<Value>().await.expect("json")["duplicate"].clone());
    }
    assert_eq!(answers, [json!(false), json!(true), json!(true)]);
    t.eventually("the message on the desk", WAIT, || async {
        let d = t.sandbox.movidesk_ticket(&b.desk, &desk_id).await.ok()?;
        action_texts(&d)
            .iter()
            .any(|x| x.contains("mensagem repetida"))
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let d = t
        .sandbox
        .movidesk_ticket(&b.desk, &desk_id)
        .await
        .expect("desk");
    assert_eq!(
        action_texts(&d)
            .iter()
            .filter(|x| x.contains("mensagem repetida"))
            .count(),
        1
    );
    // The customer closes the conversation: the desk ticket follows the
    // configured status.
    t.blip(
        Method::POST,
        &b.contract,
        &format!("/tickets/{blip_id}/close"),
        None,
    )
    .await;
    t.eventually(
        "the desk ticket resolved after the customer closed",
        WAIT,
        || async {
            let d = t.sandbox.movidesk_ticket(&b.desk, &desk_id).await.ok()?;
            (d["status"] == "Resolvido").then_some(())
        },
    )
    .await;
    // A wrong channel key is refused.
    let r = t
        .http
        .post(&url)
        .header("authorization", "Key wrong")
        .json(&envelope)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 401);
    t.teardown().await;
}

#[tokio::test]
async fn every_lime_content_reads_as_text_and_the_team_drives_the_desk_ticket() {
    let t = TestFleet::start(Options::default()).await;
    // The Financeiro queue goes to agent-b in the Financeiro team, and the
    // team is written into the desk's custom field 901.
    let b = t
        .blip_desk_with(
            "blip-lime",
            json!({
                "agent": {"team:Financeiro": {"id": "agent-b", "team": "Financeiro"}},
                "custom_fields": [{"source": "blip.team", "target": "901", "target_rule": 7}]
            }),
        )
        .await;
    let opened = t
        .blip(
            Method::POST,
            &b.contract,
            "/tickets",
            Some(json!({"customer": "5511999990009@wa.gw.msging.net", "team": "Financeiro",
                        "first_message": {"type": "application/vnd.lime.location+json",
                                          "content": {"latitude": -23.55, "longitude": -46.63, "text": "Loja Paulista"}}})),
        )
        .await;
    let blip_id = opened["id"].as_str().expect("ticket id").to_string();
    let desk = desk_ticket_for(&t, &b, &blip_id).await;
    let desk_id = id_of(&desk["id"]);
    assert_eq!(desk["owner"]["id"], "agent-b", "{desk}");
    assert_eq!(
        desk["ownerTeam"], "Financeiro",
        "the team's mapping: {desk}"
    );
    let team_field = desk["customFieldValues"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|f| f["customFieldId"] == 901)
        .unwrap_or_else(|| panic!("no team field: {desk}"));
    assert_eq!(team_field["value"], "Financeiro");
    let first = action_texts(&desk)[0].clone();
    assert!(first.contains("Loja Paulista: -23.55, -46.63"), "{desk}");
    assert!(
        first.contains("— 5511999990009, ticket #"),
        "the customer named by their number, not `?`: {first}"
    );
    t.eventually("the Blip ticket open", WAIT, || async {
        let bt = blip_ticket(&t, &b, &blip_id).await;
        (bt["status"] == "Open").then_some(())
    })
    .await;

    let messages = [
        json!({"type": "application/vnd.lime.contact+json", "content": {"name": "Ana Souza", "phoneNumber": "+5511999990002"}}),
        json!({"type": "application/vnd.lime.reply+json", "content": {
            "replied": {"type": "text/plain", "value": "Sim, pode ser"},
            "inReplyTo": {"id": "m1", "type": "text/plain", "value": "Amanhã às 10h?", "direction": "sent"}}}),
        json!({"type": "application/vnd.lime.media-link+json", "content": {"type": "application/pdf", "uri": "https://files.example/nota.pdf", "title": "nota.pdf"}}),
        // "Typing…": a chat state is not a message and must not reach the desk.
        json!({"type": "application/vnd.lime.chatstate+json", "content": {"state": "composing"}}),
        json!({"type": "application/vnd.lime.select+json", "content": {"text": "Forma de pagamento", "options": [{"text": "Boleto"}, {"text": "Pix"}]}}),
        json!({"type": "application/vnd.lime.document-select+json", "content": {
            "header": {"type": "text/plain", "value": "Planos"},
            "options": [{"label": {"type": "text/plain", "value": "Básico"}},
                        {"label": {"type": "application/vnd.lime.web-link+json", "value": {"uri": "https://example.com/pro", "title": "Plano Pro"}}}]}}),
        json!({"type": "application/vnd.lime.web-link+json", "content": {"uri": "https://example.com/comprovante", "title": "Comprovante"}}),
        json!({"type": "text/plain", "content": "Obrigada!"}),
    ];
    // One desk action per message but the chat state, after the first words.
    let expected = messages.len();
    for m in &messages {
        t.blip(
            Method::POST,
            &b.contract,
            &format!("/tickets/{blip_id}/messages"),
            Some(m.clone()),
        )
        .await;
    }
    t.eventually("every message on the desk", WAIT, || async {
        let d = t.sandbox.movidesk_ticket(&b.desk, &desk_id).await.ok()?;
        (d["actions"].as_array()?.len() >= expected).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let desk = t
        .sandbox
        .movidesk_ticket(&b.desk, &desk_id)
        .await
        .expect("desk");
    let texts = action_texts(&desk);
    assert_eq!(
        texts.len(),
        expected,
        "every message once, the chat state not at all: {texts:?}"
    );
    assert!(
        texts.last().is_some_and(|x| x.contains("Obrigada!")),
        "in order: {texts:?}"
    );
    let all = texts.join("\n");
    for readable in [
        "👤 Contato: Ana Souza, telefone: +5511999990002",
        "Sim, pode ser",
        "em resposta a: \"Amanhã às 10h?\"",
        "Forma de pagamento",
        "2. Pix",
        "Planos",
        "1. Básico",
        "2. 🔗 Plano Pro — https://example.com/pro",
        "Comprovante — https://example.com/comprovante",
    ] {
        assert!(all.contains(readable), "`{readable}` in {texts:?}");
    }
    for text in &texts {
        assert!(
            !text.contains("{\"") && !text.contains("\":") && !text.contains("chatstate"),
            "raw JSON or a chat state reached the desk: {text}"
        );
    }
    let attachments = desk.to_string();
    assert!(
        attachments.contains("https://files.example/nota.pdf"),
        "the document's link is on the desk: {desk}"
    );
    t.teardown().await;
}
