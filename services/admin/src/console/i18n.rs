//! Labels in English and Brazilian Portuguese: picked from the
//! `ponte_lang` cookie (the switch on every page), else from the browser's
//! `Accept-Language`.

use axum::http::HeaderMap;

use super::session::{LANG_COOKIE, cookie};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    PtBr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::PtBr => "pt-BR",
        }
    }

    /// The language's own name, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::PtBr => "Português (Brasil)",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::PtBr,
            Lang::PtBr => Lang::En,
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let c = code.trim().to_ascii_lowercase();
        if c == "en" || c.starts_with("en-") {
            Some(Lang::En)
        } else if c == "pt" || c.starts_with("pt-") {
            Some(Lang::PtBr)
        } else {
            None
        }
    }

    /// The cookie's choice, else the first language the browser accepts
    /// (by quality) that the console has, else English.
    pub fn of(headers: &HeaderMap) -> Lang {
        if let Some(l) = cookie(headers, LANG_COOKIE).and_then(|c| Lang::parse(&c)) {
            return l;
        }
        let accept = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let mut choices: Vec<(f32, usize, Lang)> = accept
            .split(',')
            .enumerate()
            .filter_map(|(n, part)| {
                let mut bits = part.split(';');
                let lang = Lang::parse(bits.next()?)?;
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, n, lang))
            })
            .collect();
        choices.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        choices.first().map(|c| c.2).unwrap_or(Lang::En)
    }

    /// The label `key` in this language.
    pub fn t(self, key: &str) -> &'static str {
        match LABELS.iter().find(|(k, _, _)| *k == key) {
            Some((_, en, pt)) => match self {
                Lang::En => en,
                Lang::PtBr => pt,
            },
            None => {
                tracing::warn!(key, "console label missing");
                "?"
            }
        }
    }
}

