//! The Movidesk warehouse end to end: the real fleet (ingress → router → ponte-worker-warehouse),
//! the `ponte warehouse` CLI, the sandbox's Movidesk and the real PostgreSQL. Each test writes into
//! its own schema (`wh_<namespace>`), dropped at the end.

use std::time::Duration;

use ponte_e2e::{Options, SECRETS_KEY, Svc, TestFleet, database_url, redis_url};
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::postgres::PgPool;

/// The test's schema and a pool to read it.
struct Db {
    schema: String,
    pool: PgPool,
}

impl Db {
    async fn new(ns: &str) -> Db {
        let schema = format!("wh_{ns}");
        let pool = PgPool::connect(&database_url())
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
        Db { schema, pool }
    }

    fn url(&self) -> String {
        format!("{}?schema={}", database_url(), self.schema)
    }

    /// `{schema}` in `sql` is replaced by the test's schema.
    async fn int(&self, sql: &str) -> i64 {
        let sql = sql.replace("{schema}", &self.schema);
        sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(&self.pool)
            .await
            .unwrap_or(-1)
    }

    async fn text(&self, sql: &str) -> Option<String> {
        let sql = sql.replace("{schema}", &self.schema);
        sqlx::query(&sql)
            .fetch_optional(&self.pool)
            .await
            .ok()
            .flatten()
            .and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten())
    }

    async fn drop(self) {
        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }
}

fn person(id: &str, name: &str, profile: i64) -> Value {
    json!({
        "id": id, "businessName": name, "personType": 1, "profileType": profile,
        "emails": [{"emailType": "Profissional", "email": format!("{id}@acme.test"), "isDefault": true}],
        "contacts": [{"contactType": "Telefone celular", "contact": format!("+55 11 9{:04}-0000", id.len()), "isDefault": true}],
        "relationships": [{"id": "org-acme", "slaAgreement": "Ouro"}],
        "teams": ["Suporte"]
    })
}

fn persons() -> Vec<Value> {
    vec![
        json!({"id": "org-acme", "businessName": "Acme Ltda", "personType": 2, "profileType": 2}),
        person("agent-1", "Ana (agent)", 1),
        person("c-1", "Bia Cliente", 2),
        person("c-2", "Caio Cliente", 2),
    ]
}

/// A sandbox Movidesk domain and a Movidesk→warehouse integration into the test's schema.
async fn setup(f: &TestFleet, db: &Db, id: &str, rate_per_minute: u32) -> String {
    let domain = desk(f, id, rate_per_minute).await;
    integrate(f, db, id, &domain).await;
    domain
}

fn secret(f: &TestFleet) -> String {
    format!("wh-secret-{}-0123456789", f.ns)
}

/// Where the trigger of integration `id`'s domain posts.
fn hook_url(f: &TestFleet, id: &str) -> String {
    format!(
        "{}/hooks/movidesk/{id}?token={}",
        f.url(Svc::Ingress),
        secret(f)
    )
}

/// The sandbox's Movidesk domain of integration `id`, its trigger pointed at the ingress.
async fn desk(f: &TestFleet, id: &str, rate_per_minute: u32) -> String {
    let domain = format!("{}-{id}", f.ns);
    let mut spec = ponte_cli::sandbox::domain_spec(
        &domain,
        &format!("token-{domain}"),
        &hook_url(f, id),
        rate_per_minute,
        persons(),
    );
    spec["api_person_id"] = json!("agent-1");
    f.sandbox
        .movidesk_domain(&spec)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    domain
}

/// The warehouse integration `id` of `domain`.
async fn integrate(f: &TestFleet, db: &Db, id: &str, domain: &str) {
    let secret = secret(f);
    let body = json!({
        "id": id, "name": "Movidesk warehouse", "enabled": true, "reconcile_every_secs": 0,
        "source": {"provider": "movidesk", "base_url": f.sandbox.movidesk_api(),
                   "credentials": {"token": format!("token-{domain}")}, "inbound_secret": secret},
        "target": {"provider": "warehouse", "base_url": db.url()},
    });
    f.admin
        .put(&format!("/integrations/{id}"), &body)
        .await
        .unwrap_or_else(|e| panic!("the warehouse integration was refused: {e}"));
}

