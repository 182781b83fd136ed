//! Provider calls that were applied but whose answer was lost (the sandbox
//! applies the write, then answers 502): each effect still happens once.
//! Effects are counted at the sandbox, as an operator would.

use std::time::Duration;

use ponte_e2e::{Options, Pair, TestFleet, action_texts, id_of};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(40);

async fn posts_to_tickets(t: &TestFleet, domain: &str) -> Vec<Value> {
    t.sandbox
        .requests(domain)
        .await
        .expect("request log")
        .into_iter()
        .filter(|r| {
            r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.ends_with("/tickets"))
        })
        .collect()
}

fn mentions(ticket: &Value, text: &str) -> usize {
    action_texts(ticket)
        .iter()
        .filter(|a| a.contains(text))
        .count()
}

async fn links(t: &TestFleet, pair: &Pair) -> Vec<Value> {
    t.admin
        .get(&format!("/links?integration={}", pair.integration))
        .await
        .expect("links")["links"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Issue 14, behaviour 1: the create is applied at B but answered 502; an
/// agent's action on A arrives before the create's retry and makes the
/// router ask for the counterpart again, under another command id.
#[tokio::test]
async fn a_lost_create_answer_then_a_source_action_gives_one_counterpart() {
    // The create's retry waits 4 s: the action's command comes first.
    let t = TestFleet::start(Options {
        env: vec![("PONTE_RETRY_TIERS".into(), "4s".into())],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("lost-create").await;
    t.sandbox
        .fault(
            &pair.b,
            &json!({"error_rate": 1.0, "error_status": 502, "methods": ["POST"], "count": 1, "after_effect": true}),
        )
        .await
        .expect("fault");
    let a_id = t.open_ticket(&pair, "Lost answer").await;
    t.eventually("the create applied at B", WAIT, || async {
        (!t.counterparts(&pair, &pair.b, &a_id).await.is_empty()).then_some(())
    })
    .await;
    t.sandbox
        .movidesk_ui_action(
            &pair.a,
            &a_id,
            &json!({"type": 2, "description": "Agent A: any news on the printer?", "createdBy": {"id": "agent-a"}}),
        )
        .await
        .expect("action on A");

    // The action reaches the counterpart, then everything settles
    // (the first create's retry included).
    t.eventually("the action on the counterpart", WAIT, || async {
        let found = t.counterparts(&pair, &pair.b, &a_id).await;
        found
            .iter()
            .any(|b| mentions(b, "any news on the printer?") > 0)
            .then_some(())
    })
    .await;
    t.settled(WAIT).await;

    let found = t.counterparts(&pair, &pair.b, &a_id).await;
    assert_eq!(found.len(), 1, "exactly one counterpart in B: {found:?}");
    let b = &found[0];
    assert_eq!(
        mentions(b, "any news on the printer?"),
        1,
        "the action crossed once: {b}"
    );
    let posts = posts_to_tickets(&t, &pair.b).await;
    assert_eq!(
        posts.len(),
        1,
        "one POST /tickets reached B (the lost one): {posts:?}"
    );
    let links = links(&t, &pair).await;
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0]["target_ticket"], json!(id_of(&b["id"])));
    let (ok, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(ok && dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}

/// Issue 14, behaviour 2: the create is applied at B but answered 502, then
/// B answers nothing but 502 for a while; meanwhile an agent replies on the
/// new ticket. The retry finds the ticket by Ponte's marker: the reply is
/// news, not part of the ticket as Ponte wrote it, and crosses to A once.
#[tokio::test]
async fn a_reply_on_a_counterpart_found_by_its_marker_crosses_once() {
    // The create's first retry waits 1.5 s: time to make B fail everything.
    let t = TestFleet::start(Options {
        env: vec![("PONTE_RETRY_TIERS".into(), "1500ms,3s".into())],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("lost-reply").await;
    // B's trigger about the new ticket is lost too: nothing reads the
    // ticket before the reply.
    t.sandbox.drop_webhooks(&pair.b, 1).await.expect("drop");
    t.sandbox
        .fault(
            &pair.b,
            &json!({"error_rate": 1.0, "error_status": 502, "methods": ["POST"], "count": 1, "after_effect": true}),
        )
        .await
        .expect("fault");
    let a_id = t.open_ticket(&pair, "Reply while lost").await;
    let b_id = t.counterpart_id(&pair, &a_id).await;
    t.sandbox
        .fault(
            &pair.b,
            &json!({"error_rate": 1.0, "error_status": 502, "after_effect": true}),
        )
        .await
        .expect("fault");
    t.sandbox
        .movidesk_ui_action(
            &pair.b,
            &b_id,
            &json!({"type": 2, "description": "Bia: checking the printer now", "createdBy": {"id": "agent-b"}}),
        )
        .await
        .expect("reply on B");
    t.sandbox.clear_fault(&pair.b).await.expect("clear");

    t.eventually("the reply on ticket A", WAIT, || async {
        let a = t.sandbox.movidesk_ticket(&pair.a, &a_id).await.ok()?;
        (mentions(&a, "checking the printer now") > 0).then_some(())
    })
    .await;
    t.settled(WAIT).await;

    let a = t
        .sandbox
        .movidesk_ticket(&pair.a, &a_id)
        .await
        .expect("ticket A");
    assert_eq!(
        mentions(&a, "checking the printer now"),
        1,
        "the reply crossed once: {a}"
    );
    assert_eq!(t.counterparts(&pair, &pair.b, &a_id).await.len(), 1);
    assert_eq!(posts_to_tickets(&t, &pair.b).await.len(), 1, "one create");
    let links = links(&t, &pair).await;
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0]["target_ticket"], json!(b_id));
    let (ok, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(ok && dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}
