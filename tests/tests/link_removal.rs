//! Removing a link stops the pair for good: Ponte's markers come off both
//! tickets, and creating the counterpart again gives the source a new
//! ticket, never the old one, with only the new pair's changes crossing.

use std::time::Duration;

use ponte_e2e::{Options, TestFleet, action_texts, id_of};
use serde_json::{Value, json};

fn tags(ticket: &Value) -> Vec<String> {
    ticket["tags"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_removed_link_loses_its_markers_and_a_new_create_makes_a_new_counterpart() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t
        .movidesk_pair_with("unlink", json!({"mode": "manual"}), json!({}))
        .await;
    let a = t.open_ticket(&pair, "Removal").await;
    t.eventually("the ticket eligible", Duration::from_secs(30), || async {
        let (ok, out) = t
            .cli(&["links", "eligible", "--integration", "unlink"])
            .await;
        (ok && out.contains(&a)).then_some(())
    })
    .await;
    let create = [
        "links",
        "create",
        "--integration",
        "unlink",
        "--ticket",
        &a,
        "--yes",
    ];
    let (ok, out) = t.cli(&create).await;
    assert!(ok, "{out}");
    let b1 = t.counterpart_id(&pair, &a).await;
    let old_marker_on_a = format!("ponte-unlink-{b1}");
    let marker_on_b = format!("ponte-unlink-{a}");
    t.eventually(
        "the counterpart's number on A",
        Duration::from_secs(30),
        || async {
            let ta = t.sandbox.movidesk_ticket(&pair.a, &a).await.ok()?;
            tags(&ta).contains(&old_marker_on_a).then_some(())
        },
    )
    .await;

    // Removed: both markers come off.
    let link = format!("unlink:{a}");
    let (ok, out) = t.cli(&["links", "remove", &link]).await;
    assert!(ok, "{out}");
    t.eventually("both markers off", Duration::from_secs(30), || async {
        let ta = t.sandbox.movidesk_ticket(&pair.a, &a).await.ok()?;
        let tb = t.sandbox.movidesk_ticket(&pair.b, &b1).await.ok()?;
        (!tags(&ta).contains(&old_marker_on_a) && !tags(&tb).contains(&marker_on_b)).then_some(())
    })
    .await;
    let (_, history) = t.cli(&["links", "history", &link]).await;
    assert!(
        history.contains(&format!("marker {old_marker_on_a} taken off #{a}")),
        "{history}"
    );
    assert!(
        history.contains(&format!("marker {marker_on_b} taken off #{b1}")),
        "{history}"
    );

    // Created again: a new counterpart, not the old one.
    let (ok, out) = t.cli(&create).await;
    assert!(ok, "{out}");
    let b2 = t
        .eventually("the new link", Duration::from_secs(30), || async {
            let l = t.admin.get(&format!("/links/{link}")).await.ok()?;
            Some(id_of(&l["target_ticket"]))
        })
        .await;
    assert_ne!(b2, b1, "the removed pair's old counterpart is not reused");
    let tb1 = t.sandbox.movidesk_ticket(&pair.b, &b1).await.expect("b1");
    assert!(
        !tags(&tb1).contains(&marker_on_b),
        "the old counterpart stays unmarked: {:?}",
        tags(&tb1)
    );

    // Only the new pair's changes cross.
    t.sandbox
        .movidesk_ui_action(
            &pair.a,
            &a,
            &json!({"type": 2, "description": "after the new link", "createdBy": {"id": "agent-a"}}),
        )
        .await
        .expect("action");
    t.eventually(
        "the action on the new counterpart",
        Duration::from_secs(30),
        || async {
            let tb2 = t.sandbox.movidesk_ticket(&pair.b, &b2).await.ok()?;
            action_texts(&tb2)
                .iter()
                .any(|x| x.contains("after the new link"))
                .then_some(())
        },
    )
    .await;
    t.sandbox
        .movidesk_ui_action(
            &pair.b,
            &b1,
            &json!({"type": 2, "description": "on the old counterpart", "createdBy": {"id": "agent-b"}}),
        )
        .await
        .expect("action on b1");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ta = t.sandbox.movidesk_ticket(&pair.a, &a).await.expect("a");
    assert!(
        !action_texts(&ta)
            .iter()
            .any(|x| x.contains("on the old counterpart")),
        "the old counterpart's actions do not reach A"
    );
    let tb1 = t.sandbox.movidesk_ticket(&pair.b, &b1).await.expect("b1");
    assert!(
        !action_texts(&tb1)
            .iter()
            .any(|x| x.contains("after the new link")),
        "A's new actions do not reach the old counterpart"
    );
    t.teardown().await;
}