/// The live path (ingress → router → warehouse worker) at Movidesk's real budget, 10 calls a
/// minute.
async fn live_fleet() -> TestFleet {
    TestFleet::start(Options {
        services: vec![
            Svc::Sandbox,
            Svc::Admin,
            Svc::Router,
            Svc::WorkerWarehouse,
            Svc::Ingress,
        ],
        env: vec![("PONTE_MOVIDESK_RATE_PER_MINUTE".into(), "10".into())],
    })
    .await
}

/// Runs `ponte warehouse ...` against this fleet's state store.
fn ponte(f: &TestFleet, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(
        ponte_cli::fleet::FleetOptions::default_bin_dir().join("ponte"),
    );
    cmd.arg("warehouse")
        .args(args)
        .env("PONTE_NAMESPACE", &f.ns)
        .env("PONTE_REDIS_URL", redis_url())
        .env("PONTE_SECRETS_KEY", SECRETS_KEY)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd
}

async fn run_ok(f: &TestFleet, args: &[&str]) -> String {
    let out = ponte(f, args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run ponte: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "ponte warehouse {args:?} failed:\n{text}"
    );
    text
}

fn ticket_body(subject: &str, n: usize) -> Value {
    json!({
        "type": 2, "subject": subject, "createdBy": {"id": "agent-1"},
        "clients": [{"id": "c-1"}, {"id": "c-2"}],
        "owner": {"id": "agent-1"}, "ownerTeam": "Suporte",
        "category": "Dúvida", "urgency": "Alta", "tags": ["warehouse", format!("n{}", n % 7)],
        "customFieldValues": [
            {"customFieldId": 35294, "customFieldRuleId": 17311, "line": 1,
             "items": [{"customFieldItem": "Internacional"}, {"personId": "c-1"}]},
            {"customFieldId": 40000, "customFieldRuleId": 17311, "line": 1, "value": format!("{n},50")}
        ],
        "actions": [{"type": 2, "description": format!("{subject}: the customer's words"), "createdBy": {"id": "c-1"}}]
    })
}

