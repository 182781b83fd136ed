//! Seed 002: Octadesk as a desk, end to end on the sandbox — each of its
//! three ways in (legacy `POST /login/apiToken`, legacy `POST /login`, the
//! API-key API), an expired access token renewed once without losing the
//! command, a revoked API token parked with its reason; a Blip
//! conversation served by an Octadesk desk, a lost UIS call opening an
//! Octadesk ticket and a Movidesk ticket mirrored to Octadesk, all through
//! the canonical commands (no Octadesk code in the router).

use std::time::Duration;

use ponte_cli::sandbox::domain_spec;
use ponte_e2e::budget;
use ponte_e2e::{Options, Svc, TestFleet, id_of};
use reqwest::Method;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);
/// The fleet; its launcher starts `ponte-worker-octadesk` with the rest
/// (the second value is kept for the callers' shape: no extra child).
async fn start() -> (TestFleet, Option<tokio::process::Child>) {
    (TestFleet::start(Options::default()).await, None)
}

/// A fleet with Ponte's Movidesk limiter at the documented budget; the
/// flows between Movidesk and Octadesk run with it and the sandbox's own
/// limit and lockout on (issue 11, item 15).
async fn start_budgeted() -> (TestFleet, Option<tokio::process::Child>) {
    (budget::budgeted_fleet().await, None)
}

/// Calls the sandbox's control API; panics on a non-2xx answer.
async fn control(t: &TestFleet, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut req = t
        .http
        .request(method, format!("{}/_sandbox{path}", t.url(Svc::Sandbox)));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "sandbox {path}: {status} {v}");
    v
}

async fn list(t: &TestFleet, path: &str) -> Vec<Value> {
    control(t, Method::GET, path, None)
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// How the integration's Octadesk endpoint gets in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Flow {
    ApiToken,
    Password,
    ApiKey,
}

/// An Octadesk tenant in the sandbox and the endpoint Ponte uses for it.
struct Octa {
    tenant: String,
    /// Ponte's agent (the API user) and a human agent.
    ponte: String,
    agent: String,
    api_token: String,
    endpoint: Value,
}

/// A tenant whose automations call the ingress for `integration`, and the
/// endpoint that gets in by `flow`.
async fn octadesk(t: &TestFleet, integration: &str, flow: Flow, organizations: Value) -> Octa {
    octadesk_with(t, integration, flow, organizations, json!([])).await
}

/// Like [`octadesk`], with persons the tenant already has.
async fn octadesk_with(
    t: &TestFleet,
    integration: &str,
    flow: Flow,
    organizations: Value,
    persons: Value,
) -> Octa {
    let tenant = format!("{}-{integration}", t.ns);
    let ponte = format!("ponte@{tenant}.test");
    let agent = format!("bia@{tenant}.test");
    let api_token = format!("octa.{tenant}.api-token");
    let api_key = format!("{tenant}-key.0123456789");
    let secret = format!("octa-secret-{}-0123456789", t.ns);
    control(
        t,
        Method::POST,
        "/octadesk/tenants",
        Some(json!({
            "name": tenant,
            "users": [
                {"email": ponte, "password": "ponte-password", "name": "Ponte", "role": "owner"},
                {"email": agent, "password": "bia-password", "name": "Bia (agent)", "role": "agent"}
            ],
            "api_tokens": [api_token], "api_keys": [api_key],
            "token_ttl_seconds": 3600,
            "webhook_url": format!("{}/hooks/octadesk/{integration}?token={secret}", t.url(Svc::Ingress)),
            "webhook_delay_ms": 50,
            "organizations": organizations,
            "persons": persons
        })),
    )
    .await;
    let sandbox = t.url(Svc::Sandbox);
    let (base, credentials) = match flow {
        Flow::ApiToken => (
            format!("{sandbox}/octadesk"),
            json!({"api_token": api_token, "agent_email": ponte, "subdomain": tenant}),
        ),
        Flow::Password => (
            format!("{sandbox}/octadesk"),
            json!({"user": ponte, "password": "ponte-password", "subdomain": tenant}),
        ),
        Flow::ApiKey => (
            format!("{sandbox}/octadesk/v1"),
            json!({"api_key": api_key, "agent_email": ponte}),
        ),
    };
    Octa {
        endpoint: json!({"provider": "octadesk", "base_url": base, "credentials": credentials, "inbound_secret": secret}),
        tenant,
        ponte,
        agent,
        api_token,
    }
}

/// A Blip contract served by an Octadesk desk.
struct BlipOcta {
    integration: String,
    contract: String,
    /// The Blip agent the desk maps to.
    blip_agent: String,
    octa: Octa,
}

