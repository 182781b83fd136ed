//! The notification bodies Ponte owns: what a customer pastes into UIS
//! ("Уведомления" → "Добавить" → HTTP, POST). The first three are the
//! seed's templates with a few more variables UIS documents for the same
//! event; the seed's bodies themselves stay acceptable verbatim.
//! `docs/uis-templates.md` shows the same text (a test keeps them equal).
//!
//! Only variables UIS documents for each event are used: an unknown
//! placeholder may be left unreplaced, which would make the body invalid
//! JSON.

use crate::model::Event;

/// One notification to configure in UIS.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    pub event: Event,
    /// The event type to pick in the UIS LK ("Тип события").
    pub uis_event: &'static str,
    /// A name for the notification ("Название уведомления").
    pub name: &'static str,
    pub body: &'static str,
}

pub const WAITING: &str = r#"{
"app_id": {{app_id}},
"call_id": {{call_session_id}},
"action": "wait",
"extension_phone_number": {{extension_phone_number}},
"phone": {{contact_phone_number}},
"direction": {{direction}},
"virtual_phone_number": {{virtual_phone_number}},
"contact_full_name": {{contact_full_name}},
"employee_full_name": {{employee_full_name}}
}"#;

pub const RECORDED: &str = r#"{
"app_id": {{app_id}},
"action": "history",
"call_id": {{call_session_id}},
"started_at": {{start_time}},
"direction": {{direction}},
"file_url": {{file_link}},
"phone_call": {
"duration": {{file_duration}},
"receiver_phone": {{extension_phone_number}},
"source_phone": {{contact_phone_number}}
},
"virtual_phone_number": {{virtual_phone_number}},
"contact_full_name": {{contact_full_name}},
"employee_full_name": {{employee_full_name}}
}"#;

pub const LOST: &str = r#"{
"app_id": {{app_id}},
"action": "lost",
"call_id": {{call_session_id}},
"started_at": {{start_time}},
"direction": {{direction}},
"file_url": {{file_link}},
"noanswered_employee_full_names": {{noanswered_employee_full_names}},
"phone_call": {
"duration": {{file_duration}},
"receiver_phone": {{extension_phone_number}},
"source_phone": {{contact_phone_number}}
},
"wait_time_duration": {{wait_time_duration}},
"employee_ids": {{employee_ids}},
"virtual_phone_number": {{virtual_phone_number}},
"contact_full_name": {{contact_full_name}}
}"#;

pub const FINISHED: &str = r#"{
"app_id": {{app_id}},
"action": "finished",
"call_id": {{call_session_id}},
"started_at": {{start_time}},
"direction": {{direction}},
"phone": {{contact_phone_number}},
"extension_phone_number": {{extension_phone_number}},
"employee_full_name": {{employee_full_name}},
"talk_time_duration": {{talk_time_duration}},
"wait_time_duration": {{wait_time_duration}},
"total_time_duration": {{total_time_duration}},
"virtual_phone_number": {{virtual_phone_number}},
"contact_full_name": {{contact_full_name}}
}"#;

pub const ALL: [Template; 4] = [
    Template {
        event: Event::Waiting,
        uis_event: "Ожидание ответа",
        name: "Ожидание ответа (Ponte)",
        body: WAITING,
    },
    Template {
        event: Event::Recorded,
        uis_event: "Записанный разговор",
        name: "Записанный разговор (Ponte)",
        body: RECORDED,
    },
    Template {
        event: Event::Lost,
        uis_event: "Потерянный звонок",
        name: "Потерянный звонок (Ponte)",
        body: LOST,
    },
    Template {
        event: Event::Finished,
        uis_event: "Завершение звонка",
        name: "Завершение звонка (Ponte)",
        body: FINISHED,
    },
];

/// Ponte's template for an event.
pub fn for_event(event: Event) -> &'static Template {
    match event {
        Event::Waiting => &ALL[0],
        Event::Recorded => &ALL[1],
        Event::Lost => &ALL[2],
        Event::Finished => &ALL[3],
    }
}