/// The live path at Movidesk's real budget (10 requests a minute): a ticket opened in the sandbox
/// lands with its actions, clients, owner and custom fields, and later changes update it in place.
#[tokio::test]
async fn a_ticket_opened_and_changed_lands_and_is_updated_in_place() {
    let f = live_fleet().await;
    let db = Db::new(&f.ns).await;
    let domain = setup(&f, &db, "dw-live", 10).await;
    let t = f
        .sandbox
        .movidesk_ui_ticket(&domain, &ticket_body("Pix fora do ar", 1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = ponte_e2e::id_of(&t["id"]);
    let q = |sql: &str| sql.replace("{id}", &id);
    f.eventually(
        "the ticket in the warehouse",
        Duration::from_secs(30),
        || async {
            (db.int(&q(
                "SELECT count(*) FROM {schema}.movidesk_tickets WHERE id = '{id}'",
            ))
            .await
                == 1)
                .then_some(())
        },
    )
    .await;
    assert_eq!(
        db.text(&q(
            "SELECT subject FROM {schema}.movidesk_tickets WHERE id = '{id}'"
        ))
        .await
        .as_deref(),
        Some("Pix fora do ar")
    );
    assert_eq!(
        db.int(&q(
            "SELECT count(*) FROM {schema}.movidesk_tickets__actions WHERE ticket_id = '{id}'"
        ))
        .await,
        1
    );
    assert_eq!(
        db.text(&q("SELECT string_agg(id || ':' || coalesce(organization_id, '-'), ',' ORDER BY id) FROM {schema}.movidesk_tickets__clients WHERE ticket_id = '{id}'")).await.as_deref(),
        Some("c-1:org-acme,c-2:org-acme"),
        "every client with its organization"
    );
    assert_eq!(
        db.text(&q(
            "SELECT id FROM {schema}.movidesk_tickets__owners WHERE ticket_id = '{id}'"
        ))
        .await
        .as_deref(),
        Some("agent-1")
    );
    assert_eq!(
        db.int(&q(
            "SELECT count(*) FROM {schema}.movidesk_tickets__custom_fields WHERE ticket_id = '{id}'"
        ))
        .await,
        2
    );
    assert_eq!(
        db.text(&q("SELECT string_agg(coalesce(custom_field_item, person_id), ',' ORDER BY item_line) FROM {schema}.movidesk_customfieldvalues__items WHERE ticket_id = '{id}'")).await.as_deref(),
        Some("Internacional,c-1")
    );

    // The agent answers, the ticket moves on, Movidesk computes its SLA.
    f.sandbox
        .movidesk_ui_action(
            &domain,
            &id,
            &json!({"type": 1, "description": "Checking the PSP", "createdBy": {"id": "agent-1"}}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    f.sandbox
        .movidesk_ui_edit(
            &domain,
            &id,
            &json!({
                "subject": "Pix fora do ar (PSP)",
                "readOnly": {"slaAgreement": "Ouro", "slaAgreementRule": "Alta", "slaSolutionTime": 480,
                             "slaResponseTime": 60, "slaResponseDate": "2026-03-01T12:00:00",
                             "chatWidget": "site", "stoppedTime": 12}
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    f.eventually("the change in the warehouse", Duration::from_secs(60), || async {
        (db.text(&q("SELECT subject FROM {schema}.movidesk_tickets WHERE id = '{id}'")).await.as_deref()
            == Some("Pix fora do ar (PSP)")
            && db.int(&q("SELECT count(*) FROM {schema}.movidesk_tickets__actions WHERE ticket_id = '{id}'")).await == 2)
            .then_some(())
    })
    .await;
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_tickets")
            .await,
        1,
        "updated in place"
    );
    assert_eq!(
        db.text(&q("SELECT sla_agreement || '/' || sla_solution_time || '/' || chat_widget FROM {schema}.movidesk_tickets WHERE id = '{id}'")).await.as_deref(),
        Some("Ouro/480/site")
    );
    assert_eq!(
        db.int(&q("SELECT count(*) FROM {schema}.movidesk_tickets WHERE id = '{id}' AND sla_response_date = '2026-03-01T12:00:00Z'")).await,
        1
    );
    // The sandbox never locked the token: the live path stayed within 10 requests a minute.
    let requests = f.sandbox.requests(&domain).await.unwrap_or_default();
    assert!(
        requests.iter().all(|r| r["status"] != json!(429)),
        "a 429 was answered: {requests:?}"
    );
    let status = run_ok(&f, &["status", "dw-live"]).await;
    assert!(status.contains("movidesk_tickets__actions"), "{status}");
    // Figures for docs/benchmarks.md (printed, never asserted): reads per change and the delay.
    let webhooks = f
        .sandbox
        .movidesk_webhooks(&domain)
        .await
        .unwrap_or_default()
        .len();
    let reads = requests
        .iter()
        .filter(|r| {
            r["method"] == json!("GET")
                && r["path"].as_str().is_some_and(|p| p.ends_with("/tickets"))
        })
        .count();
    eprintln!("bench: live: {webhooks} trigger webhooks, {reads} ticket reads; {status}");
    db.drop().await;
    f.teardown().await;
}

/// Back-dates a ticket past Movidesk's 90-day window (it then lists under `/tickets/past`).
async fn back_date(f: &TestFleet, domain: &str, id: &str) {
    f.sandbox
        .movidesk_ui_edit(domain, id, &json!({"lastUpdate": "2025-01-15T08:00:00"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

async fn control_post(f: &TestFleet, path: &str, body: &Value) {
    let r = f
        .http
        .post(format!("{}/_sandbox/movidesk/{path}", f.url(Svc::Sandbox)))
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        r.status().is_success(),
        "{path}: {}",
        r.text().await.unwrap_or_default()
    );
}

/// Fills a domain with `n` tickets (every 7th back-dated past 90 days), `persons` more clients and
/// `responses` survey responses to two questions.
async fn fill(
    f: &TestFleet,
    domain: &str,
    n: usize,
    persons: usize,
    responses: usize,
) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let t = f
            .sandbox
            .movidesk_ui_ticket(domain, &ticket_body(&format!("Ticket {i}"), i))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let id = ponte_e2e::id_of(&t["id"]);
        if i % 7 == 3 {
            back_date(f, domain, &id).await;
        }
        ids.push(id);
    }
    let people: Vec<Value> = (0..persons)
        .map(|i| person(&format!("p-{i:04}"), &format!("Pessoa {i}"), 2))
        .collect();
    if !people.is_empty() {
        f.sandbox
            .movidesk_persons(domain, &people)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    control_post(
        f,
        &format!("{domain}/survey/questions"),
        &json!([
            {"id": "nps1", "type": 3, "languages": [{"language": "pt-BR", "description": "Recomendaria?"}, {"language": "en", "description": "Recommend us?"}]},
            {"id": "csat1", "type": 2, "languages": [{"language": "pt-BR", "description": "Satisfeito?"}]}
        ]),
    )
    .await;
    let answers: Vec<Value> = (0..responses)
        .map(|i| {
            let nps = i % 2 == 0;
            json!({"questionId": if nps { "nps1" } else { "csat1" }, "clientId": "c-1",
                   "ticketId": ids.get(i % ids.len().max(1)).cloned().unwrap_or_default(),
                   "value": if nps { i % 11 } else { 1 + i % 5 }, "commentary": format!("r{i}")})
        })
        .collect();
    if !answers.is_empty() {
        control_post(f, &format!("{domain}/survey/responses"), &json!(answers)).await;
    }
    ids
}

/// Every count a user would compare between the sandbox and the warehouse.
async fn compare(f: &TestFleet, db: &Db, domain: &str) {
    let tickets = f.sandbox.movidesk_tickets(domain).await.unwrap_or_default();
    let sum = |key: &str| -> i64 {
        tickets
            .iter()
            .map(|t| t[key].as_array().map_or(0, Vec::len) as i64)
            .sum()
    };
    let items: i64 = tickets
        .iter()
        .flat_map(|t| {
            t["customFieldValues"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|c| c["items"].as_array().map_or(0, Vec::len) as i64)
        .sum();
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_tickets")
            .await,
        tickets.len() as i64
    );
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_tickets__actions")
            .await,
        sum("actions")
    );
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_tickets__clients")
            .await,
        sum("clients")
    );
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_tickets__custom_fields")
            .await,
        sum("customFieldValues")
    );
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_customfieldvalues__items")
            .await,
        items
    );
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_tickets__owners")
            .await,
        tickets.len() as i64
    );
    // Row for row: every ticket's id, subject and last change.
    let stored: Vec<(String, Option<String>, Option<String>)> = sqlx::query(&format!(
        "SELECT id, subject, to_char(last_update AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM {}.movidesk_tickets ORDER BY id",
        db.schema
    ))
    .fetch_all(&db.pool)
    .await
    .unwrap_or_default()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    let mut expected: Vec<(String, Option<String>, Option<String>)> = tickets
        .iter()
        .map(|t| {
            (
                ponte_e2e::id_of(&t["id"]),
                t["subject"].as_str().map(str::to_string),
                t["lastUpdate"]
                    .as_str()
                    .map(|s| s.chars().take(19).collect()),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(stored, expected);
}

/// A 1,000-ticket backfill with persons and surveys, through `/tickets` and `/tickets/past`, at a
/// raised sandbox budget (600/min): it matches the sandbox row for row, with no 429.
#[tokio::test]
async fn a_backfill_copies_everything_row_for_row() {
    let f = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin],
        env: vec![],
    })
    .await;
    let db = Db::new(&f.ns).await;
    let domain = setup(&f, &db, "dw-backfill", 600).await;
    fill(&f, &domain, 1000, 150, 130).await;
    let _ = f
        .http
        .delete(format!("{}/_sandbox/requests", f.url(Svc::Sandbox)))
        .send()
        .await;
    let started = std::time::Instant::now();
    let out = run_ok(&f, &["backfill", "dw-backfill", "--rate", "600"]).await;
    let took = started.elapsed();
    assert!(out.contains("backfill of `dw-backfill` done"), "{out}");
    compare(&f, &db, &domain).await;
    // Figures for docs/benchmarks.md (printed, never asserted).
    let rows = db
        .int("SELECT (SELECT count(*) FROM {schema}.movidesk_tickets) + (SELECT count(*) FROM {schema}.movidesk_tickets__actions) + (SELECT count(*) FROM {schema}.movidesk_tickets__clients) + (SELECT count(*) FROM {schema}.movidesk_tickets__owners) + (SELECT count(*) FROM {schema}.movidesk_tickets__custom_fields) + (SELECT count(*) FROM {schema}.movidesk_customfieldvalues__items) + (SELECT count(*) FROM {schema}.movidesk_persons) + (SELECT count(*) FROM {schema}.movidesk_persons__emails) + (SELECT count(*) FROM {schema}.movidesk_survey_responses)")
        .await;
    let calls = f.sandbox.requests(&domain).await.unwrap_or_default().len();
    eprintln!(
        "bench: backfill of 1000 tickets + 154 persons + 130 responses: {rows} rows in {:.1} s ({:.0} rows/s), {calls} API calls ({:.3} per ticket)",
        took.as_secs_f64(),
        rows as f64 / took.as_secs_f64(),
        calls as f64 / 1000.0
    );
    let people = f
        .http
        .get(format!(
            "{}/_sandbox/movidesk/{domain}/persons",
            f.url(Svc::Sandbox)
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json::<Vec<Value>>()
        .await
        .unwrap_or_default();
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_persons")
            .await,
        people.len() as i64
    );
    let emails: i64 = people
        .iter()
        .map(|p| p["emails"].as_array().map_or(0, Vec::len) as i64)
        .sum();
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_persons__emails")
            .await,
        emails
    );
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_persons__relationships")
            .await,
        people.len() as i64 - 1
    );
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_survey_questions")
            .await,
        2
    );
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_survey_questions__languages")
            .await,
        3
    );
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.movidesk_survey_responses")
            .await,
        130
    );
    let requests = f.sandbox.requests(&domain).await.unwrap_or_default();
    assert!(
        requests.iter().all(|r| r["status"] != json!(429)),
        "a 429 was answered"
    );
    assert!(
        requests.iter().any(|r| r["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/tickets/past"))),
        "old tickets come from /tickets/past"
    );
    let status = run_ok(&f, &["--json", "status", "dw-backfill"]).await;
    let v: Value = serde_json::from_str(&status).unwrap_or_else(|e| panic!("{e}: {status}"));
    assert_eq!(v["tables"]["movidesk_tickets"], json!(1000));
    db.drop().await;
    f.teardown().await;
}

