//! The warehouse against the real PostgreSQL (`PONTE_TEST_DATABASE_URL`, default the local
//! instance): each test in its own schema, dropped at the end.

use ponte_core::warehouse::parse_database_url;
use ponte_warehouse::map;
use ponte_warehouse::{Warehouse, Written};
use serde_json::{Value, json};
use sqlx::Row;

fn database_url() -> String {
    std::env::var("PONTE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

struct Scratch {
    wh: Warehouse,
}

/// Runs `body` on a fresh schema and drops the schema afterwards, even when `body` panics.
async fn with_scratch<F, Fut>(body: F)
where
    F: FnOnce(Scratch) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let s = Scratch::new().await;
    let wh = s.wh.clone();
    let outcome = tokio::spawn(body(s)).await;
    Scratch { wh }.drop().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

impl Scratch {
    async fn new() -> Scratch {
        let schema = format!("wh_{}", &uuid_like()[..12]);
        let address = parse_database_url(&format!("{}?schema={schema}", database_url()))
            .unwrap_or_else(|e| panic!("bad test database URL: {e}"));
        let wh = Warehouse::open(&address, None)
            .await
            .unwrap_or_else(|e| panic!("cannot open the test warehouse: {e}"));
        Scratch { wh }
    }

    async fn drop(self) {
        let sql = format!("DROP SCHEMA {} CASCADE", self.wh.schema());
        sqlx::query(&sql)
            .execute(self.wh.pool())
            .await
            .unwrap_or_else(|e| panic!("cannot drop the test schema: {e}"));
        self.wh.close().await;
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.wh.pool())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    async fn text(&self, sql: &str) -> Option<String> {
        sqlx::query(sql)
            .fetch_one(self.wh.pool())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .try_get::<Option<String>, _>(0)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    async fn write_ticket(&self, t: &Value) -> Written {
        let m = map::ticket(t).unwrap_or_else(|e| panic!("ticket refused: {e}"));
        self.wh
            .write(&m)
            .await
            .unwrap_or_else(|e| panic!("write failed: {e}"))
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:032x}", nanos ^ u128::from(std::process::id()) << 64)
        .chars()
        .rev()
        .collect()
}

fn person(id: &str, name: &str) -> Value {
    json!({"id": id, "personType": 1, "profileType": 2, "businessName": name, "email": format!("{id}@x.test"), "phone": null})
}

fn ticket(last_update: &str, subject: &str) -> Value {
    json!({
        "id": "1001",
        "protocol": null,
        "type": 2,
        "subject": subject,
        "category": "Dúvida",
        "urgency": "Alta",
        "status": "Em atendimento",
        "baseStatus": "InAttendance",
        "origin": 9,
        "createdDate": "2026-01-10T10:00:00.1234567",
        "isDeleted": false,
        "owner": person("agent-1", "Ana"),
        "ownerTeam": "Suporte",
        "createdBy": person("agent-1", "Ana"),
        "tags": ["vip", "pix"],
        "slaAgreement": "Ouro",
        "slaSolutionTime": 480,
        "slaResponseDate": "2026-01-10T12:00:00",
        "lifeTimeWorkingTime": 125,
        "chatWidget": "site",
        "lastUpdate": last_update,
        "clients": [
            {"id": "c-1", "personType": 1, "profileType": 2, "businessName": "Bia", "email": "bia@x.test", "isDeleted": false,
             "organization": {"id": "org-1", "businessName": "Acme", "personType": 2, "profileType": 2}},
            {"id": "c-2", "personType": 1, "profileType": 2, "businessName": "Caio", "isDeleted": false, "organization": null}
        ],
        "actions": [
            {"id": 1, "type": 2, "origin": 0, "description": "help", "htmlDescription": "<p>help</p>", "status": "Novo",
             "createdDate": "2026-01-10T10:00:00", "createdBy": person("c-1", "Bia"), "isDeleted": false, "tags": [],
             "timeAppointments": [], "attachments": []},
            {"id": 2, "type": 1, "origin": 2, "description": "on it", "htmlDescription": "<p>on it</p>", "status": "Em atendimento",
             "createdDate": "2026-01-10T11:00:00", "createdBy": person("agent-1", "Ana"), "isDeleted": false, "tags": ["note"]}
        ],
        "customFieldValues": [
            {"customFieldId": 35294, "customFieldRuleId": 17311, "line": 1, "value": null,
             "items": [{"customFieldItem": "Internacional", "storageFileGuid": ""}, {"personId": "agent-1"}]},
            {"customFieldId": 40000, "customFieldRuleId": 17311, "line": 1, "value": "1.530,75", "items": []}
        ],
        "parentTickets": [{"id": 900, "subject": "Parent", "isDeleted": false}],
        "childrenTickets": [{"id": 1200, "subject": "Child", "isDeleted": false}],
        "statusHistories": [{"status": "Novo", "changedDate": "2026-01-10T10:00:00"}],
        "brandNewField": {"from": "a later Movidesk"}
    })
}

#[tokio::test]
async fn a_ticket_lands_whole_and_an_older_reading_never_wins() {
    with_scratch(|s| async move {
    assert!(matches!(
        s.write_ticket(&ticket("2026-01-10T11:00:00", "first")).await,
        Written::Stored { .. }
    ));
    assert_eq!(s.count("SELECT count(*) FROM movidesk_tickets").await, 1);
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_tickets__actions WHERE ticket_id = '1001'")
            .await,
        2
    );
    assert_eq!(
        s.text("SELECT organization_business_name FROM movidesk_tickets__clients WHERE id = 'c-1'")
            .await
            .as_deref(),
        Some("Acme")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_tickets__clients").await,
        2
    );
    assert_eq!(
        s.text("SELECT id FROM movidesk_tickets__owners WHERE ticket_id = '1001'")
            .await
            .as_deref(),
        Some("agent-1")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_tickets__custom_fields").await,
        2
    );
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_customfieldvalues__items").await,
        2
    );
    assert_eq!(
        s.text("SELECT person_id FROM movidesk_customFieldValues__items WHERE item_line = 2")
            .await
            .as_deref(),
        Some("agent-1")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_tickets__parents_children WHERE (child_id, parent_id) IN (('1001','900'), ('1200','1001'))")
            .await,
        2
    );
    assert_eq!(
        s.text("SELECT sla_agreement FROM movidesk_tickets").await.as_deref(),
        Some("Ouro")
    );
    assert_eq!(
        s.count("SELECT sla_solution_time::bigint FROM movidesk_tickets").await,
        480
    );
    assert_eq!(
        s.text("SELECT tags FROM movidesk_tickets").await.as_deref(),
        Some(r#"["vip","pix"]"#)
    );
    // Fields Ponte does not map are kept, not lost.
    assert_eq!(
        s.text("SELECT raw->'brandNewField'->>'from' FROM movidesk_tickets")
            .await
            .as_deref(),
        Some("a later Movidesk")
    );

    // A newer reading replaces every child row; an older one changes nothing.
    let mut newer = ticket("2026-01-10T12:00:00", "second");
    newer["actions"] = json!([newer["actions"][0].clone()]);
    newer["clients"] = json!([newer["clients"][1].clone()]);
    assert!(matches!(s.write_ticket(&newer).await, Written::Stored { .. }));
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_tickets__actions").await,
        1
    );
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_tickets__clients").await,
        1
    );
    let older = ticket("2026-01-10T11:30:00", "late redelivery");
    assert_eq!(s.write_ticket(&older).await, Written::Stale);
    assert_eq!(
        s.text("SELECT subject FROM movidesk_tickets").await.as_deref(),
        Some("second")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_tickets__actions").await,
        1
    );
    // The same reading again (a redelivery) is harmless.
    assert!(matches!(s.write_ticket(&newer).await, Written::Stored { .. }));
    assert_eq!(s.count("SELECT count(*) FROM movidesk_tickets").await, 1);
    })
    .await;
}