/// `(key, English, Português)`.
const LABELS: &[(&str, &str, &str)] = &[
    ("app", "Ponte", "Ponte"),
    ("skip", "Skip to content", "Pular para o conteúdo"),
    ("signout", "Sign out", "Sair"),
    ("back", "Back to the integrations", "Voltar às integrações"),
    ("cancel", "Cancel", "Cancelar"),
    ("all", "All", "Todas"),
    ("copy", "Copy", "Copiar"),
    ("copied", "Copied", "Copiado"),
    ("filter", "Filter", "Filtrar"),
    ("search", "Search", "Buscar"),
    ("show", "Show", "Mostrar"),
    ("never", "never", "nunca"),
    ("trace", "Trace", "Trace"),
    ("nav.label", "Console sections", "Seções do console"),
    ("nav.integrations", "Integrations", "Integrações"),
    ("nav.links", "Links", "Vínculos"),
    ("nav.manual", "Manual mode", "Modo manual"),
    ("nav.dead_letters", "Dead letters", "Mensagens paradas"),
    ("nav.calls", "Calls", "Chamadas"),
    ("nav.fleet", "Fleet", "Serviços"),
    ("err.title", "Something went wrong", "Algo deu errado"),
    (
        "err.signed_out",
        "Your session has ended; sign in again.",
        "Sua sessão terminou; entre novamente.",
    ),
    (
        "err.csrf",
        "This form's security token is missing or out of date; reload the page and try again.",
        "O token de segurança deste formulário está ausente ou vencido; recarregue a página e tente de novo.",
    ),
    (
        "err.too_large",
        "The form is too large.",
        "O formulário é grande demais.",
    ),
    ("signin.title", "Sign in", "Entrar"),
    (
        "signin.intro",
        "Use the admin token of this Ponte installation (PONTE_ADMIN_TOKEN).",
        "Use o token de administração desta instalação do Ponte (PONTE_ADMIN_TOKEN).",
    ),
    ("signin.token", "Admin token", "Token de administração"),
    ("signin.submit", "Sign in", "Entrar"),
    (
        "signin.wrong",
        "The admin token does not match.",
        "O token de administração não confere.",
    ),
    (
        "signin.locked",
        "Too many wrong tokens from this address; try again in {secs} s.",
        "Tokens errados demais deste endereço; tente de novo em {secs} s.",
    ),
    ("int.new", "New integration", "Nova integração"),
    ("int.export_xlsx", "Export XLSX", "Exportar XLSX"),
    ("int.export_csv", "Export CSV", "Exportar CSV"),
    (
        "int.none",
        "No integration yet.",
        "Nenhuma integração ainda.",
    ),
    (
        "int.caption",
        "Every integration, its state and its traffic",
        "Todas as integrações, seu estado e seu tráfego",
    ),
    ("int.name", "Integration", "Integração"),
    ("int.state", "State", "Estado"),
    ("int.pair", "Providers", "Provedores"),
    ("int.last_webhook", "Last webhook", "Último webhook"),
    ("int.links", "Links", "Vínculos"),
    ("int.parked", "Parked", "Paradas"),
    ("int.actions", "Actions", "Ações"),
    ("int.webhooks", "Webhook URLs", "URLs de webhook"),
    ("int.enabled", "enabled", "ativa"),
    ("int.disabled", "disabled", "desativada"),
    ("int.edit", "Edit", "Editar"),
    ("int.enable", "Enable", "Ativar"),
    ("int.disable", "Disable", "Desativar"),
    ("int.clone", "Clone", "Clonar"),
    ("int.clone_id", "New id", "Novo id"),
    ("int.delete", "Delete", "Excluir"),
    (
        "int.was_saved",
        "Integration {id} saved.",
        "Integração {id} salva.",
    ),
    (
        "int.was_enabled",
        "Integration {id} enabled.",
        "Integração {id} ativada.",
    ),
    (
        "int.was_disabled",
        "Integration {id} disabled: its webhooks are refused.",
        "Integração {id} desativada: seus webhooks são recusados.",
    ),
    (
        "int.was_cloned",
        "Copy {id} created, disabled until you enable it.",
        "Cópia {id} criada, desativada até você ativá-la.",
    ),
    (
        "int.was_deleted",
        "Integration {id} deleted.",
        "Integração {id} excluída.",
    ),
    (
        "hooks.hint",
        "Paste each URL into the provider's webhook settings and add the side's inbound secret as ?token=…, or send it in Authorization: Bearer or X-Ponte-Token.",
        "Cole cada URL nas configurações de webhook do provedor e acrescente o segredo de entrada do lado como ?token=…, ou envie-o em Authorization: Bearer ou X-Ponte-Token.",
    ),
    ("mode.automatic", "automatic", "automático"),
    ("mode.manual", "manual", "manual"),
    (
        "del.title",
        "Delete integration {id}",
        "Excluir a integração {id}",
    ),
    (
        "del.warning",
        "Its webhooks will be refused and nothing more crosses. Links and history stay in the store.",
        "Seus webhooks serão recusados e nada mais atravessa. Vínculos e histórico ficam guardados.",
    ),
    (
        "del.type",
        "Type {id} to confirm",
        "Digite {id} para confirmar",
    ),
    (
        "del.mismatch",
        "Type exactly {id} to delete it.",
        "Digite exatamente {id} para excluí-la.",
    ),
    ("form.new_title", "New integration", "Nova integração"),
    ("form.edit_title", "Integration {id}", "Integração {id}"),
    (
        "form.has_errors",
        "The integration was not saved. Fix these fields:",
        "A integração não foi salva. Corrija estes campos:",
    ),
    ("form.general", "General", "Geral"),
    ("form.id", "Id", "Id"),
    (
        "form.id_hint",
        "Letters, digits, - and _; it appears in webhook URLs.",
        "Letras, dígitos, - e _; aparece nas URLs de webhook.",
    ),
    ("form.name", "Name", "Nome"),
    ("form.mode", "Mode", "Modo"),
    (
        "form.client_key",
        "Client found by",
        "Cliente encontrado por",
    ),
    (
        "form.generator_agent",
        "Generator agent (target)",
        "Agente gerador (destino)",
    ),
    (
        "form.generator_agent_hint",
        "Person id on the target that creates counterparts.",
        "Id da pessoa no destino que cria as contrapartes.",
    ),
    (
        "form.source_agent",
        "Ponte's agent (source)",
        "Agente do Ponte (origem)",
    ),
    (
        "form.source_agent_hint",
        "Person id on the source that writes Ponte's actions.",
        "Id da pessoa na origem que escreve as ações do Ponte.",
    ),
    (
        "form.reconcile",
        "Reconcile every (s)",
        "Reconciliar a cada (s)",
    ),
    (
        "form.reconcile_hint",
        "0 turns reconciliation off.",
        "0 desliga a reconciliação.",
    ),
    ("form.enabled", "Enabled", "Ativa"),
    (
        "form.send_all_status_changes",
        "Send every status change (off: only reopenings)",
        "Enviar toda mudança de status (desligado: só reaberturas)",
    ),
    (
        "form.create_missing_client",
        "Create the client on the other side when not found",
        "Criar o cliente do outro lado quando não encontrado",
    ),
    ("form.source", "Source", "Origem"),
    ("form.target", "Target", "Destino"),
    ("form.provider", "Provider", "Provedor"),
    ("form.base_url", "API base URL", "URL base da API"),
    (
        "form.base_url_hint",
        "http:// or https://, without a query string.",
        "http:// ou https://, sem query string.",
    ),
    (
        "form.inbound_secret",
        "Inbound secret",
        "Segredo de entrada",
    ),
    (
        "form.inbound_header",
        "Secret header (optional)",
        "Cabeçalho do segredo (opcional)",
    ),
    (
        "form.inbound_header_hint",
        "Only for providers that send the secret in their own header.",
        "Só para provedores que enviam o segredo num cabeçalho próprio.",
    ),
    (
        "form.client_organization",
        "Organization of created clients (Movidesk, optional)",
        "Organização dos clientes criados (Movidesk, opcional)",
    ),
    (
        "form.client_organization_hint",
        "Cód. Ref. of the organization every client person Ponte creates here belongs to.",
        "Cód. Ref. da organização a que pertence cada cliente que o Ponte cria aqui.",
    ),
    (
        "form.rate",
        "Requests per second",
        "Requisições por segundo",
    ),
    (
        "form.rate_hint",
        "0 uses the worker's default.",
        "0 usa o padrão do worker.",
    ),
    (
        "form.desk_view",
        "What agents see in the desk",
        "O que os agentes veem no desk",
    ),
    (
        "form.desk_view_hint",
        "Off by default: each costs calls to the provider. The field, the note and the history are Movidesk's.",
        "Desligado por padrão: cada um custa chamadas ao provedor. Campo, nota e histórico são do Movidesk.",
    ),
    (
        "form.ticket_url",
        "Ticket page URL",
        "URL da página do ticket",
    ),
    (
        "form.ticket_url_hint",
        "{id} is replaced by the ticket number; the other side links to it.",
        "{id} é trocado pelo número do ticket; o outro lado aponta para ela.",
    ),
    (
        "form.counterpart_field_id",
        "Counterpart custom field id",
        "ID do campo adicional da contraparte",
    ),
    (
        "form.counterpart_field_rule",
        "Its display rule id",
        "ID da regra de exibição dele",
    ),
    (
        "form.counterpart_note",
        "Write the counterpart as an internal action",
        "Escrever a contraparte como ação interna",
    ),
    (
        "form.history_in_ticket",
        "Write the link history as internal actions",
        "Escrever o histórico do vínculo como ações internas",
    ),
    ("form.credentials", "Credentials", "Credenciais"),
    (
        "form.credentials_hint",
        "Write-only: stored values are never shown.",
        "Somente escrita: valores guardados nunca são mostrados.",
    ),
    (
        "form.needs",
        "This provider needs:",
        "Este provedor precisa de:",
    ),
    (
        "form.cred_name",
        "Credential {n} name",
        "Nome da credencial {n}",
    ),
    (
        "form.cred_value",
        "Credential {n} value",
        "Valor da credencial {n}",
    ),
    (
        "form.cred_needs_name",
        "A credential value needs its name.",
        "Um valor de credencial precisa do nome.",
    ),
    (
        "form.secret_stored",
        "Stored. Leave empty to keep it.",
        "Guardado. Deixe vazio para mantê-lo.",
    ),
    ("form.secret_new", "Not set.", "Não definido."),
    ("form.conditions", "Conditions", "Condições"),
    (
        "form.conditions_hint",
        "Which tickets the integration takes; none means every ticket. Fields:",
        "Quais tickets a integração leva; nenhuma significa todos. Campos:",
    ),
    ("form.match", "Match", "Combinar"),
    ("form.match_all", "every rule", "todas as regras"),
    ("form.match_any", "any rule", "qualquer regra"),
    ("form.rule_field", "Rule {n} field", "Campo da regra {n}"),
    ("form.rule_op", "Rule {n} operator", "Operador da regra {n}"),
    (
        "form.rule_value",
        "Rule {n} value (comma-separated for in / not_in)",
        "Valor da regra {n} (separado por vírgulas em in / not_in)",
    ),
    ("form.bad_op", "Unknown operator.", "Operador desconhecido."),
    (
        "form.correlation",
        "Field correlation",
        "Correlação de campos",
    ),
    (
        "form.correlation_hint",
        "Source value = target value, one per line. An empty table keeps values as they are.",
        "Valor da origem = valor do destino, um por linha. Uma tabela vazia mantém os valores.",
    ),
    (
        "form.table_hint",
        "One `source = target` per line.",
        "Um `origem = destino` por linha.",
    ),
    (
        "form.agent_hint",
        "One `person = id | team` per line (team optional).",
        "Um `pessoa = id | equipe` por linha (equipe opcional).",
    ),
    (
        "form.custom_fields_hint",
        "JSON: [{\"source\": \"id\", \"target\": \"id\", \"source_rule\": 1, \"target_rule\": 2, \"values\": {\"a\": \"b\"}}]",
        "JSON: [{\"source\": \"id\", \"target\": \"id\", \"source_rule\": 1, \"target_rule\": 2, \"values\": {\"a\": \"b\"}}]",
    ),
    (
        "form.bad_line",
        "Line {n} (`{line}`) needs `=`.",
        "A linha {n} (`{line}`) precisa de `=`.",
    ),
    ("form.bad_json", "Not valid JSON: {e}", "JSON inválido: {e}"),
    (
        "form.not_a_number",
        "`{v}` is not a whole number.",
        "`{v}` não é um número inteiro.",
    ),
    (
        "form.defaults",
        "Defaults for unmapped values",
        "Padrões para valores sem correlação",
    ),
    ("form.person_id", "person id", "id da pessoa"),
    ("form.team", "team", "equipe"),
    (
        "form.telephony",
        "Telephony (UIS source)",
        "Telefonia (origem UIS)",
    ),
    (
        "form.telephony_hint",
        "Used only when the source is a telephony provider.",
        "Usado só quando a origem é um provedor de telefonia.",
    ),
    ("form.save", "Save", "Salvar"),
    ("corr.status", "Status", "Status"),
    (
        "corr.justification",
        "Status justification (receiving side's status → justification)",
        "Justificativa de status (status do lado que recebe → justificativa)",
    ),
    (
        "tel.employee_extensions",
        "PBX employee id → internal number",
        "Id do funcionário no PABX → ramal",
    ),
    (
        "corr.status_back",
        "Status back (target → source)",
        "Status de volta (destino → origem)",
    ),
    ("corr.category", "Category", "Categoria"),
    ("corr.urgency", "Urgency", "Urgência"),
    ("corr.agent", "Responsible agent", "Agente responsável"),
    (
        "corr.agent_back",
        "Agent back (target → source)",
        "Agente de volta (destino → origem)",
    ),
    (
        "corr.custom_fields",
        "Custom fields",
        "Campos personalizados",
    ),
    (
        "tel.create_unknown_callers",
        "Create a contact for an unknown caller",
        "Criar contato para quem liga e não é conhecido",
    ),
    (
        "tel.company_id",
        "Company of new contacts",
        "Empresa dos novos contatos",
    ),
    (
        "tel.search_numbers_count",
        "Trailing digits compared (1-10)",
        "Dígitos finais comparados (1-10)",
    ),
    ("tel.utc_offset", "Desk UTC offset", "Fuso UTC do help desk"),
    (
        "tel.missed_call_assignee",
        "Missed-call ticket assignee",
        "Responsável pelo ticket de chamada perdida",
    ),
    (
        "tel.missed_call_title",
        "Missed-call ticket title",
        "Título do ticket de chamada perdida",
    ),
    (
        "tel.missed_call_description",
        "Missed-call ticket description",
        "Descrição do ticket de chamada perdida",
    ),
    (
        "tel.placeholders",
        "{caller}, {caller_name}, {time}, {missed_by} and {wait} are replaced.",
        "{caller}, {caller_name}, {time}, {missed_by} e {wait} são substituídos.",
    ),
    ("link.link", "Link", "Vínculo"),
    ("link.integration", "Integration", "Integração"),
    (
        "link.ticket",
        "Ticket number (either side)",
        "Número do ticket (qualquer lado)",
    ),
    ("link.source_ticket", "Source ticket", "Ticket de origem"),
    ("link.target_ticket", "Target ticket", "Ticket de destino"),
    ("link.counterpart", "Counterpart", "Contraparte"),
    ("link.origin", "Origin", "Origem"),
    ("link.created", "Created", "Criado"),
    ("link.none", "No link found.", "Nenhum vínculo encontrado."),
    ("link.title", "Link {id}", "Vínculo {id}"),
    ("link.missing", "No link {id}.", "Não há o vínculo {id}."),
    ("link.provider", "Provider", "Provedor"),
    ("link.number", "Ticket", "Ticket"),
    ("link.subject", "Subject", "Assunto"),
    ("link.status", "Status", "Status"),
    ("link.updated", "Updated", "Atualizado"),
    (
        "link.not_read",
        "not read by Ponte yet",
        "ainda não lido pelo Ponte",
    ),
    ("link.history", "History", "Histórico"),
    (
        "link.no_history",
        "Nothing has crossed yet.",
        "Nada atravessou ainda.",
    ),
    ("link.remove_title", "Remove the link", "Remover o vínculo"),
    (
        "link.remove_hint",
        "Both tickets stay; later changes no longer cross.",
        "Os dois tickets ficam; mudanças futuras não atravessam mais.",
    ),
    ("link.remove", "Remove link", "Remover vínculo"),
    (
        "link.was_removed",
        "Link between #{a} and #{b} removed.",
        "Vínculo entre #{a} e #{b} removido.",
    ),
    ("origin.automatic", "automatic", "automático"),
    (
        "origin.manual",
        "created by an agent",
        "criado por um agente",
    ),
    (
        "origin.associated",
        "associated by an agent",
        "associado por um agente",
    ),
    (
        "hist.created_automatically",
        "Counterpart created",
        "Contraparte criada",
    ),
    (
        "hist.created_manually",
        "Counterpart created by an agent",
        "Contraparte criada por um agente",
    ),
    ("hist.associated", "Associated", "Associado"),
    ("hist.removed", "Link removed", "Vínculo removido"),
    ("hist.action_mirrored", "Action crossed", "Ação atravessou"),
    (
        "hist.status_mirrored",
        "Status crossed",
        "Status atravessou",
    ),
    (
        "hist.fields_mirrored",
        "Fields crossed",
        "Campos atravessaram",
    ),
    ("hist.failed", "Failed", "Falhou"),
    ("hist.dropped", "Dropped", "Descartado"),
    (
        "manual.intro",
        "Tickets that meet a manual integration's conditions wait here for an agent.",
        "Tickets que atendem às condições de uma integração manual esperam aqui por um agente.",
    ),
    (
        "manual.none",
        "No ticket is waiting.",
        "Nenhum ticket esperando.",
    ),
    (
        "manual.no_integration",
        "No manual-mode integration; choose one above.",
        "Nenhuma integração em modo manual; escolha uma acima.",
    ),
    ("manual.client", "Client", "Cliente"),
    ("manual.since", "Waiting since", "Esperando desde"),
    (
        "manual.preview",
        "Preview and create",
        "Pré-visualizar e criar",
    ),
    (
        "manual.preview_title",
        "Counterpart of #{n}",
        "Contraparte do #{n}",
    ),
    (
        "manual.preview_intro",
        "This is what Ponte will send to {provider}:",
        "Isto é o que o Ponte enviará para {provider}:",
    ),
    (
        "manual.create",
        "Create the counterpart",
        "Criar a contraparte",
    ),
    ("manual.associate", "Associate", "Associar"),
    (
        "manual.target_number",
        "Existing ticket #",
        "Ticket existente nº",
    ),
    (
        "manual.queued",
        "Queued; the link {link} appears when the worker is done.",
        "Na fila; o vínculo {link} aparece quando o worker terminar.",
    ),
    (
        "manual.reading",
        "Ponte is reading ticket #{n} from the desk; this page refreshes until it has it.",
        "O Ponte está lendo o ticket #{n} no help desk; esta página se atualiza até recebê-lo.",
    ),
    ("manual.check_again", "Check again", "Verificar de novo"),
    (
        "manual.by_number",
        "Any source ticket by number",
        "Qualquer ticket de origem pelo número",
    ),
    ("ticket.type", "Type", "Tipo"),
    ("ticket.public", "public", "público"),
    ("ticket.internal", "internal", "interno"),
    ("ticket.first_action", "First action", "Primeira ação"),
    ("dl.queue", "Queue", "Fila"),
    ("dl.reason_contains", "Reason contains", "Motivo contém"),
    ("dl.none", "No parked message.", "Nenhuma mensagem parada."),
    (
        "dl.select_all",
        "Select every message shown",
        "Selecionar todas as mensagens mostradas",
    ),
    ("dl.select", "Select", "Selecionar"),
    ("dl.reason", "Reason", "Motivo"),
    ("dl.attempts", "Attempts", "Tentativas"),
    (
        "dl.last_answer",
        "Last provider answer",
        "Última resposta do provedor",
    ),
    ("dl.parked_at", "Parked at", "Parada em"),
    ("dl.permanent", "permanent", "permanente"),
    ("dl.replay", "Replay", "Reenviar"),
    ("dl.purge", "Purge", "Descartar"),
    (
        "dl.replay_selected",
        "Replay selected",
        "Reenviar selecionadas",
    ),
    (
        "dl.purge_selected",
        "Purge selected",
        "Descartar selecionadas",
    ),
    (
        "dl.replay_all",
        "Replay all {n} shown",
        "Reenviar as {n} mostradas",
    ),
    (
        "dl.purge_all",
        "Purge all {n} shown",
        "Descartar as {n} mostradas",
    ),
    (
        "dl.replayed",
        "Replayed {n} message(s).",
        "{n} mensagem(ns) reenviada(s).",
    ),
    (
        "dl.purged",
        "Purged {n} message(s).",
        "{n} mensagem(ns) descartada(s).",
    ),
    (
        "dl.nothing_selected",
        "Select at least one message.",
        "Selecione ao menos uma mensagem.",
    ),
    (
        "dl.bad_op",
        "Unknown dead-letter operation.",
        "Operação desconhecida.",
    ),
    (
        "call.none",
        "No call recorded.",
        "Nenhuma chamada registrada.",
    ),
    ("call.caller", "Caller", "Quem ligou"),
    ("call.time", "Time", "Hora"),
    ("call.outcome", "Outcome", "Resultado"),
    ("call.recording", "Recording", "Gravação"),
    ("call.ticket", "Ticket", "Ticket"),
    ("call.listen", "Listen", "Ouvir"),
    ("call.ringing", "ringing", "tocando"),
    ("call.answered", "answered", "atendida"),
    ("call.recorded", "recorded", "gravada"),
    ("call.lost", "missed", "perdida"),
    (
        "fleet.refresh",
        "Refreshes every 5 s",
        "Atualiza a cada 5 s",
    ),
    (
        "fleet.no_services",
        "PONTE_CONSOLE_SERVICES lists no service to read.",
        "PONTE_CONSOLE_SERVICES não lista serviço algum.",
    ),
    ("fleet.health", "Health", "Saúde"),
    ("fleet.up", "up", "no ar"),
    ("fleet.down", "down", "fora do ar"),
    ("fleet.ready", "Ready", "Pronto"),
    ("fleet.ready_yes", "ready", "pronto"),
    ("fleet.ready_no", "not ready", "não pronto"),
    ("fleet.version", "Version", "Versão"),
    ("fleet.webhooks", "Webhooks", "Webhooks"),
    ("fleet.commands", "Commands done", "Comandos feitos"),
    ("fleet.commands_sent", "Commands sent", "Comandos enviados"),
    (
        "fleet.provider_calls",
        "Provider calls",
        "Chamadas a provedores",
    ),
    ("fleet.queues", "Queues", "Filas"),
    ("fleet.dead_total", "parked messages", "mensagens paradas"),
    ("fleet.depth", "Messages", "Mensagens"),
];

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCES: [&str; 12] = [
        include_str!("calls.rs"),
        include_str!("dead_letters.rs"),
        include_str!("fleet.rs"),
        include_str!("guard.rs"),
        include_str!("integration_form.rs"),
        include_str!("integrations.rs"),
        include_str!("layout.rs"),
        include_str!("links.rs"),
        include_str!("manual.rs"),
        include_str!("signin.rs"),
        include_str!("mod.rs"),
        include_str!("settings.rs"),
    ];

    #[test]
    fn every_label_used_has_both_languages_once() {
        let mut used = vec![];
        for src in SOURCES {
            for piece in src.split(".t(\"").skip(1) {
                if let Some(key) = piece.split('"').next()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                {
                    used.push(key.to_string());
                }
            }
        }
        assert!(used.len() > 100, "found {} labels", used.len());
        for key in used {
            assert!(
                LABELS.iter().any(|(k, _, _)| *k == key),
                "label `{key}` is missing"
            );
        }
        for (n, (k, en, pt)) in LABELS.iter().enumerate() {
            assert!(!en.is_empty() && !pt.is_empty(), "{k}");
            assert!(!LABELS[n + 1..].iter().any(|(o, _, _)| o == k), "{k} twice");
        }
    }

    #[test]
    fn the_browser_language_and_the_cookie_choose() {
        let with = |name: axum::http::HeaderName, v: &str| {
            let mut h = HeaderMap::new();
            h.insert(name, v.parse().expect("header"));
            h
        };
        use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
        assert_eq!(Lang::of(&HeaderMap::new()), Lang::En);
        assert_eq!(
            Lang::of(&with(ACCEPT_LANGUAGE, "pt-BR,pt;q=0.9,en;q=0.8")),
            Lang::PtBr
        );
        assert_eq!(
            Lang::of(&with(ACCEPT_LANGUAGE, "de-DE, en;q=0.5, pt;q=0.7")),
            Lang::PtBr
        );
        assert_eq!(Lang::of(&with(ACCEPT_LANGUAGE, "fr")), Lang::En);
        assert_eq!(Lang::of(&with(COOKIE, "ponte_lang=pt-BR")), Lang::PtBr);
        assert_eq!(Lang::PtBr.t("nav.links"), "Vínculos");
        assert_eq!(Lang::En.t("nav.links"), "Links");
    }
}
