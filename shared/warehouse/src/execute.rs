//! The warehouse worker's executor: a `sync_ticket` command (sent by the router for every hint of
//! a Movidesk→warehouse integration) reads the source ticket once, through the Movidesk client and
//! its shared rate budget, and writes it with all its child rows in one transaction.

use std::time::Duration;

use ponte_core::{Command, Operation, Provider};
use ponte_movidesk_io::{Client, RateLimit};
use ponte_worker::{Ctx, ExecError, Executor, Outcome};
use serde_json::json;

use crate::db::{DbError, Written};
use crate::map;
use crate::targets::Targets;

pub struct WarehouseExecutor {
    http: reqwest::Client,
    rate: RateLimit,
    targets: Targets,
}

impl WarehouseExecutor {
    pub fn new(rate: RateLimit) -> Result<Self, reqwest::Error> {
        Ok(WarehouseExecutor {
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .build()?,
            rate,
            targets: Targets::default(),
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn rate(&self) -> RateLimit {
        self.rate
    }

    pub fn targets(&self) -> &Targets {
        &self.targets
    }
}

/// Bad data (SQLSTATE classes 22 and 23) cannot get better by trying again; anything else with
/// the database (down, restarting, timeouts) can.
pub fn db_failure(e: DbError) -> ExecError {
    let permanent = match &e {
        DbError::Sql(sqlx::Error::Database(d)) => d
            .code()
            .is_some_and(|c| c.starts_with("22") || c.starts_with("23")),
        DbError::Url(_) => true,
        _ => false,
    };
    if permanent {
        ExecError::permanent(e.to_string())
    } else {
        ExecError::Transient {
            reason: e.to_string(),
            status: None,
            retry_after: None,
        }
    }
}

impl Executor for WarehouseExecutor {
    fn provider(&self) -> Provider {
        Provider::Warehouse
    }

    async fn execute(&self, ctx: &Ctx<'_>, command: &Command) -> Result<Outcome, ExecError> {
        let Operation::SyncTicket { ticket_id } = &command.op else {
            return Err(ExecError::permanent(format!(
                "a warehouse only stores tickets; `{}` is not for it",
                command.op.name()
            )));
        };
        let source = &ctx.integration.source;
        if source.provider != Provider::Movidesk {
            return Err(ExecError::permanent(format!(
                "integration `{}`: a warehouse copies Movidesk, not {}",
                ctx.integration.id, source.provider
            )));
        }
        let client = Client::new(&self.http, source, ctx.accounts(), self.rate)?;
        let Some(ticket) = client.ticket_json(ticket_id).await? else {
            tracing::info!(ticket = %ticket_id, "ticket not found at Movidesk; nothing stored");
            return Ok(Outcome {
                result: json!({"ticket": ticket_id, "stored": false, "reason": "not found"}),
                ..Outcome::default()
            });
        };
        let mapped = map::ticket(&ticket).map_err(|e| ExecError::permanent(e.to_string()))?;
        let warehouse = self
            .targets
            .for_integration(ctx.integration)
            .await
            .map_err(db_failure)?;
        let written = warehouse.write(&mapped).await.map_err(db_failure)?;
        let issues: Vec<String> = mapped
            .issues
            .iter()
            .map(|i| format!("{}: {}", i.field, i.problem))
            .collect();
        if !issues.is_empty() {
            tracing::warn!(ticket = %mapped.id, ?issues, "stored with fields set to null");
        }
        let result = match written {
            Written::Stored { rows } => {
                tracing::info!(ticket = %mapped.id, rows, "ticket stored in the warehouse");
                json!({"ticket": mapped.id, "stored": true, "rows": rows, "issues": issues})
            }
            Written::Stale => {
                tracing::info!(ticket = %mapped.id, "the warehouse holds a newer reading; kept it");
                json!({"ticket": mapped.id, "stored": false, "reason": "stale", "issues": issues})
            }
        };
        Ok(Outcome {
            result,
            ..Outcome::default()
        })
    }
}
