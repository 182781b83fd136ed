//! The backfill: pages every object out of Movidesk into the warehouse, within the account's shared
//! budget, keeping a cursor in the warehouse after every page so a killed run resumes where it
//! stopped (the page in flight is written again; rows are keyed, so nothing doubles). A finished
//! stage clears its cursor: the next run copies again from the start.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use ponte_movidesk_io::Client;
use ponte_worker::ExecError;
use serde_json::Value;

use crate::db::{DbError, Warehouse, Written};
use crate::map::{self, Reader};
use crate::source::{self, PAGE, Survey, Window};

/// What a backfill copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Object {
    Tickets,
    Persons,
    SurveyQuestions,
    SurveyResponses,
}

impl Object {
    pub const ALL: [Object; 4] = [
        Object::Tickets,
        Object::Persons,
        Object::SurveyQuestions,
        Object::SurveyResponses,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Object::Tickets => "tickets",
            Object::Persons => "persons",
            Object::SurveyQuestions => "survey_questions",
            Object::SurveyResponses => "survey_responses",
        }
    }
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Object {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Object::ALL
            .into_iter()
            .find(|o| o.name() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown object `{s}`; expected tickets, persons, survey_questions or survey_responses"
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Only tickets changed (and survey responses given) since then.
    pub since: Option<DateTime<Utc>>,
    pub objects: Vec<Object>,
}

/// What a stage reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A stage starts; `length` when its size is known (tickets: the id range), `position` where
    /// a resumed stage stands.
    Start {
        stage: String,
        length: Option<u64>,
        position: u64,
    },
    /// After each page.
    Page {
        stage: String,
        position: u64,
        counts: Counts,
    },
    Done {
        stage: String,
        counts: Counts,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Objects stored (each with all its child rows).
    pub stored: u64,
    /// Objects the warehouse already held in a newer reading.
    pub stale: u64,
    /// Objects refused (no usable id); named in the log.
    pub refused: u64,
    /// Rows written in all.
    pub rows: u64,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.stored += o.stored;
        self.stale += o.stale;
        self.refused += o.refused;
        self.rows += o.rows;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error("Movidesk: {0}")]
    Movidesk(#[from] ExecError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Writes the objects of one page; a refused object is logged and counted, never fatal.
async fn write_all(wh: &Warehouse, items: &[Value], read: Reader) -> Result<Counts, DbError> {
    let mut c = Counts::default();
    for item in items {
        match read(item) {
            Ok(m) => match wh.write(&m).await? {
                Written::Stored { rows } => {
                    c.stored += 1;
                    c.rows += rows as u64;
                }
                Written::Stale => c.stale += 1,
            },
            Err(e) => {
                tracing::warn!(error = %e, "object refused by the backfill");
                c.refused += 1;
            }
        }
    }
    Ok(c)
}

/// Runs every stage of `options` in order. `on` hears the progress.
pub async fn run(
    client: &Client<'_>,
    wh: &Warehouse,
    options: &Options,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<Counts, BackfillError> {
    let mut total = Counts::default();
    for object in &options.objects {
        let c = match object {
            Object::Tickets => {
                let mut c = tickets(client, wh, Window::Recent, options.since.as_ref(), on).await?;
                c.add(tickets(client, wh, Window::Past, options.since.as_ref(), on).await?);
                c
            }
            Object::Persons => persons(client, wh, on).await?,
            Object::SurveyQuestions => {
                survey(client, wh, Survey::Questions, options.since.as_ref(), on).await?
            }
            Object::SurveyResponses => {
                survey(client, wh, Survey::Responses, options.since.as_ref(), on).await?
            }
        };
        total.add(c);
    }
    Ok(total)
}

async fn tickets(
    client: &Client<'_>,
    wh: &Warehouse,
    window: Window,
    since: Option<&DateTime<Utc>>,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<Counts, BackfillError> {
    let stage = format!("tickets ({})", window.name());
    let cursor_name = format!("backfill:tickets:{}", window.name());
    let mut after: Option<u64> = wh.cursor(&cursor_name).await?.and_then(|c| c.parse().ok());
    let bounds = source::ticket_id_bounds(client, window, since).await?;
    let (lo, hi) = bounds.unwrap_or((0, 0));
    let pos = |id: Option<u64>| id.map_or(0, |id| id.saturating_sub(lo) + 1);
    on(Progress::Start {
        stage: stage.clone(),
        length: bounds.map(|(lo, hi)| hi - lo + 1),
        position: pos(after),
    });
    let mut counts = Counts::default();
    if bounds.is_some() {
        loop {
            let page = source::tickets_page(client, window, after, since).await?;
            let last = page
                .iter()
                .filter_map(|t| t.get("id").and_then(source::id_number))
                .max();
            counts.add(write_all(wh, &page, map::ticket).await?);
            // Ids only grow from page to page; one that does not ends the stage (never a loop).
            let advanced = last.is_some_and(|l| after.is_none_or(|a| l > a));
            if let (true, Some(last)) = (advanced, last) {
                after = Some(last);
                wh.set_cursor(&cursor_name, &last.to_string()).await?;
            }
            on(Progress::Page {
                stage: stage.clone(),
                position: pos(after).min(hi - lo + 1),
                counts,
            });
            if page.len() < PAGE || !advanced {
                break;
            }
        }
    }
    wh.clear_cursor(&cursor_name).await?;
    on(Progress::Done { stage, counts });
    Ok(counts)
}

async fn persons(
    client: &Client<'_>,
    wh: &Warehouse,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<Counts, BackfillError> {
    let stage = "persons".to_string();
    let cursor_name = "backfill:persons";
    let mut skip: usize = wh
        .cursor(cursor_name)
        .await?
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    on(Progress::Start {
        stage: stage.clone(),
        length: None,
        position: skip as u64,
    });
    let mut counts = Counts::default();
    loop {
        let page = source::persons_page(client, skip, None).await?;
        counts.add(write_all(wh, &page, map::person).await?);
        skip += page.len();
        wh.set_cursor(cursor_name, &skip.to_string()).await?;
        on(Progress::Page {
            stage: stage.clone(),
            position: skip as u64,
            counts,
        });
        if page.len() < PAGE {
            break;
        }
    }
    wh.clear_cursor(cursor_name).await?;
    on(Progress::Done { stage, counts });
    Ok(counts)
}

async fn survey(
    client: &Client<'_>,
    wh: &Warehouse,
    survey: Survey,
    since: Option<&DateTime<Utc>>,
    on: &mut (dyn FnMut(Progress) + Send),
) -> Result<Counts, BackfillError> {
    let (stage, read): (&str, Reader) = match survey {
        Survey::Questions => ("survey_questions", map::survey_question),
        Survey::Responses => ("survey_responses", map::survey_response),
    };
    let cursor_name = format!("backfill:{stage}");
    let mut after = wh.cursor(&cursor_name).await?;
    let mut position = 0u64;
    on(Progress::Start {
        stage: stage.to_string(),
        length: None,
        position,
    });
    let mut counts = Counts::default();
    loop {
        let (page, more) = source::survey_page(client, survey, after.as_deref(), since).await?;
        counts.add(write_all(wh, &page, read).await?);
        position += page.len() as u64;
        if let Some(last) = page.last().and_then(|v| v.get("id")).and_then(|id| {
            crate::cell::read(crate::schema::Kind::Key, Some(id), "id", &mut Vec::new())
                .as_text()
                .map(str::to_string)
        }) {
            wh.set_cursor(&cursor_name, &last).await?;
            after = Some(last);
        }
        on(Progress::Page {
            stage: stage.to_string(),
            position,
            counts,
        });
        if !more || page.is_empty() {
            break;
        }
    }
    wh.clear_cursor(&cursor_name).await?;
    on(Progress::Done {
        stage: stage.to_string(),
        counts,
    });
    Ok(counts)
}