#[tokio::test]
async fn bad_fields_are_stored_as_null_and_named() {
    with_scratch(|s| async move {
    let mut t = ticket("2026-01-10T11:00:00", "bad data");
    let huge = format!("<p>{}</p>", "x".repeat(1024 * 1024));
    t["closedIn"] = json!("not a date");
    t["resolvedIn"] = Value::Null;
    t["slaSolutionTime"] = json!({"minutes": 480});
    t["subject"] = json!("nul\u{0}byte");
    t["actions"][1]["htmlDescription"] = json!(huge);
    t["actions"][0]["createdDate"] = json!("31/02/2026");
    t["customFieldValues"][0]["items"] = json!([{"assetId": 77, "customFieldItem": null}]);
    t["clients"][1]["id"] = json!("deleted-person-404");
    if let Some(actions) = t["actions"].as_array_mut() {
        actions.push(json!({"type": 2, "description": "no id"}));
    }
    assert!(matches!(s.write_ticket(&t).await, Written::Stored { .. }));
    assert_eq!(
        s.count("SELECT length(html_description)::bigint FROM movidesk_tickets__actions WHERE id = '2'")
            .await,
        huge.len() as i64
    );
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_tickets WHERE closed_in IS NULL AND sla_solution_time IS NULL")
            .await,
        1
    );
    assert_eq!(
        s.text("SELECT subject FROM movidesk_tickets").await.as_deref(),
        Some("nulbyte")
    );
    assert_eq!(
        s.text("SELECT raw->>'assetId' FROM movidesk_customfieldvalues__items")
            .await
            .as_deref(),
        Some("77")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_tickets__clients WHERE id = 'deleted-person-404'")
            .await,
        1
    );
    let issues: Vec<String> = s
        .wh
        .issues("ticket", "1001")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(
        issues,
        [
            "actions[0].createdDate",
            "actions[2].id",
            "closedIn",
            "slaSolutionTime",
            "subject",
        ]
    );
    // A ticket without an id cannot be stored at all: refused, naming the field.
    let mut no_id = ticket("2026-01-10T11:00:00", "x");
    no_id["id"] = Value::Null;
    let refused = map::ticket(&no_id).err().map(|e| e.to_string());
    assert_eq!(
        refused.as_deref(),
        Some("ticket cannot be stored: `id` is missing or empty")
    );
    })
    .await;
}

