//! Queue depths of the namespace, read from RabbitMQ without consuming.

use super::*;

/// Message counts of the namespace's queues (ready messages only).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Depths {
    pub(crate) events: u32,
    pub(crate) work: u32,
    pub(crate) dlq: u32,
}

/// The namespace's queue names (naming only: nothing is declared here, the
/// services declare the topology).
pub(crate) fn topology(ns: &str, shards: u16) -> Topology {
    Topology {
        namespace: ns.to_string(),
        event_shards: shards,
        work_shards: shards,
        delivery_limit: 10,
        retry_tiers: vec![],
        quorum_initial_group_size: None,
    }
}

/// Reads queue depths over its own AMQP connection, with passive declares.
pub(crate) struct QueueProbe {
    pub(crate) topology: Topology,
    pub(crate) conn: Option<Connection>,
    pub(crate) channel: Option<Channel>,
}

impl QueueProbe {
    pub(crate) fn new(ns: &str, shards: u16) -> QueueProbe {
        QueueProbe {
            topology: topology(ns, shards),
            conn: None,
            channel: None,
        }
    }

    pub(crate) async fn channel(&mut self) -> Result<Channel> {
        if let Some(ch) = &self.channel
            && ch.status().connected()
        {
            return Ok(ch.clone());
        }
        if self.conn.as_ref().is_none_or(|c| !c.status().connected()) {
            let props = ConnectionProperties::default()
                .with_connection_name(format!("{}-bench-probe", self.topology.namespace).into());
            let conn = tokio::time::timeout(
                Duration::from_secs(5),
                Connection::connect(&ponte_e2e::amqp_url(), props),
            )
            .await
            .map_err(|_| anyhow!("timed out connecting to the broker"))?
            .context("cannot connect to the broker")?;
            self.conn = Some(conn);
        }
        let Some(conn) = &self.conn else {
            return Err(anyhow!("no broker connection"));
        };
        let ch = conn.create_channel().await.context("broker channel")?;
        self.channel = Some(ch.clone());
        Ok(ch)
    }

    pub(crate) async fn count(ch: &Channel, queue: &str) -> Result<u32> {
        let opts = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let info = ch
            .queue_declare(ShortString::from(queue), opts, FieldTable::default())
            .await
            .with_context(|| format!("queue {queue}"))?;
        Ok(info.message_count())
    }

    pub(crate) async fn depths(&mut self) -> Result<Depths> {
        let ch = self.channel().await?;
        let topo = self.topology.clone();
        let result: Result<Depths> = async {
            let mut d = Depths::default();
            for q in topo.events_queues() {
                d.events += Self::count(&ch, &q).await?;
            }
            for q in topo.work_queues(Provider::Movidesk) {
                d.work += Self::count(&ch, &q).await?;
            }
            d.dlq = Self::count(&ch, &topo.dlq(&Provider::Movidesk.to_string())).await?;
            Ok(d)
        }
        .await;
        if result.is_err() {
            self.channel = None;
        }
        result
    }

    /// Deletes the shard queues beyond the two `TestFleet::teardown` knows.
    pub(crate) async fn delete_extra_shards(&mut self) -> usize {
        let topo = self.topology.clone();
        let mut names = Vec::new();
        for shard in 2..topo.event_shards {
            names.push(topo.events_queue(shard));
        }
        for shard in 2..topo.work_shards {
            names.extend(Provider::ALL.iter().map(|p| topo.work_queue(*p, shard)));
        }
        let mut deleted = 0;
        for name in names {
            let Ok(ch) = self.channel().await else {
                break;
            };
            match ch
                .queue_delete(
                    ShortString::from(name.as_str()),
                    QueueDeleteOptions::default(),
                )
                .await
            {
                Ok(_) => deleted += 1,
                Err(_) => self.channel = None,
            }
        }
        deleted
    }

    pub(crate) async fn close(self) {
        if let Some(ch) = self.channel {
            let _ = ch.close(200, "bench done".into()).await;
        }
        if let Some(conn) = self.conn {
            let _ = conn.close(200, "bench done".into()).await;
        }
    }
}