/// A backfill SIGKILLed halfway resumes from its cursor: no duplicate and no missing row, and the
/// pages already done are not read again.
#[tokio::test]
async fn a_killed_backfill_resumes_without_duplicates_or_gaps() {
    let f = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin],
        env: vec![],
    })
    .await;
    let db = Db::new(&f.ns).await;
    let domain = setup(&f, &db, "dw-resume", 0).await;
    fill(&f, &domain, 450, 0, 0).await;
    // Slow reads, so the kill lands mid-way.
    f.sandbox
        .fault(&domain, &json!({"latency_ms": 600, "methods": ["GET"]}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut child = ponte(
        &f,
        &[
            "backfill",
            "dw-resume",
            "--objects",
            "tickets",
            "--rate",
            "0",
        ],
    )
    .spawn()
    .unwrap_or_else(|e| panic!("cannot run ponte: {e}"));
    let cursor = f
        .eventually("a page of the backfill committed", Duration::from_secs(60), || async {
            db.text("SELECT value FROM {schema}.ponte_sync_state WHERE name = 'backfill:tickets:recent'")
                .await
        })
        .await;
    child
        .start_kill()
        .unwrap_or_else(|e| panic!("cannot kill: {e}"));
    let _ = child.wait().await;
    let stored_before = db
        .int("SELECT count(*) FROM {schema}.movidesk_tickets")
        .await;
    assert!(
        stored_before > 0 && stored_before < 450,
        "killed halfway: {stored_before} stored"
    );
    let _ = f
        .http
        .delete(format!("{}/_sandbox/requests", f.url(Svc::Sandbox)))
        .send()
        .await;
    f.sandbox
        .clear_fault(&domain)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    run_ok(
        &f,
        &[
            "backfill",
            "dw-resume",
            "--objects",
            "tickets",
            "--rate",
            "0",
        ],
    )
    .await;
    compare(&f, &db, &domain).await;
    // The resumed run started after the cursor: it read no ticket at or below it again.
    let requests = f.sandbox.requests(&domain).await.unwrap_or_default();
    let first_page = requests
        .iter()
        .find(|r| {
            r["path"].as_str().is_some_and(|p| p.ends_with("/tickets"))
                && r["query"].as_str().is_some_and(|q| q.contains("$expand"))
        })
        .and_then(|r| r["query"].as_str().map(str::to_string))
        .unwrap_or_default();
    assert!(
        first_page.contains(&format!("id gt {cursor}")),
        "the resumed run continues after ticket {cursor}: {first_page}"
    );
    assert_eq!(
        db.int("SELECT count(*) FROM {schema}.ponte_sync_state WHERE name LIKE 'backfill:%'")
            .await,
        0,
        "a finished backfill leaves no cursor"
    );
    db.drop().await;
    f.teardown().await;
}

/// A backfill that has used up the account's budget (Movidesk's real 10 calls a minute, no reserve
/// left for live changes) does not hold a ticket opened meanwhile: when the budget's window frees a
/// call, the ticket's read takes it before the backfill's next page (decision 102), and the
/// provider never admits more than its budget.
#[tokio::test]
async fn a_live_change_takes_the_next_call_before_a_backfill_that_used_up_the_budget() {
    let f = live_fleet().await;
    let db = Db::new(&f.ns).await;
    let id = "dw-first";
    let domain = desk(&f, id, 10).await;
    // History to back up: more pages than one minute's budget, opened with the trigger off so
    // that only the backfill reads them.
    let trigger = |url: Option<String>| {
        let f = &f;
        let domain = &domain;
        async move {
            f.sandbox
                .patch_domain(domain, &json!({ "webhook_url": url }))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
    };
    trigger(None).await;
    for i in 0..1200 {
        f.sandbox
            .movidesk_ui_ticket(&domain, &ticket_body(&format!("Old {i}"), i))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    trigger(Some(hook_url(&f, id))).await;
    integrate(&f, &db, id, &domain).await;
    let _ = f
        .http
        .delete(format!("{}/_sandbox/requests", f.url(Svc::Sandbox)))
        .send()
        .await;
    let mut backfill = ponte(
        &f,
        &[
            "backfill",
            id,
            "--objects",
            "tickets",
            "--rate",
            "10",
            "--reserve",
            "0",
        ],
    )
    .spawn()
    .unwrap_or_else(|e| panic!("cannot run ponte: {e}"));
    f.eventually(
        "the backfill using the whole budget",
        Duration::from_secs(60),
        || async {
            let served = f.sandbox.requests(&domain).await.unwrap_or_default();
            (served.iter().filter(|r| r["status"] == json!(200)).count() >= 10).then_some(())
        },
    )
    .await;

    let t = f
        .sandbox
        .movidesk_ui_ticket(&domain, &ticket_body("Pix fora do ar", 7))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let live = ponte_e2e::id_of(&t["id"]);
    f.eventually(
        "the live ticket in the warehouse",
        Duration::from_secs(120),
        || async {
            (db.int(&format!(
                "SELECT count(*) FROM {{schema}}.movidesk_tickets WHERE id = '{live}' AND subject = 'Pix fora do ar'"
            ))
            .await
                == 1)
                .then_some(())
        },
    )
    .await;
    let _ = backfill.start_kill();
    let _ = backfill.wait().await;

    // The calls Movidesk served after the first minute's: the live ticket's read is the first.
    let served: Vec<Value> = f
        .sandbox
        .requests(&domain)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r["status"] == json!(200))
        .collect();
    let next = served.get(10).unwrap_or_else(|| {
        panic!("the live read came after the first minute's calls: {served:#?}")
    });
    assert!(
        next["query"]
            .as_str()
            .is_some_and(|q| q.contains(&format!("id={live}"))),
        "the first call the budget freed went to the live ticket, not to the backfill: {next:#}"
    );
    ponte_e2e::budget::movidesk_within_budget(&f, &domain).await;
    db.drop().await;
    f.teardown().await;
}

/// Persons and surveys have no webhook: the warehouse worker refreshes them on a schedule, and a
/// person added later arrives on a later pass.
#[tokio::test]
async fn persons_and_surveys_are_refreshed_on_a_schedule() {
    let f = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::WorkerWarehouse],
        env: vec![("PONTE_WAREHOUSE_REFRESH_SECS".into(), "1".into())],
    })
    .await;
    let db = Db::new(&f.ns).await;
    let domain = setup(&f, &db, "dw-refresh", 0).await;
    fill(&f, &domain, 2, 3, 5).await;
    f.eventually(
        "persons and surveys in the warehouse",
        Duration::from_secs(30),
        || async {
            (db.int("SELECT count(*) FROM {schema}.movidesk_persons")
                .await
                == 7
                && db
                    .int("SELECT count(*) FROM {schema}.movidesk_survey_responses")
                    .await
                    == 5
                && db
                    .int("SELECT count(*) FROM {schema}.movidesk_survey_questions__languages")
                    .await
                    == 3)
                .then_some(())
        },
    )
    .await;
    f.sandbox
        .movidesk_persons(&domain, &[person("late-1", "Chegou Depois", 2)])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    f.eventually(
        "the new person on a later pass",
        Duration::from_secs(30),
        || async {
            (db.int(
                "SELECT count(*) FROM {schema}.movidesk_persons__emails WHERE person_id = 'late-1'",
            )
            .await
                == 1)
                .then_some(())
        },
    )
    .await;
    assert_eq!(
        db.text("SELECT business_name FROM {schema}.movidesk_persons WHERE id = 'late-1'")
            .await
            .as_deref(),
        Some("Chegou Depois")
    );
    db.drop().await;
    f.teardown().await;
}