/// A sandbox Blip contract whose custom channel calls the ingress, an
/// Octadesk tenant, and the automatic integration between them: requesters
/// found by phone, the Blip ticket assigned to the default Blip agent, a
/// customer's close → `Resolvido`.
async fn blip_octadesk(t: &TestFleet, integration: &str, flow: Flow) -> BlipOcta {
    let contract = format!("{}-{integration}", t.ns);
    let key = format!("blip-key-{contract}");
    let channel_key = format!("blip-channel-key-{contract}");
    let blip_agent = "bia%40desk.test@blip.ai".to_string();
    control(
        t,
        Method::POST,
        "/blip/contracts",
        Some(json!({
            "name": contract, "key": key,
            "webhook_url": format!("{}/hooks/blip/{integration}", t.url(Svc::Ingress)),
            "webhook_auth_header": "Authorization", "webhook_auth_key": channel_key,
            "agents": [blip_agent],
            "messages_per_second": 0, "commands_per_second": 0
        })),
    )
    .await;
    let octa = octadesk(t, integration, flow, json!([])).await;
    let body = json!({
        "id": integration, "name": format!("{integration} test"), "mode": "automatic",
        "client_key": "phone", "generator_agent": octa.ponte, "reconcile_every_secs": 0,
        "correlation": {
            "status": {"ClosedClient": "Resolvido"},
            "defaults": {"agent_back": {"id": blip_agent}}
        },
        "source": {"provider": "blip", "base_url": format!("{}/blip", t.url(Svc::Sandbox)), "credentials": {"key": key}, "inbound_secret": channel_key, "inbound_header": "Authorization"},
        "target": octa.endpoint,
    });
    t.admin
        .put(&format!("/integrations/{integration}"), &body)
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    BlipOcta {
        integration: integration.to_string(),
        contract,
        blip_agent,
        octa,
    }
}

async fn blip(
    t: &TestFleet,
    b: &BlipOcta,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    control(t, method, &format!("/blip/{}{path}", b.contract), body).await
}

/// A customer asks for attendance; the Blip ticket's id.
async fn open_conversation(t: &TestFleet, b: &BlipOcta, phone: &str, first: &str) -> String {
    let opened = blip(
        t,
        b,
        Method::POST,
        "/tickets",
        Some(json!({"customer": format!("{phone}@wa.gw.msging.net"), "first_message": first})),
    )
    .await;
    opened["id"]
        .as_str()
        .unwrap_or_else(|| panic!("ticket id in {opened}"))
        .to_string()
}

/// The Octadesk ticket carrying Ponte's marker for `source`.
async fn desk_ticket(t: &TestFleet, octa: &Octa, integration: &str, source: &str) -> Value {
    let tag = json!(format!("ponte-{integration}-{source}"));
    t.eventually("the Octadesk ticket", WAIT, || async {
        list(t, &format!("/octadesk/{}/tickets", octa.tenant))
            .await
            .into_iter()
            .find(|x| x["tags"].as_array().is_some_and(|tags| tags.contains(&tag)))
    })
    .await
}

async fn ticket(t: &TestFleet, octa: &Octa, number: &str) -> Value {
    control(
        t,
        Method::GET,
        &format!("/octadesk/{}/tickets/{number}", octa.tenant),
        None,
    )
    .await
}

/// `(kind, content)` of every comment of a ticket, oldest first.
fn comments(ticket: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in ticket["interactions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        for kind in ["description", "public", "internal"] {
            if let Some(c) = i["comments"][kind]["content"].as_str() {
                out.push((kind.to_string(), c.to_string()));
            }
        }
    }
    out
}

async fn wait_for_comment(t: &TestFleet, octa: &Octa, number: &str, text: &str) -> Value {
    t.eventually(&format!("the comment `{text}`"), WAIT, || async {
        let tk = ticket(t, octa, number).await;
        comments(&tk)
            .iter()
            .any(|(_, c)| c.contains(text))
            .then_some(tk)
    })
    .await
}

/// Waits until the Blip ticket is assigned (only then does Blip forward
/// the customer's messages).
async fn assigned(t: &TestFleet, b: &BlipOcta, blip_id: &str) {
    t.eventually(
        "the Blip ticket open with the mapped agent",
        WAIT,
        || async {
            let bt = blip(t, b, Method::GET, &format!("/tickets/{blip_id}"), None).await;
            (bt["status"] == "Open" && bt["agentIdentity"] == json!(b.blip_agent)).then_some(())
        },
    )
    .await;
}

async fn customer_says(t: &TestFleet, b: &BlipOcta, blip_id: &str, text: &str) {
    blip(
        t,
        b,
        Method::POST,
        &format!("/tickets/{blip_id}/messages"),
        Some(json!({"type": "text/plain", "content": text})),
    )
    .await;
}

async fn access_tokens(t: &TestFleet, octa: &Octa) -> Vec<Value> {
    list(t, &format!("/octadesk/{}/access-tokens", octa.tenant)).await
}

async fn dead_letters(t: &TestFleet) -> Vec<Value> {
    t.admin
        .get("/dead-letters?queue=octadesk")
        .await
        .ok()
        .and_then(|v| v["dead_letters"].as_array().cloned())
        .unwrap_or_default()
}

