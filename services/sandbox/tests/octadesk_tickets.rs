//! Octadesk tickets in both APIs: create, read, edit, public and internal comments, interactions, status,
//! v1 list filters, and the validation errors of the docs' probes.
#![allow(clippy::unwrap_used)]

mod octadesk_support;

use octadesk_support::{ADMIN, AGENT, API_KEY, Ctx, RESOLVIDO};
use reqwest::Method;
use serde_json::{Value, json};

const PENDENTE: &str = "09350a7d-886d-4490-ae88-f3a3605ff587";

fn comment_kinds(interactions: &Value) -> Vec<Vec<String>> {
    interactions
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["comments"].as_object().unwrap().keys().cloned().collect())
        .collect()
}

#[tokio::test]
async fn legacy_ticket_create_read_edit_and_interactions() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;
    let token = ctx.login_api_token(AGENT).await;

    // diegodrf's body: requester by e-mail (a new person), description in comments, customField as a map.
    let (status, t) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/tickets/",
            Some(&json!({
                "requester": {"email": "nova@cliente.com", "name": "Nova Cliente"},
                "numberChannel": 0, "summary": "Impressora parada", "tags": ["impressora"],
                "inbox": {"domain": "acme", "email": "suporte@acme.com"},
                "customField": {"cpf_do_titular": "12345678900"},
                "comments": {"description": {"content": "Não imprime desde ontem"}}
            })),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let number = t["number"].as_u64().unwrap();
    assert_eq!(number, 1);
    assert_eq!(t["currentStatusName"], "Novo");
    assert_eq!(t["customField"], json!({"cpf_do_titular": "12345678900"}));
    let (status, person) = ctx
        .legacy_call(&token, Method::GET, "/persons?email=nova@cliente.com", None)
        .await;
    assert_eq!(status, 200, "the requester was created: {person}");
    assert_eq!(person["name"], "Nova Cliente");
    assert_eq!(t["idRequester"], person["id"]);

    let (status, t) = ctx
        .legacy_call(&token, Method::GET, &format!("/tickets/{number}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(t["summary"], "Impressora parada");
    assert_eq!(t["description"], "Não imprime desde ontem");
    assert_eq!(t["tags"], json!(["impressora"]));
    assert!(t["openDate"].is_string() && t["lastDateUpdate"].is_string());

    // The sample's internal comment, then a public reply that also resolves the ticket.
    let (status, _) = ctx
        .legacy_call(
            &token,
            Method::PUT,
            "/tickets/1",
            Some(&json!({"comments": {"internal": {"content": "Verificar toner"}}})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, t) = ctx
        .legacy_call(
            &token,
            Method::PUT,
            "/tickets/1",
            Some(&json!({"idCurrentStatus": RESOLVIDO, "comments": {"public": {"content": "Toner trocado."}}})),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["status"], json!({"id": RESOLVIDO, "name": "Resolvido"}));

    // npm-w sends the whole object back: only what changed counts, no new interaction.
    let mut whole = t.clone();
    whole["summary"] = json!("Impressora parada (3º andar)");
    let (status, t2) = ctx
        .legacy_call(&token, Method::PUT, "/tickets/1", Some(&whole))
        .await;
    assert_eq!(status, 200, "{t2}");
    assert_eq!(t2["summary"], "Impressora parada (3º andar)");
    assert_eq!(t2["status"]["name"], "Resolvido");

    let (status, list) = ctx
        .legacy_call(&token, Method::GET, "/tickets/1/interactions", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        comment_kinds(&list),
        vec![
            vec!["description".to_owned()],
            vec!["internal".to_owned()],
            vec!["public".to_owned()]
        ]
    );
    assert_eq!(
        list[1]["comments"]["internal"]["content"],
        "Verificar toner"
    );
    assert_eq!(list[1]["createdBy"]["email"], AGENT);
    assert_eq!(
        list[2]["propertiesChanges"]["status"]["new"]["name"],
        "Resolvido"
    );
    assert_eq!(
        list[2]["propertiesChanges"]["status"]["old"]["name"],
        "Novo"
    );
    assert!(list[2]["dateCreation"].is_string());

    // Requester by id: the person's organization comes along; the requester's tickets list.
    let (status, t) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/tickets",
            Some(&json!({"summary": "Boleto", "requester": {"id": "p-joao"}})),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(
        t["organization"],
        json!({"id": "org-ramos", "name": "Ramos Ltda"})
    );
    let (_, mine) = ctx
        .legacy_call(&token, Method::GET, "/tickets?idRequester=p-joao", None)
        .await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["number"], 2);

    let (status, v) = ctx
        .legacy_call(&token, Method::GET, "/tickets/999", None)
        .await;
    assert_eq!(status, 404);
    assert!(v["message"].is_string());
    let (status, _) = ctx
        .legacy_call(
            &token,
            Method::PUT,
            "/tickets/999",
            Some(&json!({"summary": "x"})),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn v1_ticket_create_read_edit_and_comment() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({"custom_fields": ["cpf_do_titular", "nome", "canal_de_contato", "classificacao", "categoria_de_assunto", "motivos_casos_especiais"]}))
        .await;

    // The api001 sample body (VeloHub), shortened description.
    let sample = json!({
        "requester": {"email": "atendimento@velotax.com", "name": "nome na ocorrencia"},
        "summary": "Registro de Reclamação: BACEN",
        "description": "Reclamação registrada junto ao time competente.",
        "form": {"id": "33f703a1-0a58-454f-a856-550464e1037c"},
        "group": {"id": "9d4372d5-5039-470e-a15e-053a0971ff28"},
        "customField": [
            {"key": "cpf_do_titular", "value": "12345678900"},
            {"key": "canal_de_contato", "value": "Interno"}
        ],
        "idCurrentStatus": RESOLVIDO,
        "tags": ["velohub-reclamacao"]
    });
    let (status, t) = ctx
        .v1_call(None, Method::POST, "/tickets", Some(&sample))
        .await;
    assert_eq!(status, 201, "{t}");
    let number = t["number"].as_u64().unwrap();
    let (status, t) = ctx
        .v1_call(
            Some(AGENT),
            Method::GET,
            &format!("/tickets/{number}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(t["status"], json!({"id": RESOLVIDO, "name": "Resolvido"}));
    assert_eq!(t["requester"]["email"], "atendimento@velotax.com");
    assert_eq!(t["form"]["id"], "33f703a1-0a58-454f-a856-550464e1037c");
    assert_eq!(t["group"]["id"], "9d4372d5-5039-470e-a15e-053a0971ff28");
    assert_eq!(
        t["customField"],
        json!([{"key": "cpf_do_titular", "value": "12345678900"}, {"key": "canal_de_contato", "value": "Interno"}])
    );
    assert_eq!(t["tags"], json!(["velohub-reclamacao"]));
    assert_eq!(
        t["createdBy"]["email"], ADMIN,
        "no octa-agent-email: the account owner"
    );
    assert!(t["createdAt"].is_string() && t["updatedAt"].is_string());

    // The sample PUT (internal comment), then a status change and a public comment.
    let (status, _) = ctx
        .v1_call(
            Some(AGENT),
            Method::PUT,
            &format!("/tickets/{number}"),
            Some(&json!({"comments": {"internal": {"content": "Nova Solicitação Técnica"}}})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, t) = ctx
        .v1_call(
            Some(AGENT),
            Method::PUT,
            &format!("/tickets/{number}"),
            Some(&json!({"idCurrentStatus": PENDENTE})),
        )
        .await;
    assert_eq!(
        (status, t["status"]["name"].as_str()),
        (200, Some("Pendente"))
    );
    let (status, t) = ctx
        .v1_call(Some(ADMIN), Method::PUT, &format!("/tickets/{number}"), Some(&json!({"comments": {"public": {"content": "Recebemos sua reclamação."}}, "customField": [{"key": "canal_de_contato", "value": "Email"}]})))
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(
        t["customField"][1],
        json!({"key": "canal_de_contato", "value": "Email"})
    );
    assert_eq!(
        t["lastHumanInteraction"]["comments"]["public"]["content"],
        "Recebemos sua reclamação."
    );

    let (status, list) = ctx
        .v1_call(
            None,
            Method::GET,
            &format!("/tickets/{number}/interactions"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 4);
    assert_eq!(
        list[1]["comments"],
        json!({"internal": {"content": "Nova Solicitação Técnica"}})
    );
    assert_eq!(list[1]["createdBy"]["email"], AGENT);
    assert_eq!(list[2]["comments"], json!({}));
    assert_eq!(
        list[2]["propertiesChanges"]["status"]["new"]["id"],
        PENDENTE
    );
    assert_eq!(list[3]["createdBy"]["email"], ADMIN);
    assert!(list[3]["createdAt"].is_string());

    // The same ticket through the legacy API.
    let token = ctx.login().await;
    let (_, legacy) = ctx
        .legacy_call(&token, Method::GET, &format!("/tickets/{number}"), None)
        .await;
    assert_eq!(legacy["idCurrentStatus"], PENDENTE);
    assert_eq!(legacy["customField"]["canal_de_contato"], "Email");
}

#[tokio::test]
async fn v1_lists_filter_sort_and_page() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;
    for s in ["um", "dois", "três"] {
        ctx.v1_ticket(s).await;
    }
    let (status, _) = ctx
        .v1_call(
            None,
            Method::PUT,
            "/tickets/2",
            Some(&json!({"status": "resolvido"})),
        )
        .await;
    assert_eq!(status, 200);

    let (status, v) = ctx
        .v1_call(None, Method::GET, "/tickets/status", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(v.as_array().unwrap().len(), 7);
    assert!(
        v.as_array()
            .unwrap()
            .contains(&json!({"id": RESOLVIDO, "name": "Resolvido"}))
    );

    let (status, v, headers) = ctx
        .send_full(
            Method::GET,
            &ctx.v1("/tickets?filters[0][property]=status.name&filters[0][operator]=ne&filters[0][value]=Resolvido&sort[property]=number&sort[direction]=desc&page=1&limit=1"),
            &[("X-API-KEY", API_KEY)],
            None,
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let numbers: Vec<u64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![3]);
    assert_eq!(headers["x-total-items"], "2");
    assert_eq!(headers["x-total-pages"], "2");

    let (_, v) = ctx
        .v1_call(None, Method::GET, "/tickets?filters[0][property]=createdAt&filters[0][operator]=ge&filters[0][value]=2020-01-01T00:00:00-0300&filters[1][property]=requester.email&filters[1][operator]=eq&filters[1][value]=JOAO@ramos.com.br", None)
        .await;
    assert_eq!(v.as_array().unwrap().len(), 3);
    let (status, v) = ctx
        .v1_call(None, Method::GET, "/tickets?limit=101", None)
        .await;
    assert_eq!(status, 400, "{v}");
    let (status, _) = ctx
        .v1_call(
            None,
            Method::GET,
            "/tickets?filters[0][property]=number&filters[0][operator]=like&filters[0][value]=1",
            None,
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn validation_errors_come_in_the_documented_shapes() {
    let ctx = Ctx::start().await;
    ctx.tenant(json!({})).await;
    let base = json!({"summary": "x", "requester": {"email": "a@b.com"}});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, msg) in [
        (
            json!({"summary": "no requester"}),
            "Value cannot be null. (Parameter 'email')",
        ),
        (
            json!({"summary": "x", "requester": {"name": "only a name"}}),
            "Value cannot be null. (Parameter 'email')",
        ),
        (
            with("customField", json!({"cpf_do_titular": "1"})),
            "The customFields must have a valid key",
        ),
        (
            with(
                "customField",
                json!([{"key": "canal_de_origem", "value": "Octadesk"}]),
            ),
            "The customFields must have a valid key",
        ),
        (
            with("idCurrentStatus", json!("not-a-status")),
            "The status 'not-a-status' does not exist",
        ),
        (
            json!({"requester": {"email": "a@b.com"}}),
            "The summary field is required",
        ),
        (
            with("requester", json!({"id": "nobody"})),
            "The requester 'nobody' was not found",
        ),
        (
            with("tags", json!([1, 2])),
            "The tags field must be an array of strings",
        ),
    ] {
        let (status, v) = ctx
            .v1_call(None, Method::POST, "/tickets", Some(&body))
            .await;
        assert_eq!(status, 400, "{body}: {v}");
        assert_eq!(v, json!({"message": msg}), "{body}");
    }
    let (status, v) = ctx
        .send(
            Method::POST,
            &ctx.v1("/tickets"),
            &[("X-API-KEY", API_KEY), ("content-type", "application/json")],
            None,
        )
        .await;
    assert_eq!(status, 400, "empty body: {v}");
    let tickets = ctx.control_get("/_sandbox/octadesk/acme/tickets").await;
    assert_eq!(tickets, json!([]), "nothing was created");
    let persons = ctx.control_get("/_sandbox/octadesk/acme/persons").await;
    assert_eq!(
        persons.as_array().unwrap().len(),
        1,
        "no requester was created either"
    );

    // v1 accepts and ignores `idForm` + `customFields[]` (the probe), the legacy API takes the map.
    let mut ignored = with("idForm", json!("f1"));
    ignored["customFields"] = json!([{"key": "zzz", "value": 1}]);
    let (status, t) = ctx
        .v1_call(None, Method::POST, "/tickets", Some(&ignored))
        .await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(
        (t["customField"].clone(), t["form"].clone()),
        (json!([]), Value::Null)
    );
    let token = ctx.login().await;
    let (status, v) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/tickets",
            Some(&with("customField", json!({"nope": "1"}))),
        )
        .await;
    assert_eq!(
        (status, v),
        (
            400,
            json!({"message": "The customFields must have a valid key"})
        )
    );
    let (status, _) = ctx
        .legacy_call(
            &token,
            Method::POST,
            "/tickets",
            Some(&with("customField", json!({"canal_de_contato": "Interno"}))),
        )
        .await;
    assert_eq!(status, 201);
}
