//! `ponte-baseline-ingress`: the least an ingress can do, for `ponte-bench`
//! to measure Ponte's ingress against in the same run. Every POST's body is
//! published, persistent and mandatory, to one quorum queue on a channel
//! with publisher confirms, and answered 202 once the broker confirmed it
//! (500 otherwise). No authentication, parsing, deduplication or Redis.
//!
//! `ponte-baseline-ingress <queue>`: declares the queue (the caller deletes
//! it), listens on 127.0.0.1 on a free port and prints `listening on
//! <addr>` on stdout. Uses PONTE_AMQP_URL.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};

struct Shared {
    channel: Channel,
    queue: String,
}

async fn accept(State(s): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let props = BasicProperties::default().with_delivery_mode(2);
    let published = s
        .channel
        .basic_publish(
            ShortString::from(""),
            ShortString::from(s.queue.as_str()),
            BasicPublishOptions {
                mandatory: true,
                ..Default::default()
            },
            &body,
            props,
        )
        .await;
    match published {
        Ok(pending) => match pending.await {
            Ok(Confirmation::Ack(None)) => StatusCode::ACCEPTED,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        },
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn run(queue: String) -> Result<()> {
    let conn = Connection::connect(&ponte_e2e::amqp_url(), ConnectionProperties::default())
        .await
        .context("cannot reach RabbitMQ (PONTE_AMQP_URL)")?;
    let channel = conn.create_channel().await?;
    let mut args = FieldTable::default();
    args.insert(
        ShortString::from("x-queue-type"),
        AMQPValue::LongString("quorum".into()),
    );
    channel
        .queue_declare(
            ShortString::from(queue.as_str()),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            args,
        )
        .await
        .with_context(|| format!("cannot declare the queue {queue}"))?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let app = Router::new()
        .route("/{*path}", post(accept))
        .with_state(Arc::new(Shared { channel, queue }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let Some(queue) = std::env::args().nth(1).filter(|q| !q.is_empty()) else {
        eprintln!("usage: ponte-baseline-ingress <queue>");
        return ExitCode::FAILURE;
    };
    match run(queue).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ponte-baseline-ingress: {e:#}");
            ExitCode::FAILURE
        }
    }
}