/// Bad data never stops the stream: unusable values land as null with the field named, a field
/// Movidesk adds later is kept in `raw`, a client whose person was deleted is stored as given, and
/// a reading without a ticket id is parked in the warehouse's dead-letter queue with the field
/// named, while the next ticket still lands.
#[tokio::test]
async fn bad_data_is_stored_as_null_or_parked_and_the_stream_goes_on() {
    let f = TestFleet::start(Options {
        services: vec![
            Svc::Sandbox,
            Svc::Admin,
            Svc::Router,
            Svc::WorkerWarehouse,
            Svc::Ingress,
        ],
        env: vec![],
    })
    .await;
    let db = Db::new(&f.ns).await;
    let domain = setup(&f, &db, "dw-bad", 0).await;
    let open = |subject: &str| {
        let mut body = ticket_body(subject, 2);
        if subject != "Dados ruins" {
            // c-2 is deleted after the first ticket.
            body["clients"] = json!([{"id": "c-1"}]);
        }
        let f = &f;
        let domain = domain.clone();
        async move {
            let t = f
                .sandbox
                .movidesk_ui_ticket(&domain, &body)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            ponte_e2e::id_of(&t["id"])
        }
    };
    let id = open("Dados ruins").await;
    let q = |sql: &str| sql.replace("{id}", &id);
    // The client's person is deleted in Movidesk; the ticket keeps referring to it.
    let r = f
        .http
        .delete(format!(
            "{}/persons?token=token-{domain}&id=c-2",
            f.sandbox.movidesk_api()
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        r.status().is_success(),
        "person not deleted: {}",
        r.status()
    );
    f.sandbox
        .movidesk_ui_edit(
            &domain,
            &id,
            &json!({
                "subject": "Dados ruins (2)",
                "readOnly": {"slaSolutionDate": "31/02/2026", "chatTalkTime": "n/a",
                             "aNewMovideskField": {"since": "2027"}}
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    f.eventually(
        "the edited ticket in the warehouse",
        Duration::from_secs(30),
        || async {
            (db.text(&q(
                "SELECT subject FROM {schema}.movidesk_tickets WHERE id = '{id}'",
            ))
            .await
            .as_deref()
                == Some("Dados ruins (2)"))
            .then_some(())
        },
    )
    .await;
    assert_eq!(
        db.int(&q("SELECT count(*) FROM {schema}.movidesk_tickets WHERE id = '{id}' AND sla_solution_date IS NULL AND chat_talk_time IS NULL")).await,
        1
    );
    assert_eq!(
        db.text(&q("SELECT raw->'aNewMovideskField'->>'since' FROM {schema}.movidesk_tickets WHERE id = '{id}'")).await.as_deref(),
        Some("2027")
    );
    assert_eq!(
        db.text(&q("SELECT string_agg(field, ',' ORDER BY field) FROM {schema}.ponte_field_issues WHERE object_id = '{id}'")).await.as_deref(),
        Some("chatTalkTime,slaSolutionDate")
    );
    assert_eq!(
        db.int(&q("SELECT count(*) FROM {schema}.movidesk_tickets__clients WHERE ticket_id = '{id}' AND id = 'c-2'")).await,
        1,
        "a client whose person no longer exists is stored as Movidesk gives it"
    );

    // A reading without an id cannot be stored: parked, naming the field.
    let broken = open("Sem id").await;
    f.sandbox
        .movidesk_ui_edit(
            &domain,
            &broken,
            &json!({"subject": "Sem id (2)", "readOnly": {"id": null}}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let parked = f
        .eventually(
            "the unreadable ticket parked",
            Duration::from_secs(30),
            || async {
                let v = f.admin.get("/dead-letters?queue=warehouse").await.ok()?;
                v["dead_letters"].as_array()?.first().cloned()
            },
        )
        .await;
    let reason = parked["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("`id` is missing"), "{reason}");
    assert_eq!(parked["attempts"], 1, "a permanent failure is not retried");
    // The stream goes on.
    let after = open("Depois do problema").await;
    f.eventually("the next ticket", Duration::from_secs(30), || async {
        (db.int(&format!(
            "SELECT count(*) FROM {{schema}}.movidesk_tickets WHERE id = '{after}'"
        ))
        .await
            == 1)
            .then_some(())
    })
    .await;
    db.drop().await;
    f.teardown().await;
}
