//! Manual mode through the CLI, 50 alternating actions on one pair, and a
//! lost webhook recovered by reconciliation.

use std::time::Duration;

use ponte_e2e::{Options, TestFleet, action_texts, id_of};
use serde_json::json;

#[tokio::test]
async fn manual_mode_lists_creates_associates_and_removes_through_the_cli() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t
        .movidesk_pair_with("manual", json!({"mode": "manual"}), json!({}))
        .await;
    let first = t.open_ticket(&pair, "Manual one").await;
    let second = t.open_ticket(&pair, "Manual two").await;

    let listed = t
        .eventually("both tickets eligible", Duration::from_secs(30), || async {
            let (ok, out) = t
                .cli(&["links", "eligible", "--integration", "manual"])
                .await;
            (ok && out.contains(&first) && out.contains(&second)).then_some(out)
        })
        .await;
    assert!(listed.contains("Manual one"), "{listed}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        t.sandbox
            .movidesk_tickets(&pair.b)
            .await
            .expect("b")
            .is_empty(),
        "manual mode creates nothing by itself"
    );

    // Create the counterpart of the first: the preview first, then a
    // create that is refused without a confirmation, then confirmed.
    let create = [
        "links",
        "create",
        "--integration",
        "manual",
        "--ticket",
        &first,
    ];
    let (ok, out) = t.cli(&create).await;
    assert!(!ok && out.contains("--yes"), "no terminal, no --yes: {out}");
    assert!(
        out.contains("Manual one") && out.contains("first action"),
        "the preview is shown before the question: {out}"
    );
    assert!(
        t.sandbox
            .movidesk_tickets(&pair.b)
            .await
            .expect("b")
            .is_empty(),
        "nothing is created without a confirmation"
    );
    let (ok, out) = t.cli(&[&create[..], &["--yes"]].concat()).await;
    assert!(ok, "{out}");
    let b1 = t.counterparts(&pair, &pair.b, &first).await;
    assert_eq!(b1.len(), 1);
    assert_eq!(
        b1[0]["createdBy"]["id"], "gen-b",
        "no agent correlation: the generator creates it"
    );

    // Associate the second with a ticket B already has.
    let existing = t
        .sandbox
        .movidesk_ui_ticket(&pair.b, &json!({
            "type": 2, "subject": "Already in B", "createdBy": {"id": "agent-b"}, "clients": [{"id": "ana-b"}],
            "actions": [{"type": 2, "description": "opened in B", "createdBy": {"id": "ana-b"}}]
        }))
        .await
        .expect("ticket");
    let existing = id_of(&existing["id"]);
    let (ok, out) = t
        .cli(&[
            "links",
            "associate",
            "--integration",
            "manual",
            "--ticket",
            &second,
            "--with",
            &existing,
        ])
        .await;
    assert!(ok && out.contains("associated"), "{out}");
    let (ok, out) = t
        .cli(&[
            "links",
            "associate",
            "--integration",
            "manual",
            "--ticket",
            &first,
            "--with",
            "999999",
        ])
        .await;
    assert!(
        !ok && out.contains("already linked"),
        "a linked ticket is refused: {out}"
    );
    let (_, eligible) = t
        .cli(&["links", "eligible", "--integration", "manual"])
        .await;
    assert!(
        eligible.contains("(none)"),
        "linked tickets leave the list: {eligible}"
    );

    // Actions cross on the associated pair.
    t.sandbox
        .movidesk_ui_action(
            &pair.a,
            &second,
            &json!({"type": 2, "description": "ping from A", "createdBy": {"id": "agent-a"}}),
        )
        .await
        .expect("action");
    t.eventually(
        "the action on the associated ticket",
        Duration::from_secs(30),
        || async {
            let tb = t.sandbox.movidesk_ticket(&pair.b, &existing).await.ok()?;
            action_texts(&tb)
                .iter()
                .any(|x| x.contains("ping from A"))
                .then_some(())
        },
    )
    .await;

    // Remove the link: later actions no longer cross; the history keeps it all.
    let link = format!("manual:{second}");
    let (ok, out) = t.cli(&["links", "remove", &link]).await;
    assert!(ok, "{out}");
    t.sandbox
        .movidesk_ui_action(
            &pair.a,
            &second,
            &json!({"type": 2, "description": "after removal", "createdBy": {"id": "agent-a"}}),
        )
        .await
        .expect("action");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tb = t
        .sandbox
        .movidesk_ticket(&pair.b, &existing)
        .await
        .expect("b");
    assert!(
        !action_texts(&tb)
            .iter()
            .any(|x| x.contains("after removal"))
    );
    let (_, history) = t.cli(&["links", "history", &link]).await;
    for kind in ["associated", "action_mirrored", "removed"] {
        assert!(history.contains(kind), "{kind} in {history}");
    }
    let (_, history) = t
        .cli(&["links", "history", &format!("manual:{first}")])
        .await;
    assert!(history.contains("created_manually"), "{history}");
    t.teardown().await;
}

