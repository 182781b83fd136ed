//! Persons on the receiving Movidesk: a client new to domain B is created
//! there once, however many of its tickets cross at the same time; and a
//! known client costs no look-up after the first ticket.

use std::time::Duration;

use ponte_e2e::{Options, Pair, Svc, TestFleet, id_of};
use serde_json::{Value, json};

async fn persons(t: &TestFleet, domain: &str) -> Vec<Value> {
    let url = format!("{}/_sandbox/movidesk/{domain}/persons", t.url(Svc::Sandbox));
    let answer = reqwest::get(&url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    answer.json().await.unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn with_email(persons: &[Value], email: &str) -> Vec<Value> {
    persons
        .iter()
        .filter(|p| {
            p["emails"]
                .as_array()
                .is_some_and(|es| es.iter().any(|e| e["email"] == email))
        })
        .cloned()
        .collect()
}

async fn open_for(t: &TestFleet, pair: &Pair, client: &str, subject: &str) -> String {
    let opened = t
        .sandbox
        .movidesk_ui_ticket(&pair.a, &json!({
            "type": 2, "subject": subject, "createdBy": {"id": "agent-a"}, "clients": [{"id": client}],
            "actions": [{"type": 2, "description": format!("{subject}: details"), "createdBy": {"id": client}}]
        }))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    id_of(&opened["id"])
}

#[tokio::test]
async fn tickets_of_a_new_client_crossing_at_once_create_it_once() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t.movidesk_pair("persons").await;
    t.sandbox
        .movidesk_persons(
            &pair.a,
            &[json!({"id": "rui", "businessName": "Rui Lima", "personType": 1, "profileType": 2,
                     "emails": [{"emailType": "Profissional", "email": "rui@client.test", "isDefault": true}]})],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Every call to B takes 400 ms: both tickets look the client up before
    // either has created it.
    t.sandbox
        .fault(&pair.b, &json!({"latency_ms": 400}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (first, second) = tokio::join!(
        open_for(&t, &pair, "rui", "Boleto em dobro"),
        open_for(&t, &pair, "rui", "Segunda via do boleto"),
    );
    let b1 = t.counterpart_id(&pair, &first).await;
    let b2 = t.counterpart_id(&pair, &second).await;
    let created = with_email(&persons(&t, &pair.b).await, "rui@client.test");
    assert_eq!(created.len(), 1, "one person for one client: {created:?}");
    let rui_b = id_of(&created[0]["id"]);
    for b in [&b1, &b2] {
        let tb = t.sandbox.movidesk_ticket(&pair.b, b).await.expect("b");
        assert_eq!(id_of(&tb["clients"][0]["id"]), rui_b, "{tb}");
    }
    t.sandbox.clear_fault(&pair.b).await.expect("clear");

    // A third ticket of the same client: B is not searched for it again.
    let before = person_lookups(&t, &pair).await;
    let third = open_for(&t, &pair, "rui", "Boleto pago").await;
    t.counterpart_id(&pair, &third).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        person_lookups(&t, &pair).await,
        before,
        "the client is remembered"
    );
    t.teardown().await;
}

/// Person searches and creations B's API served.
async fn person_lookups(t: &TestFleet, pair: &Pair) -> usize {
    t.sandbox
        .requests(&pair.b)
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.contains("/persons")))
        .count()
}
