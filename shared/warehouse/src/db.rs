//! The warehouse database: connection (the integration's schema as `search_path`), migrations
//! applied at start, and one transaction per object holding its root row, every child row and its
//! field issues, so a reader never sees half a ticket.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_core::warehouse::DatabaseAddress;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, QueryBuilder, Row, Transaction};

use crate::cell::Cell;
use crate::map::Mapped;
use crate::schema::{self, Table};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("warehouse database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("warehouse migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("warehouse database URL: {0}")]
    Url(String),
}

/// The migrations, embedded in the binary (sqlx's migrator, without its compile-time macros).
fn migrator() -> Migrator {
    Migrator {
        migrations: Cow::Owned(vec![Migration::new(
            1,
            Cow::Borrowed("movidesk"),
            MigrationType::Simple,
            Cow::Borrowed(include_str!("../migrations/0001_movidesk.sql")),
            false,
        )]),
        ..Migrator::DEFAULT
    }
}

/// What writing one object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Stored (new or replacing an older or equal reading), with this many rows in all.
    Stored { rows: usize },
    /// The warehouse already holds a newer reading; nothing changed.
    Stale,
}

/// A connected, migrated warehouse.
#[derive(Debug, Clone)]
pub struct Warehouse {
    pool: PgPool,
    schema: String,
}

/// PostgreSQL's limit on bind parameters in one statement.
const MAX_BINDS: usize = 65_535;