#[tokio::test]
async fn fifty_alternating_actions_arrive_once_each_without_a_loop() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t.movidesk_pair("fifty").await;
    let a = t.open_ticket(&pair, "Long conversation").await;
    let b = t.counterpart_id(&pair, &a).await;
    for i in 0..50 {
        let (domain, ticket, agent) = if i % 2 == 0 {
            (&pair.a, &a, "agent-a")
        } else {
            (&pair.b, &b, "agent-b")
        };
        t.sandbox
            .movidesk_ui_action(domain, ticket, &json!({"type": 2, "description": format!("message {i:02}"), "createdBy": {"id": agent}}))
            .await
            .expect("action");
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let expect = 1 + 50;
    for (domain, ticket) in [(&pair.a, &a), (&pair.b, &b)] {
        t.eventually(
            "every action on both sides",
            Duration::from_secs(60),
            || async {
                let tk = t.sandbox.movidesk_ticket(domain, ticket).await.ok()?;
                (tk["actions"].as_array()?.len() >= expect).then_some(())
            },
        )
        .await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (domain, ticket) in [(&pair.a, &a), (&pair.b, &b)] {
        let tk = t
            .sandbox
            .movidesk_ticket(domain, ticket)
            .await
            .expect("ticket");
        let texts = action_texts(&tk);
        assert_eq!(
            texts.len(),
            expect,
            "exactly the expected actions in {domain}"
        );
        for i in 0..50 {
            let n = texts
                .iter()
                .filter(|x| x.contains(&format!("message {i:02}")))
                .count();
            assert_eq!(n, 1, "message {i:02} once in {domain}");
        }
    }
    t.teardown().await;
}

#[tokio::test]
async fn a_lost_webhook_is_recovered_by_reconciliation() {
    let t = TestFleet::start(Options {
        env: vec![("PONTE_RECONCILE_OVERLAP_SECS".into(), "5".into())],
        ..Options::default()
    })
    .await;
    let pair = t
        .movidesk_pair_with("recover", json!({"reconcile_every_secs": 1}), json!({}))
        .await;
    let a = t.open_ticket(&pair, "Lost webhook").await;
    let b = t.counterpart_id(&pair, &a).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    t.sandbox.drop_webhooks(&pair.a, 1).await.expect("drop");
    t.sandbox
        .movidesk_ui_action(
            &pair.a,
            &a,
            &json!({"type": 2, "description": "nobody told Ponte", "createdBy": {"id": "agent-a"}}),
        )
        .await
        .expect("action");
    let hooks = t
        .sandbox
        .movidesk_webhooks(&pair.a)
        .await
        .expect("webhooks");
    assert!(
        hooks.iter().any(|h| h["dropped"] == true),
        "the webhook was really lost"
    );
    t.eventually(
        "the action recovered in B",
        Duration::from_secs(30),
        || async {
            let tb = t.sandbox.movidesk_ticket(&pair.b, &b).await.ok()?;
            action_texts(&tb)
                .iter()
                .any(|x| x.contains("nobody told Ponte"))
                .then_some(())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tb = t.sandbox.movidesk_ticket(&pair.b, &b).await.expect("b");
    assert_eq!(
        action_texts(&tb)
            .iter()
            .filter(|x| x.contains("nobody told Ponte"))
            .count(),
        1
    );
    t.teardown().await;
}

#[tokio::test]
async fn a_ticket_ponte_never_saw_is_read_previewed_and_created_on_demand() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t
        .movidesk_pair_with(
            "unread",
            json!({"mode": "manual", "reconcile_every_secs": 0}),
            json!({}),
        )
        .await;
    // Its webhook is lost: Ponte has never read the ticket.
    t.sandbox.drop_webhooks(&pair.a, 1).await.expect("drop");
    let a = t
        .open_ticket(&pair, "Opened while the webhook was lost")
        .await;
    let hooks = t.sandbox.movidesk_webhooks(&pair.a).await.expect("hooks");
    assert!(hooks.iter().any(|h| h["dropped"] == true), "{hooks:?}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, eligible) = t
        .cli(&["links", "eligible", "--integration", "unread"])
        .await;
    assert!(
        !eligible.contains(&a),
        "Ponte has not seen #{a}: {eligible}"
    );

    let (ok, out) = t
        .cli(&[
            "links",
            "preview",
            "--integration",
            "unread",
            "--ticket",
            &a,
        ])
        .await;
    assert!(ok, "{out}");
    assert!(
        out.contains("Opened while the webhook was lost")
            && out.contains("details from the customer"),
        "the preview shows the subject and the first action read from the desk: {out}"
    );
    assert!(
        t.sandbox
            .movidesk_tickets(&pair.b)
            .await
            .expect("b")
            .is_empty(),
        "a preview creates nothing"
    );

    let (ok, out) = t
        .cli(&[
            "links",
            "create",
            "--integration",
            "unread",
            "--ticket",
            &a,
            "--yes",
        ])
        .await;
    assert!(ok && out.contains("linked"), "{out}");
    let b = t.counterparts(&pair, &pair.b, &a).await;
    assert_eq!(b.len(), 1, "one counterpart");
    assert_eq!(b[0]["subject"], "Opened while the webhook was lost");
    t.teardown().await;
}