#[tokio::test]
async fn each_auth_flow_serves_the_desk() {
    let (t, _worker) = start().await;
    for (i, flow) in [Flow::ApiToken, Flow::Password, Flow::ApiKey]
        .into_iter()
        .enumerate()
    {
        let b = blip_octadesk(&t, &format!("octa-auth-{i}"), flow).await;
        let phone = format!("551199999000{i}");
        let blip_id = open_conversation(&t, &b, &phone, "Olá, preciso de ajuda").await;
        let desk = desk_ticket(&t, &b.octa, &b.integration, &blip_id).await;
        let number = id_of(&desk["number"]);
        assert!(
            comments(&desk)[0].1.contains("preciso de ajuda"),
            "{flow:?}: the first words are the description: {desk}"
        );
        // The requester was created from the customer's phone, stored the
        // Octadesk way (without the country code).
        let persons = list(&t, &format!("/octadesk/{}/persons", b.octa.tenant)).await;
        let requester = persons
            .iter()
            .find(|p| p["id"] == desk["requester"]["id"])
            .unwrap_or_else(|| panic!("{flow:?}: the requester in {persons:?}"));
        assert_eq!(
            requester["phoneContacts"][0]["number"],
            &phone[2..],
            "{flow:?}"
        );
        assert_eq!(
            requester["phoneContacts"][0]["countryCode"], "55",
            "{flow:?}"
        );
        assigned(&t, &b, &blip_id).await;
        customer_says(&t, &b, &blip_id, "A luz PON está vermelha").await;
        let tk = wait_for_comment(&t, &b.octa, &number, "A luz PON está vermelha").await;
        let (kind, text) = comments(&tk)
            .into_iter()
            .find(|(_, c)| c.contains("luz PON"))
            .unwrap_or_default();
        assert_eq!(kind, "public", "{flow:?}: the customer's words are public");
        assert!(
            text.contains("ponte ref "),
            "{flow:?}: Ponte's reference in {text}"
        );
        let tokens = access_tokens(&t, &b.octa).await;
        let vias: Vec<&str> = tokens.iter().filter_map(|x| x["via"].as_str()).collect();
        match flow {
            Flow::ApiToken => assert_eq!(vias, ["api_token"], "one login, shared"),
            Flow::Password => assert_eq!(vias, ["password"], "one login, shared"),
            Flow::ApiKey => assert!(vias.is_empty(), "the key needs no login: {tokens:?}"),
        }
    }
    assert!(
        dead_letters(&t).await.is_empty(),
        "{:?}",
        dead_letters(&t).await
    );
    t.teardown().await;
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_without_losing_the_command() {
    let (t, _worker) = start().await;
    let b = blip_octadesk(&t, "octa-expiry", Flow::ApiToken).await;
    let blip_id = open_conversation(&t, &b, "5511988880001", "Oi").await;
    let desk = desk_ticket(&t, &b.octa, &b.integration, &blip_id).await;
    let number = id_of(&desk["number"]);
    assigned(&t, &b, &blip_id).await;
    t.eventually("the router's queues empty", WAIT, || async {
        (t.events_waiting().await == 0).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Every access token issued so far dies now.
    let expired = control(
        &t,
        Method::POST,
        &format!("/octadesk/{}/expire-tokens", b.octa.tenant),
        None,
    )
    .await;
    assert_eq!(expired["expired"], 1, "one token was in use: {expired}");
    control(&t, Method::DELETE, "/requests", None).await;
    customer_says(&t, &b, &blip_id, "Ainda sem sinal").await;
    wait_for_comment(&t, &b.octa, &number, "Ainda sem sinal").await;
    let tokens = access_tokens(&t, &b.octa).await;
    let states: Vec<&str> = tokens.iter().filter_map(|x| x["state"].as_str()).collect();
    assert_eq!(
        states,
        ["expired", "active"],
        "renewed exactly once: {tokens:?}"
    );
    let requests = list(
        &t,
        &format!("/requests?provider=octadesk&domain={}", b.octa.tenant),
    )
    .await;
    let refused = requests.iter().filter(|r| r["status"] == 401).count();
    let logins = requests
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/login/apiToken"))
        })
        .count();
    assert_eq!(
        logins, 1,
        "one login however many calls met the 401: {requests:?}"
    );
    assert!(refused >= 1, "the expired token was refused: {requests:?}");
    let tk = ticket(&t, &b.octa, &number).await;
    assert_eq!(
        comments(&tk)
            .iter()
            .filter(|(_, c)| c.contains("Ainda sem sinal"))
            .count(),
        1,
        "the command was carried out once"
    );
    assert!(dead_letters(&t).await.is_empty());
    t.teardown().await;
}

#[tokio::test]
async fn a_revoked_api_token_ends_in_the_dead_letter_queue_saying_so() {
    let (t, _worker) = start().await;
    let b = blip_octadesk(&t, "octa-revoked", Flow::ApiToken).await;
    let blip_id = open_conversation(&t, &b, "5511977770001", "Oi").await;
    desk_ticket(&t, &b.octa, &b.integration, &blip_id).await;
    assigned(&t, &b, &blip_id).await;
    control(
        &t,
        Method::POST,
        &format!("/octadesk/{}/revoke", b.octa.tenant),
        Some(json!({"api_token": b.octa.api_token})),
    )
    .await;
    customer_says(&t, &b, &blip_id, "Alguém aí?").await;
    let parked = t
        .eventually("the comment parked", WAIT, || async {
            dead_letters(&t).await.into_iter().next()
        })
        .await;
    let reason = parked["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("Octadesk refused the API token (revoked?)"),
        "{parked}"
    );
    assert!(
        !reason.contains(&b.octa.api_token),
        "no secret in the reason"
    );
    assert_eq!(parked["attempts"], 1, "a refused login is not retried");
    let link = format!("{}:{blip_id}", b.integration);
    // The history line follows the dead letter by a moment.
    let history = t
        .eventually("the link's history saying why", WAIT, || async {
            let h = t.admin.get(&format!("/links/{link}/history")).await.ok()?;
            h.to_string().contains("refused the API token").then_some(h)
        })
        .await;
    assert!(
        history.to_string().contains("refused the API token"),
        "the link's history says why: {history}"
    );
    t.teardown().await;
}

#[tokio::test]
async fn a_blip_conversation_served_by_an_octadesk_desk() {
    let (t, _worker) = start().await;
    let b = blip_octadesk(&t, "octa-blip", Flow::ApiKey).await;
    let blip_id = open_conversation(&t, &b, "5511999990009", "Minha internet caiu").await;
    let desk = desk_ticket(&t, &b.octa, &b.integration, &blip_id).await;
    let number = id_of(&desk["number"]);
    assigned(&t, &b, &blip_id).await;
    for text in ["Já reiniciei o modem", "Moro no apto 42"] {
        customer_says(&t, &b, &blip_id, text).await;
    }
    wait_for_comment(&t, &b.octa, &number, "Moro no apto 42").await;

    // The desk agent answers twice in public and writes a note.
    for (content, internal) in [
        ("Vou verificar sua conexão", false),
        ("nota interna: OLT 7", true),
        ("Pode testar agora?", false),
    ] {
        control(
            &t,
            Method::POST,
            &format!("/octadesk/{}/tickets/{number}/comments", b.octa.tenant),
            Some(json!({"content": content, "internal": internal, "author_email": b.octa.agent})),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let sent = |bt: &Value| -> Vec<String> {
        bt["thread"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|m| m["direction"] == "sent")
            .filter_map(|m| m["content"].as_str().map(str::to_string))
            .collect()
    };
    t.eventually("the replies on Blip", WAIT, || async {
        let bt = blip(&t, &b, Method::GET, &format!("/tickets/{blip_id}"), None).await;
        (sent(&bt).len() >= 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let bt = blip(&t, &b, Method::GET, &format!("/tickets/{blip_id}"), None).await;
    assert_eq!(
        sent(&bt),
        ["Vou verificar sua conexão", "Pode testar agora?"],
        "in order, the note not sent"
    );
    let tk = ticket(&t, &b.octa, &number).await;
    let words = comments(&tk);
    assert_eq!(
        words.len(),
        6,
        "description, two customer messages, three agent comments — no echo: {words:#?}"
    );

    // Resolution closes the Blip ticket.
    control(
        &t,
        Method::POST,
        &format!("/octadesk/{}/tickets/{number}/status", b.octa.tenant),
        Some(json!({"status": "Resolvido", "author_email": b.octa.agent})),
    )
    .await;
    t.eventually("the Blip ticket closed by the attendant", WAIT, || async {
        let bt = blip(&t, &b, Method::GET, &format!("/tickets/{blip_id}"), None).await;
        (bt["status"] == "ClosedAttendant").then_some(())
    })
    .await;
    assert!(
        dead_letters(&t).await.is_empty(),
        "{:?}",
        dead_letters(&t).await
    );
    t.teardown().await;
}

#[tokio::test]
async fn a_movidesk_ticket_is_mirrored_to_octadesk() {
    let (t, _worker) = start_budgeted().await;
    let id = "movi-octa";
    let domain = format!("{}-{id}-movi", t.ns);
    let movi_secret = format!("movi-secret-{}-0123456789", t.ns);
    let person = |pid: &str, name: &str, email: &str, profile: i64| {
        json!({"id": pid, "businessName": name, "personType": 1, "profileType": profile,
               "emails": [{"emailType": "Profissional", "email": email, "isDefault": true}]})
    };
    let mut spec = domain_spec(
        &domain,
        &format!("token-{domain}"),
        &format!(
            "{}/hooks/movidesk/{id}?token={movi_secret}",
            t.url(Svc::Ingress)
        ),
        budget::MOVIDESK_PER_MINUTE as u32,
        vec![
            person("agent-a", "Agent A", "agent@a.test", 1),
            person("ponte-a", "Ponte", "ponte@a.test", 1),
            person("ana", "Ana Souza", "ana@client.test", 2),
        ],
    );
    spec["api_person_id"] = json!("ponte-a");
    t.sandbox
        .movidesk_domain(&spec)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let octa = octadesk(&t, id, Flow::Password, json!([])).await;
    let mut target = octa.endpoint.clone();
    target["ticket_url"] = json!("https://acme.octadesk.test/ticket/{id}");
    t.admin
        .put(
            &format!("/integrations/{id}"),
            &json!({
                "id": id, "name": "Movidesk → Octadesk", "mode": "automatic", "client_key": "email",
                "generator_agent": octa.ponte, "source_agent": "ponte-a", "reconcile_every_secs": 0,
                "source": {"provider": "movidesk", "base_url": t.sandbox.movidesk_api(), "credentials": {"token": format!("token-{domain}")}, "inbound_secret": movi_secret,
                           "counterpart_field": {"id": 950, "rule": 95}},
                "target": target,
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    let opened = t
        .sandbox
        .movidesk_ui_ticket(&domain, &json!({
            "type": 2, "subject": "Impressora parada", "createdBy": {"id": "agent-a"}, "clients": [{"id": "ana"}],
            "actions": [{"type": 2, "description": "A impressora do 3º andar não liga", "createdBy": {"id": "ana"}}]
        }))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let source = id_of(&opened["id"]);
    let desk = desk_ticket(&t, &octa, id, &source).await;
    let number = id_of(&desk["number"]);
    assert_eq!(desk["summary"], "Impressora parada");
    assert_eq!(
        desk["requester"]["email"], "ana@client.test",
        "requester by e-mail"
    );
    assert!(comments(&desk)[0].1.contains("não liga"));
    // The Movidesk ticket shows its Octadesk counterpart: Ponte's marker and
    // the number and URL in the configured field, written by the Movidesk
    // worker (the Octadesk worker that created it cannot write there).
    let link = t
        .admin
        .get(&format!("/links/{id}:{source}"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let counterpart = id_of(&link["target_ticket"]);
    let marker = json!(format!("ponte-{id}-{counterpart}"));
    let shown = t
        .eventually(
            "the counterpart shown on the Movidesk ticket",
            WAIT,
            || async {
                let a = t.sandbox.movidesk_ticket(&domain, &source).await.ok()?;
                let tagged = a["tags"]
                    .as_array()
                    .is_some_and(|tags| tags.contains(&marker));
                let field = a["customFieldValues"]
                    .as_array()?
                    .iter()
                    .find(|f| f["customFieldId"] == 950)?["value"]
                    .as_str()?
                    .to_string();
                tagged.then_some(field)
            },
        )
        .await;
    assert!(
        shown.contains(&format!("#{counterpart}"))
            && shown.contains(&format!("https://acme.octadesk.test/ticket/{counterpart}")),
        "{shown}"
    );
    t.sandbox
        .movidesk_ui_action(
            &domain,
            &source,
            &json!({"type": 2, "description": "Já trocamos o cabo", "createdBy": {"id": "agent-a"}}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let tk = wait_for_comment(&t, &octa, &number, "Já trocamos o cabo").await;
    let (kind, text) = comments(&tk)
        .into_iter()
        .find(|(_, c)| c.contains("trocamos"))
        .unwrap_or_default();
    assert_eq!(
        kind, "internal",
        "a desk's action arrives as an internal comment"
    );
    assert!(
        text.contains("Agent A") && text.contains(&format!("#{source}")),
        "{text}"
    );
    assert!(
        dead_letters(&t).await.is_empty(),
        "{:?}",
        dead_letters(&t).await
    );
    budget::movidesk_within_budget(&t, &domain).await;
    t.teardown().await;
}

/// The bodies docs/uis-templates.md tells a customer to paste, by UIS event.
fn uis_templates() -> Vec<(&'static str, String)> {
    let doc = include_str!("../../docs/uis-templates.md");
    let bodies: Vec<String> = doc
        .split("```json\n")
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .map(str::to_string)
        .collect();
    let by_action = |action: &str| {
        bodies
            .iter()
            .find(|b| b.contains(&format!("\"action\": \"{action}\"")))
            .cloned()
            .unwrap_or_else(|| panic!("docs/uis-templates.md has no `{action}` body"))
    };
    vec![
        ("waiting_for_answer", by_action("wait")),
        ("recorded_conversation", by_action("history")),
        ("lost_call", by_action("lost")),
        ("call_finished", by_action("finished")),
    ]
}

#[tokio::test]
async fn a_lost_uis_call_opens_one_octadesk_ticket() {
    let (t, _worker) = start().await;
    let id = "uis-octa";
    let uis = format!("{}-{id}-uis", t.ns);
    let uis_secret = format!("uis-secret-{}-0123456789", t.ns);
    let octa = octadesk(
        &t,
        id,
        Flow::ApiKey,
        json!([{"name": "Clientes por telefone"}]),
    )
    .await;
    t.admin
        .put(
            &format!("/integrations/{id}"),
            &json!({
                "id": id, "name": "UIS → Octadesk", "generator_agent": octa.ponte, "reconcile_every_secs": 0,
                "telephony": {
                    "company_id": "Clientes por telefone", "utc_offset": "-03:00",
                    "missed_call_title": "Chamada perdida de {caller}",
                    "missed_call_description": "{caller} ({caller_name}) ligou às {time}; ninguém atendeu ({missed_by}), esperou {wait} s."
                },
                "source": {"provider": "uis", "base_url": "http://uis.invalid", "inbound_secret": uis_secret},
                "target": octa.endpoint,
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    let url = format!("{}/hooks/uis/{id}?token={uis_secret}", t.url(Svc::Ingress));
    let notifications: Vec<Value> = uis_templates()
        .into_iter()
        .map(|(event, body)| json!({"event": event, "url": url, "template": body}))
        .collect();
    control(
        &t,
        Method::POST,
        "/uis/accounts",
        Some(json!({
            "name": uis, "app_id": 12345,
            "employees": [
                {"id": 501, "full_name": "Ana Lima", "extension": "101"},
                {"id": 502, "full_name": "Beto Reis", "extension": "102"}
            ],
            "notifications": notifications, "notification_delay_ms": 20
        })),
    )
    .await;
    let phone = "5511955550001";
    let call = control(
        &t,
        Method::POST,
        &format!("/uis/{uis}/calls"),
        Some(json!({"from": phone, "ring": ["101", "102"], "outcome": "lost", "wait_seconds": 25, "contact_full_name": "Carla Dias"})),
    )
    .await;
    let call_id = call["call_session_id"].as_u64().unwrap_or_default();
    // Every notification twice more: a repeat must not open a second ticket.
    control(
        &t,
        Method::POST,
        &format!("/uis/{uis}/calls/{call_id}/resend"),
        Some(json!({"event": "lost_call", "times": 2})),
    )
    .await;
    let opened = t
        .eventually("the missed-call ticket", WAIT, || async {
            let all = list(&t, &format!("/octadesk/{}/tickets", octa.tenant)).await;
            (!all.is_empty()).then_some(all)
        })
        .await;
    t.eventually("the router's queues empty", WAIT, || async {
        (t.events_waiting().await == 0).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let all = list(&t, &format!("/octadesk/{}/tickets", octa.tenant)).await;
    assert_eq!(
        all.len(),
        1,
        "one ticket for the missed call: {opened:?} {all:?}"
    );
    let tk = &all[0];
    assert_eq!(tk["summary"], format!("Chamada perdida de +{phone}"));
    let description = comments(tk)[0].1.clone();
    for part in ["Carla Dias", "Ana Lima", "Beto Reis", "25 s"] {
        assert!(description.contains(part), "{part} in {description}");
    }
    // The caller became the requester, in the organization telephony.company_id names.
    let persons = list(&t, &format!("/octadesk/{}/persons", octa.tenant)).await;
    let requester = persons
        .iter()
        .find(|p| p["id"] == tk["requester"]["id"])
        .unwrap_or_else(|| panic!("the requester in {persons:?}"));
    assert_eq!(requester["phoneContacts"][0]["number"], &phone[2..]);
    assert_eq!(requester["organization"]["name"], "Clientes por telefone");
    let calls = t
        .admin
        .get(&format!("/calls?integration={id}"))
        .await
        .unwrap_or_else(|e| panic!("calls: {e}"));
    let call_key = call_id.to_string();
    let line = calls["calls"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|c| c["call_id"].as_str() == Some(call_key.as_str()))
        .unwrap_or_else(|| panic!("the call in the history: {calls}"));
    assert_eq!(line["outcome"], "lost");
    assert_eq!(line["issue_id"], id_of(&tk["number"]));
    assert!(
        dead_letters(&t).await.is_empty(),
        "{:?}",
        dead_letters(&t).await
    );
    t.teardown().await;
}

#[tokio::test]
async fn octadesk_webhooks_are_accepted_and_named_when_wrong() {
    let (t, _worker) = start().await;
    let b = blip_octadesk(&t, "octa-hooks", Flow::ApiKey).await;
    let secret = b.octa.endpoint["inbound_secret"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let url = format!(
        "{}/hooks/octadesk/{}?token={secret}",
        t.url(Svc::Ingress),
        b.integration
    );
    let r = t
        .http
        .post(&url)
        .json(
            &json!({"domain": "ticket", "event": "ticket.after-update", "data": {"summary": "x"}}),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap_or(Value::Null);
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("number")),
        "{e}"
    );
    let r = t
        .http
        .post(&url)
        .json(&json!({"domain": "ticket", "event": "ticket.after-update", "data": {"number": 999999}}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 202, "a ticket hint is accepted");
    t.teardown().await;
}

#[tokio::test]
async fn an_octadesk_ticket_reaches_a_movidesk_desk_and_back() {
    let (t, _worker) = start_budgeted().await;
    let id = "octa-movi";
    let domain = format!("{}-{id}-movi", t.ns);
    let movi_secret = format!("movi-secret-{}-0123456789", t.ns);
    let person = |pid: &str, name: &str, profile: i64| json!({"id": pid, "businessName": name, "personType": 1, "profileType": profile});
    let mut spec = domain_spec(
        &domain,
        &format!("token-{domain}"),
        &format!(
            "{}/hooks/movidesk/{id}?token={movi_secret}",
            t.url(Svc::Ingress)
        ),
        budget::MOVIDESK_PER_MINUTE as u32,
        vec![
            person("gen-b", "Ponte", 1),
            person("agent-b", "Bia (agent)", 1),
        ],
    );
    spec["api_person_id"] = json!("gen-b");
    t.sandbox
        .movidesk_domain(&spec)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let octa = octadesk(&t, id, Flow::ApiKey, json!([])).await;
    t.admin
        .put(
            &format!("/integrations/{id}"),
            &json!({
                "id": id, "name": "Octadesk → Movidesk", "mode": "automatic", "client_key": "email",
                "generator_agent": "gen-b", "source_agent": octa.ponte, "reconcile_every_secs": 0,
                "source": octa.endpoint,
                "target": {"provider": "movidesk", "base_url": t.sandbox.movidesk_api(), "credentials": {"token": format!("token-{domain}")}, "inbound_secret": movi_secret},
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));

    // An agent opens a ticket in Octadesk for a customer.
    let opened = control(
        &t,
        Method::POST,
        &format!("/octadesk/{}/tickets", octa.tenant),
        Some(json!({
            "summary": "Nota fiscal não emitida",
            "requester": {"email": "joana@cliente.test", "name": "Joana Lima"},
            "comments": {"description": {"content": "O sistema trava ao emitir a nota"}},
            "author_email": octa.agent
        })),
    )
    .await;
    let number = id_of(&opened["number"]);
    let tag = json!(format!("ponte-{id}-{number}"));
    let desk = t
        .eventually("the Movidesk counterpart", WAIT, || async {
            t.sandbox
                .movidesk_tickets(&domain)
                .await
                .ok()?
                .into_iter()
                .find(|tk| {
                    tk["tags"]
                        .as_array()
                        .is_some_and(|tags| tags.contains(&tag))
                })
        })
        .await;
    let desk_id = id_of(&desk["id"]);
    assert_eq!(desk["subject"], "Nota fiscal não emitida", "{desk}");
    assert!(
        ponte_e2e::action_texts(&desk)[0].contains("trava ao emitir"),
        "{desk}"
    );

    // The Octadesk agent comments: the desk gets it.
    control(
        &t,
        Method::POST,
        &format!("/octadesk/{}/tickets/{number}/comments", octa.tenant),
        Some(json!({"content": "Pedi o XML da nota", "author_email": octa.agent})),
    )
    .await;
    t.eventually("the comment on the desk", WAIT, || async {
        let d = t.sandbox.movidesk_ticket(&domain, &desk_id).await.ok()?;
        ponte_e2e::action_texts(&d)
            .iter()
            .any(|a| a.contains("Pedi o XML"))
            .then_some(())
    })
    .await;

    // The desk answers: Octadesk gets it.
    t.sandbox
        .movidesk_ui_action(
            &domain,
            &desk_id,
            &json!({"type": 2, "description": "Reprocessamos a nota", "createdBy": {"id": "agent-b"}}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for_comment(&t, &octa, &number, "Reprocessamos a nota").await;

    // Octadesk closes it: so does the desk.
    control(
        &t,
        Method::POST,
        &format!("/octadesk/{}/tickets/{number}/status", octa.tenant),
        Some(json!({"status": "Resolvido", "author_email": octa.agent})),
    )
    .await;
    t.eventually("the desk ticket resolved", WAIT, || async {
        let d = t.sandbox.movidesk_ticket(&domain, &desk_id).await.ok()?;
        (d["status"] == "Resolvido").then_some(())
    })
    .await;
    assert!(
        dead_letters(&t).await.is_empty(),
        "{:?}",
        dead_letters(&t).await
    );
    budget::movidesk_within_budget(&t, &domain).await;
    t.teardown().await;
}

#[tokio::test]
async fn a_known_requester_with_changed_data_is_updated_in_octadesk() {
    let (t, _worker) = start().await;
    let id = "movi-octa-people";
    let domain = format!("{}-{id}-movi", t.ns);
    let movi_secret = format!("movi-secret-{}-0123456789", t.ns);
    let person = |pid: &str, name: &str, email: &str, profile: i64| {
        json!({"id": pid, "businessName": name, "personType": 1, "profileType": profile,
               "emails": [{"emailType": "Profissional", "email": email, "isDefault": true}]})
    };
    // Ana and Bruno work at ACME on the Movidesk side.
    let in_acme = |mut p: Value| {
        p["relationships"] = json!([{"id": "acme"}]);
        p
    };
    let mut spec = domain_spec(
        &domain,
        &format!("token-{domain}"),
        &format!(
            "{}/hooks/movidesk/{id}?token={movi_secret}",
            t.url(Svc::Ingress)
        ),
        0,
        vec![
            person("agent-a", "Agent A", "agent@a.test", 1),
            person("ponte-a", "Ponte", "ponte@a.test", 1),
            json!({"id": "acme", "businessName": "ACME Ltda", "personType": 2, "profileType": 2}),
            in_acme(person("ana", "Ana Souza Lima", "ana@client.test", 2)),
            in_acme(person("bruno", "Bruno Reis", "bruno@client.test", 2)),
        ],
    );
    spec["lockout_after_failures"] = json!(0);
    spec["api_person_id"] = json!("ponte-a");
    t.sandbox
        .movidesk_domain(&spec)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Octadesk knows Ana by her e-mail, under her old name.
    let octa = octadesk_with(
        &t,
        id,
        Flow::ApiToken,
        json!([]),
        json!([{"name": "Ana Souza", "email": "ana@client.test"}]),
    )
    .await;
    let known = list(&t, &format!("/octadesk/{}/persons", octa.tenant)).await;
    let ana = known
        .iter()
        .find(|p| p["email"] == "ana@client.test")
        .cloned()
        .unwrap_or_else(|| panic!("{known:?}"));
    t.admin
        .put(
            &format!("/integrations/{id}"),
            &json!({
                "id": id, "name": "Movidesk → Octadesk", "mode": "automatic", "client_key": "email",
                "generator_agent": octa.ponte, "source_agent": "ponte-a", "reconcile_every_secs": 0,
                "source": {"provider": "movidesk", "base_url": t.sandbox.movidesk_api(), "credentials": {"token": format!("token-{domain}")}, "inbound_secret": movi_secret},
                "target": octa.endpoint,
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    let opened = t
        .sandbox
        .movidesk_ui_ticket(&domain, &json!({
            "type": 2, "subject": "Troca de senha", "createdBy": {"id": "agent-a"}, "clients": [{"id": "ana"}],
            "actions": [{"type": 2, "description": "Não consigo entrar", "createdBy": {"id": "ana"}}]
        }))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let source = id_of(&opened["id"]);
    let desk = desk_ticket(&t, &octa, id, &source).await;
    assert_eq!(desk["requester"]["email"], "ana@client.test");
    let persons: Vec<Value> = list(&t, &format!("/octadesk/{}/persons", octa.tenant))
        .await
        .into_iter()
        .filter(|p| p["email"] == "ana@client.test")
        .collect();
    assert_eq!(persons.len(), 1, "found, not created again: {persons:?}");
    assert_eq!(persons[0]["id"], ana["id"]);
    assert_eq!(
        persons[0]["name"], "Ana Souza Lima",
        "her new name was written to Octadesk: {persons:?}"
    );
    assert_eq!(
        persons[0]["organization"]["name"], "ACME Ltda",
        "she was put in her organization, created by its name: {persons:?}"
    );
    // A new requester of the same organization is created in it; the
    // organization is not created twice.
    let opened = t
        .sandbox
        .movidesk_ui_ticket(&domain, &json!({
            "type": 2, "subject": "Boleto", "createdBy": {"id": "agent-a"}, "clients": [{"id": "bruno"}],
            "actions": [{"type": 2, "description": "Segunda via", "createdBy": {"id": "bruno"}}]
        }))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let desk = desk_ticket(&t, &octa, id, &id_of(&opened["id"])).await;
    assert_eq!(desk["requester"]["email"], "bruno@client.test");
    let bruno = list(&t, &format!("/octadesk/{}/persons", octa.tenant))
        .await
        .into_iter()
        .find(|p| p["email"] == "bruno@client.test")
        .unwrap_or_else(|| panic!("Bruno created"));
    assert_eq!(bruno["organization"]["name"], "ACME Ltda", "{bruno}");
    let organizations = list(&t, &format!("/octadesk/{}/organizations", octa.tenant)).await;
    assert_eq!(
        organizations
            .iter()
            .filter(|o| o["name"] == "ACME Ltda")
            .count(),
        1,
        "{organizations:?}"
    );
    let puts: Vec<Value> = list(
        &t,
        &format!(
            "/requests?provider=octadesk&domain={}&method=PUT",
            octa.tenant
        ),
    )
    .await
    .into_iter()
    .filter(|r| r["path"].as_str().is_some_and(|p| p.contains("/persons/")))
    .collect();
    assert_eq!(puts.len(), 1, "{puts:?}");
    assert!(
        dead_letters(&t).await.is_empty(),
        "{:?}",
        dead_letters(&t).await
    );
    t.teardown().await;
}

#[tokio::test]
async fn a_known_caller_with_a_new_name_is_updated_in_octadesk() {
    let (t, _worker) = start().await;
    let id = "uis-octa-known";
    let uis = format!("{}-{id}-uis", t.ns);
    let uis_secret = format!("uis-secret-{}-0123456789", t.ns);
    let phone = "5511955550002";
    // Octadesk has the caller by phone (without the country code), under
    // the placeholder name an earlier call left.
    let octa = octadesk_with(
        &t,
        id,
        Flow::ApiKey,
        json!([]),
        json!([{"name": "Cliente +5511955550002", "email": "carla@client.test",
                "phoneContacts": [{"countryCode": "55", "number": &phone[2..]}]}]),
    )
    .await;
    let known = list(&t, &format!("/octadesk/{}/persons", octa.tenant)).await;
    assert_eq!(known.len(), 1, "{known:?}");
    t.admin
        .put(
            &format!("/integrations/{id}"),
            &json!({
                "id": id, "name": "UIS → Octadesk", "generator_agent": octa.ponte, "reconcile_every_secs": 0,
                "telephony": {"utc_offset": "-03:00", "missed_call_title": "Chamada perdida de {caller}"},
                "source": {"provider": "uis", "base_url": "http://uis.invalid", "inbound_secret": uis_secret},
                "target": octa.endpoint,
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    let url = format!("{}/hooks/uis/{id}?token={uis_secret}", t.url(Svc::Ingress));
    let notifications: Vec<Value> = uis_templates()
        .into_iter()
        .map(|(event, body)| json!({"event": event, "url": url, "template": body}))
        .collect();
    control(
        &t,
        Method::POST,
        "/uis/accounts",
        Some(json!({
            "name": uis, "app_id": 12346,
            "employees": [{"id": 501, "full_name": "Ana Lima", "extension": "101"}],
            "notifications": notifications, "notification_delay_ms": 20
        })),
    )
    .await;
    control(
        &t,
        Method::POST,
        &format!("/uis/{uis}/calls"),
        Some(json!({"from": phone, "ring": ["101"], "outcome": "lost", "wait_seconds": 12, "contact_full_name": "Carla Dias"})),
    )
    .await;
    let tk = t
        .eventually("the missed-call ticket", WAIT, || async {
            list(&t, &format!("/octadesk/{}/tickets", octa.tenant))
                .await
                .into_iter()
                .next()
        })
        .await;
    // The ticket is the known person's; her name is now the one UIS has,
    // her e-mail kept.
    assert_eq!(tk["requester"]["id"], known[0]["id"], "{tk}");
    let persons = list(&t, &format!("/octadesk/{}/persons", octa.tenant)).await;
    assert_eq!(persons.len(), 1, "found, not created again: {persons:?}");
    assert_eq!(persons[0]["name"], "Carla Dias", "{persons:?}");
    assert_eq!(persons[0]["email"], "carla@client.test", "{persons:?}");
    let puts: Vec<Value> = list(
        &t,
        &format!(
            "/requests?provider=octadesk&domain={}&method=PUT",
            octa.tenant
        ),
    )
    .await
    .into_iter()
    .filter(|r| r["path"].as_str().is_some_and(|p| p.contains("/contacts/")))
    .collect();
    assert_eq!(puts.len(), 1, "one edit of the contact: {puts:?}");
    assert!(
        dead_letters(&t).await.is_empty(),
        "{:?}",
        dead_letters(&t).await
    );
    t.teardown().await;
}