impl Warehouse {
    /// Connects to `address` (with `password` when the URL has none), creates the schema if needed
    /// and applies the migrations.
    pub async fn open(address: &DatabaseAddress, password: Option<&str>) -> Result<Self, DbError> {
        let mut options = PgConnectOptions::from_str(&address.url)
            .map_err(|e| DbError::Url(e.to_string()))?
            .options([("search_path", address.schema.as_str())])
            .application_name("ponte-warehouse");
        if let Some(p) = password {
            options = options.password(p);
        }
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        // The schema name was validated (a-z, 0-9, `_`), so it is safe unquoted. Two processes
        // opening a new warehouse at once (the worker and a backfill) may race on it: the loser's
        // duplicate error means the schema is there.
        let created = sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {}", address.schema))
            .execute(&pool)
            .await;
        match created {
            Ok(_) => {}
            Err(sqlx::Error::Database(d))
                if d.code().is_some_and(|c| c == "23505" || c == "42P06") => {}
            Err(e) => return Err(e.into()),
        }
        migrator().run(&pool).await?;
        Ok(Warehouse {
            pool,
            schema: address.schema.clone(),
        })
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Writes one object and its children in one transaction; an older reading is refused.
    pub async fn write(&self, m: &Mapped) -> Result<Written, DbError> {
        let mut tx = self.pool.begin().await?;
        if !upsert_root(&mut tx, m).await? {
            tx.rollback().await?;
            return Ok(Written::Stale);
        }
        let mut rows = 1;
        for (table, cells) in &m.children {
            delete_children(&mut tx, table, &m.id).await?;
            insert(&mut tx, table, cells).await?;
            rows += cells.len();
        }
        sqlx::query("DELETE FROM ponte_field_issues WHERE object = $1 AND object_id = $2")
            .bind(m.object)
            .bind(&m.id)
            .execute(&mut *tx)
            .await?;
        for issue in &m.issues {
            sqlx::query(
                "INSERT INTO ponte_field_issues (object, object_id, field, problem) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (object, object_id, field) DO UPDATE SET problem = EXCLUDED.problem, seen_at = now()",
            )
            .bind(m.object)
            .bind(&m.id)
            .bind(&issue.field)
            .bind(&issue.problem)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Written::Stored { rows })
    }

    /// A cursor of a resumable pass.
    pub async fn cursor(&self, name: &str) -> Result<Option<String>, DbError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM ponte_sync_state WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_cursor(&self, name: &str, value: &str) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO ponte_sync_state (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
        )
        .bind(name)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn clear_cursor(&self, name: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM ponte_sync_state WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Rows per table, in [`schema::ALL`] order.
    pub async fn counts(&self) -> Result<Vec<(&'static str, i64)>, DbError> {
        let mut out = Vec::new();
        for t in schema::ALL {
            let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", t.name))
                .fetch_one(&self.pool)
                .await?;
            out.push((t.name, n));
        }
        Ok(out)
    }

    /// How current the tickets are: the newest `lastUpdate` stored, when the last ticket landed,
    /// and the largest delay between a change and its landing among the last 100 landed.
    pub async fn lag(&self) -> Result<Lag, DbError> {
        let row = sqlx::query(
            "SELECT max(last_update) AS newest, max(synced_at) AS landed, \
             (SELECT max(extract(epoch FROM synced_at - last_update))::float8 FROM \
               (SELECT synced_at, last_update FROM movidesk_tickets ORDER BY synced_at DESC LIMIT 100) r) AS delay \
             FROM movidesk_tickets",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Lag {
            newest_change: row.try_get("newest")?,
            last_landed: row.try_get("landed")?,
            max_delay_secs: row.try_get("delay")?,
        })
    }

    /// Field issues recorded for one object, as `(field, problem)`.
    pub async fn issues(&self, object: &str, id: &str) -> Result<Vec<(String, String)>, DbError> {
        let rows = sqlx::query(
            "SELECT field, problem FROM ponte_field_issues WHERE object = $1 AND object_id = $2 ORDER BY field",
        )
        .bind(object)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("field")?, r.try_get("problem")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// How current the warehouse is.
#[derive(Debug, Clone, PartialEq)]
pub struct Lag {
    pub newest_change: Option<DateTime<Utc>>,
    pub last_landed: Option<DateTime<Utc>>,
    pub max_delay_secs: Option<f64>,
}

fn push_cell(b: &mut sqlx::query_builder::Separated<'_, '_, Postgres, &'static str>, cell: &Cell) {
    match cell {
        Cell::Text(v) => b.push_bind(v.clone()),
        Cell::Time(v) => b.push_bind(*v),
        Cell::Bool(v) => b.push_bind(*v),
        Cell::Num(v) => b.push_bind(*v),
        Cell::Json(v) => b.push_bind(v.clone().map(sqlx::types::Json)),
    };
}

/// Inserts or updates the root row; false when a newer reading is already stored.
async fn upsert_root(tx: &mut Transaction<'_, Postgres>, m: &Mapped) -> Result<bool, DbError> {
    let t = &m.root_table;
    let names = t.column_names();
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "INSERT INTO {} ({}) VALUES (",
        t.name,
        names.join(", ")
    ));
    {
        let mut sep = q.separated(", ");
        for cell in &m.root {
            push_cell(&mut sep, cell);
        }
    }
    let updates: Vec<String> = names
        .iter()
        .filter(|n| !t.key.contains(n))
        .map(|n| format!("{n} = EXCLUDED.{n}"))
        .collect();
    q.push(format!(
        ") ON CONFLICT ({}) DO UPDATE SET {}",
        t.key.join(", "),
        updates.join(", ")
    ));
    if let Some(stamp) = m.stamp_column {
        q.push(format!(
            " WHERE {table}.{stamp} IS NULL OR {table}.{stamp} <= EXCLUDED.{stamp}",
            table = t.name
        ));
    }
    let done = q.build().execute(&mut **tx).await?;
    Ok(done.rows_affected() > 0)
}

async fn delete_children(
    tx: &mut Transaction<'_, Postgres>,
    table: &Table,
    id: &str,
) -> Result<(), DbError> {
    let filter = if table.name == schema::PARENTS_CHILDREN.name {
        "child_id = $1 OR parent_id = $1"
    } else {
        // The first given column is the parent's id.
        match table.given.first() {
            Some((name, _, _)) => {
                let sql = format!("DELETE FROM {} WHERE {name} = $1", table.name);
                sqlx::query(&sql).bind(id).execute(&mut **tx).await?;
                return Ok(());
            }
            None => return Ok(()),
        }
    };
    let sql = format!("DELETE FROM {} WHERE {filter}", table.name);
    sqlx::query(&sql).bind(id).execute(&mut **tx).await?;
    Ok(())
}

async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    table: &Table,
    rows: &[Vec<Cell>],
) -> Result<(), DbError> {
    let names = table.column_names();
    let per_statement = (MAX_BINDS / names.len().max(1)).max(1);
    for chunk in rows.chunks(per_statement) {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "INSERT INTO {} ({}) ",
            table.name,
            names.join(", ")
        ));
        q.push_values(chunk, |mut b, row| {
            for cell in row {
                push_cell(&mut b, cell);
            }
        });
        // Two parent/child rows can arrive from both tickets of the pair.
        q.push(" ON CONFLICT DO NOTHING");
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}