#[tokio::test]
async fn persons_and_surveys_land_with_their_lists() {
    with_scratch(|s| async move {
    let p = json!({
        "id": "c-1", "personType": 1, "profileType": 2, "businessName": "Bia", "isActive": true,
        "createdDate": "2026-01-01T00:00:00", "changedDate": "2026-01-02T00:00:00",
        "relationships": [{"id": "org-1", "name": "Acme", "slaAgreement": "Ouro", "allowAllServices": true}],
        "emails": [{"emailType": "Profissional", "email": "bia@acme.test", "isDefault": true},
                   {"emailType": "Pessoal", "email": "bia@home.test", "isDefault": false}],
        "contacts": [{"contactType": "Telefone celular", "contact": "+55 11 99999-0000", "isDefault": true}],
        "teams": ["Clientes"]
    });
    let m = map::person(&p).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(s.wh.write(&m).await, Ok(Written::Stored { rows: 5 })));
    assert_eq!(
        s.count("SELECT count(*) FROM movidesk_persons__emails WHERE person_id = 'c-1'")
            .await,
        2
    );
    assert_eq!(
        s.text("SELECT sla_agreement FROM movidesk_persons__relationships")
            .await
            .as_deref(),
        Some("Ouro")
    );
    let q = json!({"id": "pZN7", "type": 3, "isActive": true,
                   "languages": [{"language": "pt-BR", "description": "Recomendaria?"}, {"language": "en", "description": "Recommend?"}]});
    let m = map::survey_question(&q).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(s.wh.write(&m).await, Ok(Written::Stored { rows: 3 })));
    let r = json!({"id": "l6Bz", "questionId": "pZN7", "type": 3, "clientId": "c-1", "ticketId": 1001,
                   "responseDate": "2026-01-11T09:00:00.0174433", "value": 9, "commentary": "bom"});
    let m = map::survey_response(&r).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(s.wh.write(&m).await, Ok(Written::Stored { rows: 1 })));
    assert_eq!(
        s.count("SELECT value::bigint FROM movidesk_survey_responses WHERE question_id = 'pZN7'")
            .await,
        9
    );
    })
    .await;
}
