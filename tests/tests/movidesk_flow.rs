//! Seed 000's first flow on the real fleet: a ticket opened in Movidesk
//! domain A is created and linked in domain B.

use std::time::Duration;

use ponte_e2e::{Options, TestFleet, id_of};
use serde_json::json;

#[tokio::test]
async fn a_ticket_opened_in_a_is_created_and_linked_in_b() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t.movidesk_pair("movi-movi").await;
    let a_id = t.open_ticket(&pair, "Printer on fire").await;

    let b = t
        .eventually(
            "the counterpart in domain B",
            Duration::from_secs(30),
            || async {
                let found = t.counterparts(&pair, &pair.b, &a_id).await;
                (!found.is_empty()).then_some(found)
            },
        )
        .await;
    assert_eq!(b.len(), 1, "exactly one counterpart");
    let b = &b[0];
    let b_id = id_of(&b["id"]);
    assert_eq!(b["subject"], "Printer on fire");
    assert_eq!(b["type"], 2, "ticket type mirrored");
    assert_eq!(
        b["createdBy"]["id"], "gen-b",
        "created by the configured generator agent"
    );
    assert_eq!(
        b["clients"][0]["id"], "ana-b",
        "client found in B by e-mail"
    );
    assert_eq!(b["origin"], 19, "created as MovideskIntegration");
    let first = &b["actions"][0];
    assert_eq!(first["type"], 2, "first action type mirrored");
    assert!(
        first["description"]
            .as_str()
            .unwrap_or_default()
            .contains("details from the customer"),
        "{first}"
    );

    // The counterpart number is written back on A.
    let back_tag = json!(format!("ponte-movi-movi-{b_id}"));
    t.eventually(
        "the counterpart number on ticket A",
        Duration::from_secs(15),
        || async {
            let a = t.sandbox.movidesk_ticket(&pair.a, &a_id).await.ok()?;
            a["tags"].as_array()?.contains(&back_tag).then_some(())
        },
    )
    .await;

    // The link both ways, and its history.
    let links = t
        .admin
        .get(&format!("/links?integration=movi-movi&ticket={b_id}"))
        .await
        .expect("links");
    let link = &links["links"][0];
    assert_eq!(link["source_ticket"], json!(a_id));
    assert_eq!(link["target_ticket"], json!(b_id));
    assert_eq!(link["origin"], "automatic");
    // The history line is written once the command's events are out,
    // a moment after the link itself.
    let history = t
        .eventually("the link's history", Duration::from_secs(10), || async {
            let h = t
                .admin
                .get(&format!("/links/movi-movi:{a_id}/history"))
                .await
                .ok()?;
            (h["history"].as_array().is_some_and(|l| !l.is_empty())).then_some(h)
        })
        .await;
    assert_eq!(history["history"][0]["kind"], "created_automatically");

    // B's own trigger about the ticket Ponte created does not create
    // anything in A; the fleet settles with one ticket on each side.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        t.sandbox.movidesk_tickets(&pair.a).await.expect("a").len(),
        1
    );
    assert_eq!(
        t.sandbox.movidesk_tickets(&pair.b).await.expect("b").len(),
        1
    );
    let (ok, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(ok && dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}
