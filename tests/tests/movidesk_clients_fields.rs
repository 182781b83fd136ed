//! Issue 11, items 11 and 12: every client of a ticket and every kind of
//! custom field (person-, client- and team-lists, files) cross to the
//! counterpart, translated to the other domain; persons Ponte creates
//! belong to the organization the tenant requires; counterparts are opened
//! with origin 19 (MovideskIntegration), and a desk that refuses the origin
//! still gets exactly one counterpart.

use std::time::Duration;

use ponte_e2e::{CHANGE_REACHES_INGRESS, Options, Pair, Svc, TestFleet, id_of};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

/// The file a file field holds in domain A.
const FILE_GUID: &str = "5f2c9a0e-contrato";
const FILE_URL: &str = "https://s3.amazonaws.com/movidesk-files/5f2c9a0e-contrato";

/// Domains A and B and the integration, with the four field kinds
/// correlated, a team mapped through the agent table and B's organization
/// for the clients Ponte creates there.
async fn pair(t: &TestFleet, name: &str, domain_b: Value) -> Pair {
    let pair = t.movidesk_domains(name, domain_b).await;
    let person = |id: &str, name: &str, email: &str, profile: i64| {
        json!({"id": id, "businessName": name, "personType": 1, "profileType": profile,
               "emails": [{"emailType": "Profissional", "email": email, "isDefault": true}]})
    };
    t.sandbox
        .movidesk_persons(
            &pair.a,
            &[
                person("rui", "Rui Lima", "rui@client.test", 2),
                person("carla", "Carla Dias", "carla@a.test", 1),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    t.sandbox
        .movidesk_persons(
            &pair.b,
            &[json!({"id": "org-b", "businessName": "Clientes Integrados", "personType": 2, "profileType": 2})],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let api = t.sandbox.movidesk_api();
    let field = |source: i64, target: i64| json!({"source": source.to_string(), "target": target.to_string(), "source_rule": 10, "target_rule": 20});
    let body = json!({
        "id": name, "name": format!("{name} test"), "enabled": true, "mode": "automatic",
        "client_key": "email", "create_missing_client": true,
        "generator_agent": "gen-b", "source_agent": "ponte-a", "reconcile_every_secs": 0,
        "source": {"provider": "movidesk", "base_url": api, "credentials": {"token": pair.token_a()}, "inbound_secret": pair.secret_a},
        "target": {"provider": "movidesk", "base_url": api, "credentials": {"token": pair.token_b()}, "inbound_secret": pair.secret_b,
                   "client_organization": "org-b"},
        "correlation": {
            "custom_fields": [field(300, 400), field(301, 401), field(302, 402), field(303, 403)],
            "agent": {"team:Suporte N1": {"id": "agent-b", "team": "Atendimento"}},
            "defaults": {"agent": null}
        }
    });
    t.admin
        .put(&format!("/integrations/{name}"), &body)
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    tokio::time::sleep(CHANGE_REACHES_INGRESS).await;
    pair
}

/// Opens, in domain A, a ticket with two clients and the four fields.
async fn open(t: &TestFleet, pair: &Pair, subject: &str) -> String {
    let cf = |id: i64, items: Value| json!({"customFieldId": id, "customFieldRuleId": 10, "line": 1, "items": items});
    let opened = t
        .sandbox
        .movidesk_ui_ticket(&pair.a, &json!({
            "type": 2, "subject": subject, "createdBy": {"id": "agent-a"},
            "clients": [{"id": "ana"}, {"id": "rui"}],
            "customFieldValues": [
                cf(300, json!([{"personId": "carla"}])),
                cf(301, json!([{"clientId": "rui"}, {"clientId": "ana"}])),
                cf(302, json!([{"team": "Suporte N1"}])),
                cf(303, json!([{"storageFileGuid": FILE_GUID, "fileName": "contrato.pdf"}]))
            ],
            "actions": [{"type": 2, "description": format!("{subject}: details"), "createdBy": {"id": "ana"}}]
        }))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    id_of(&opened["id"])
}

fn field(ticket: &Value, id: i64) -> Value {
    ticket["customFieldValues"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|c| c["customFieldId"] == json!(id))
                .cloned()
        })
        .unwrap_or_else(|| panic!("no field {id} on {ticket}"))
}

fn items(f: &Value, key: &str) -> Vec<String> {
    f["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|i| i[key].as_str().map(str::to_string))
        .collect()
}

async fn persons(t: &TestFleet, domain: &str) -> Vec<Value> {
    t.http
        .get(format!(
            "{}/_sandbox/movidesk/{domain}/persons",
            t.url(Svc::Sandbox)
        ))
        .send()
        .await
        .expect("persons")
        .json::<Value>()
        .await
        .expect("persons json")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn by_email<'a>(all: &'a [Value], email: &str) -> &'a Value {
    all.iter()
        .find(|p| p["emails"][0]["email"] == email)
        .unwrap_or_else(|| panic!("no person with {email} in {all:?}"))
}

async fn nothing_parked(t: &TestFleet) {
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
}

#[tokio::test]
async fn every_client_and_every_kind_of_field_crosses_translated() {
    let t = TestFleet::start(Options::default()).await;
    let pair = pair(
        &t,
        "clients-fields",
        json!({"clients_need_organization": true}),
    )
    .await;
    let a = open(&t, &pair, "Contrato novo").await;
    let b = t.counterpart_id(&pair, &a).await;
    let tb = t
        .sandbox
        .movidesk_ticket(&pair.b, &b)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let in_b = persons(&t, &pair.b).await;
    let rui_b = by_email(&in_b, "rui@client.test");
    let carla_b = by_email(&in_b, "carla@a.test");
    let rui_id = id_of(&rui_b["id"]);

    assert_eq!(tb["origin"], 19, "opened as MovideskIntegration");
    let clients: Vec<String> = tb["clients"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| id_of(&c["id"]))
        .collect();
    assert_eq!(
        clients,
        ["ana-b".to_string(), rui_id.clone()],
        "both clients, in order: Ana found by e-mail, Rui created"
    );
    for created in [rui_b, carla_b] {
        assert_eq!(
            created["relationships"][0]["id"], "org-b",
            "a person Ponte creates belongs to B's organization: {created}"
        );
    }
    assert_eq!(
        items(&field(&tb, 400), "personId"),
        [id_of(&carla_b["id"])],
        "the person-list names B's Carla"
    );
    assert_eq!(
        items(&field(&tb, 401), "clientId"),
        [rui_id, "ana-b".to_string()],
        "the client-list names B's clients, in order"
    );
    assert_eq!(
        items(&field(&tb, 402), "team"),
        ["Atendimento"],
        "the team per the agent table's team entry"
    );
    let file = field(&tb, 403);
    let text = file["value"].as_str().unwrap_or_default();
    assert!(
        text.contains("contrato.pdf") && text.contains(FILE_URL),
        "the file as a link: {file}"
    );
    assert!(
        items(&file, "storageFileGuid").is_empty(),
        "no raw file item in a text field: {file}"
    );
    assert_eq!(field(&tb, 403)["customFieldRuleId"], 20);

    // The way back rides on an action: B names its own agent in the
    // person-list (PATCH replaces the whole list, so every field is sent).
    let mut values = tb["customFieldValues"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for v in values.iter_mut() {
        if v["customFieldId"] == json!(400) {
            v["items"] = json!([{"personId": "agent-b"}]);
        }
    }
    t.sandbox
        .movidesk_ui_edit(
            &pair.b,
            &b,
            &json!({"changedBy": {"id": "agent-b"}, "customFieldValues": values}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    t.sandbox
        .movidesk_ui_action(&pair.b, &b, &json!({"type": 1, "description": "Contrato conferido", "createdBy": {"id": "agent-b"}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ta = t
        .eventually("B's action and person in A", WAIT, || async {
            let ta = t.sandbox.movidesk_ticket(&pair.a, &a).await.ok()?;
            (items(&field(&ta, 300), "personId") != ["carla"]).then_some(ta)
        })
        .await;
    let in_a = persons(&t, &pair.a).await;
    assert_eq!(
        items(&field(&ta, 300), "personId"),
        [id_of(&by_email(&in_a, "bia@b.test")["id"])],
        "B's agent, found or created in A by e-mail"
    );
    assert_eq!(
        items(&field(&ta, 301), "clientId"),
        ["rui", "ana"],
        "B's clients are A's own again"
    );
    assert_eq!(
        items(&field(&ta, 303), "storageFileGuid"),
        [FILE_GUID],
        "the link text B holds never replaces A's file"
    );
    nothing_parked(&t).await;
    t.teardown().await;
}

#[tokio::test]
async fn a_desk_that_refuses_the_origin_still_gets_one_counterpart_per_ticket() {
    let t = TestFleet::start(Options::default()).await;
    let pair = pair(&t, "origin-refused", json!({"origin_on_create": "refuse"})).await;
    let first = open(&t, &pair, "Primeiro").await;
    let b1 = t.counterpart_id(&pair, &first).await;
    let second = open(&t, &pair, "Segundo").await;
    let b2 = t.counterpart_id(&pair, &second).await;
    for b in [&b1, &b2] {
        let tb = t
            .sandbox
            .movidesk_ticket(&pair.b, b)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tb["origin"], 9, "created through the API without origin");
    }
    // Give a doubled create time to show.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(t.counterparts(&pair, &pair.b, &first).await.len(), 1);
    assert_eq!(t.counterparts(&pair, &pair.b, &second).await.len(), 1);
    // The refusal is remembered: only the first create tried the origin.
    let refused: Vec<Value> = t
        .sandbox
        .requests(&pair.b)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["status"] == 400)
        .collect();
    assert_eq!(refused.len(), 1, "one refused create: {refused:?}");
    let links = t
        .admin
        .get(&format!("/links?integration={}", pair.integration))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let link_of = |source: &str| {
        links["links"]
            .as_array()
            .and_then(|all| {
                all.iter()
                    .find(|l| l.to_string().contains(&format!("\"{source}\"")))
                    .and_then(|l| l["id"].as_str().map(str::to_string))
            })
            .unwrap_or_else(|| panic!("no link for #{source}: {links}"))
    };
    let link = link_of(&first);
    let history = t
        .eventually("the refusal in the link's history", WAIT, || async {
            let h = t.admin.get(&format!("/links/{link}/history")).await.ok()?;
            h.to_string().contains("refuses origin 19").then_some(h)
        })
        .await;
    assert!(
        history.to_string().contains("created without it"),
        "{history}"
    );
    nothing_parked(&t).await;
    t.teardown().await;
}
