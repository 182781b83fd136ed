//! The ingress's durable spool: where an accepted webhook waits, on local
//! disk, while the broker cannot confirm it.
//!
//! One file per event, named by a sequence number so the order of arrival
//! is the order of forwarding. A file is written under a temporary name,
//! fsynced, renamed into place and the directory fsynced before
//! [`Spool::append`] returns: after that the event survives a crash or a
//! restart of the ingress. A file is deleted only after the broker
//! confirmed its event; a crash between the two forwards it again, and the
//! router drops the repeat by its event id.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use ponte_bus::Headers;
use ponte_core::Envelope;
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Notify};

const SUFFIX: &str = "event";
const LOCK_FILE: &str = "LOCK";

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("the spool is full ({max_bytes} bytes)")]
    Full { max_bytes: u64 },
    #[error("spool directory `{dir}`: {source}")]
    Io {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "spool directory `{0}` is in use by another ingress; give each replica its own PONTE_SPOOL_DIR"
    )]
    Locked(String),
}

/// An event and its message headers (trace context), as spooled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spooled {
    pub envelope: Envelope,
    pub headers: Headers,
}

struct Queue {
    next_seq: u64,
    /// Sequence number and size of every file waiting, oldest first.
    waiting: VecDeque<(u64, u64)>,
}

pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    queue: Mutex<Queue>,
    depth: AtomicU64,
    bytes: AtomicU64,
    /// An event was refused for lack of room since the spool last drained
    /// an event.
    refused: AtomicBool,
    /// Signalled after each append, so the forwarder wakes.
    pub(crate) appended: Notify,
    /// Held for the life of the spool: one ingress per directory.
    _lock: File,
}

impl Spool {
    /// Opens (creating it if needed) the spool in `dir` and takes what a
    /// previous run left there.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Arc<Spool>, SpoolError> {
        let io = |source| SpoolError::Io {
            dir: dir.display().to_string(),
            source,
        };
        fs::create_dir_all(dir).map_err(io)?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(io)?;
        if lock.try_lock().is_err() {
            return Err(SpoolError::Locked(dir.display().to_string()));
        }
        let mut waiting = Vec::new();
        for entry in fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".tmp") {
                // Never acknowledged: the request that wrote it got an error.
                let _ = fs::remove_file(entry.path());
                continue;
            }
            let Some(seq) = name
                .strip_suffix(&format!(".{SUFFIX}"))
                .and_then(|s| s.parse::<u64>().ok())
            else {
                continue;
            };
            let size = entry.metadata().map_err(io)?.len();
            waiting.push((seq, size));
        }
        waiting.sort_unstable();
        let next_seq = waiting.last().map_or(1, |(s, _)| s + 1);
        let bytes = waiting.iter().map(|(_, size)| size).sum();
        let spool = Spool {
            dir: dir.to_path_buf(),
            max_bytes,
            depth: AtomicU64::new(waiting.len() as u64),
            bytes: AtomicU64::new(bytes),
            refused: AtomicBool::new(false),
            queue: Mutex::new(Queue {
                next_seq,
                waiting: waiting.into(),
            }),
            appended: Notify::new(),
            _lock: lock,
        };
        if !spool.is_empty() {
            tracing::warn!(
                depth = spool.depth(),
                dir = %dir.display(),
                "events left in the spool by a previous run; forwarding them first"
            );
        }
        Ok(Arc::new(spool))
    }

    /// Events waiting to be forwarded.
    pub fn depth(&self) -> u64 {
        self.depth.load(Ordering::SeqCst)
    }

    /// Bytes the waiting events take on disk.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::SeqCst)
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    pub fn is_empty(&self) -> bool {
        self.depth() == 0
    }

    /// Whether one more event of `size` bytes fits.
    pub fn has_room_for(&self, size: u64) -> bool {
        self.bytes() + size <= self.max_bytes
    }

    /// Full: an event was refused since the last one left, or less than
    /// `headroom` bytes are free.
    pub fn is_full(&self, headroom: u64) -> bool {
        self.refused.load(Ordering::SeqCst) || !self.has_room_for(headroom)
    }

    fn path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:020}.{SUFFIX}"))
    }

    fn io(&self, source: std::io::Error) -> SpoolError {
        SpoolError::Io {
            dir: self.dir.display().to_string(),
            source,
        }
    }

    /// Writes the event durably (fsynced) after every event already
    /// waiting. `Full` when it does not fit in the spool's size.
    pub async fn append(&self, event: &Spooled) -> Result<(), SpoolError> {
        let data = serde_json::to_vec(event).map_err(|e| self.io(e.into()))?;
        let size = data.len() as u64;
        // Appends are serialised so the files appear in sequence order.
        let mut queue = self.queue.lock().await;
        if !self.has_room_for(size) {
            self.refused.store(true, Ordering::SeqCst);
            return Err(SpoolError::Full {
                max_bytes: self.max_bytes,
            });
        }
        let seq = queue.next_seq;
        let (dir, path) = (self.dir.clone(), self.path(seq));
        tokio::task::spawn_blocking(move || write_durably(&dir, &path, &data))
            .await
            .map_err(|e| self.io(std::io::Error::other(e)))?
            .map_err(|e| self.io(e))?;
        queue.next_seq += 1;
        queue.waiting.push_back((seq, size));
        self.depth.fetch_add(1, Ordering::SeqCst);
        self.bytes.fetch_add(size, Ordering::SeqCst);
        drop(queue);
        self.appended.notify_one();
        Ok(())
    }

    /// The oldest waiting event and its sequence number. A file that cannot
    /// be read back is set aside (renamed `.corrupt`) and skipped.
    pub async fn oldest(&self) -> Option<(u64, Spooled)> {
        loop {
            let (seq, size) = *self.queue.lock().await.waiting.front()?;
            let path = self.path(seq);
            let read = tokio::task::spawn_blocking(move || fs::read(path)).await;
            match read
                .map_err(std::io::Error::other)
                .and_then(|r| r)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Spooled>(&b).map_err(|e| e.to_string()))
            {
                Ok(event) => return Some((seq, event)),
                Err(why) => {
                    tracing::error!(seq, error = %why, "unreadable spool file set aside");
                    let from = self.path(seq);
                    let _ = fs::rename(&from, from.with_extension("corrupt"));
                    self.forget(seq, size).await;
                }
            }
        }
    }

    /// Deletes event `seq` once the broker confirmed it.
    pub async fn remove(&self, seq: u64) {
        let size = {
            let queue = self.queue.lock().await;
            match queue.waiting.front() {
                Some((s, size)) if *s == seq => *size,
                _ => return,
            }
        };
        if let Err(e) = fs::remove_file(self.path(seq)) {
            tracing::warn!(seq, error = %e, "cannot delete a forwarded spool file");
        }
        self.forget(seq, size).await;
    }

    async fn forget(&self, seq: u64, size: u64) {
        let mut queue = self.queue.lock().await;
        if queue.waiting.front().is_some_and(|(s, _)| *s == seq) {
            queue.waiting.pop_front();
            self.depth.fetch_sub(1, Ordering::SeqCst);
            self.bytes.fetch_sub(size, Ordering::SeqCst);
            self.refused.store(false, Ordering::SeqCst);
        }
    }
}

/// Temporary file, fsync, rename, fsync of the directory: after this the
/// file is complete on disk under its final name, or absent.
fn write_durably(dir: &Path, path: &Path, data: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp)?;
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use ponte_core::{Provider, Side, TicketRef};

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ponte-spool-test-{name}-{}-{}",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    /// A webhook for ticket `n`; its id is `event(n).envelope.id`.
    fn event(n: u32) -> Spooled {
        let ticket = TicketRef {
            integration: "i".into(),
            side: Side::Source,
            provider: Provider::Movidesk,
            ticket_id: n.to_string(),
        };
        Spooled {
            envelope: Envelope::webhook(
                ticket,
                None,
                serde_json::json!({ "Id": n }),
                vec![ponte_core::Change::Hint],
            ),
            headers: Headers::from([("traceparent".into(), "00-abc-def-01".into())]),
        }
    }

    #[tokio::test]
    async fn events_come_back_in_order_and_survive_a_reopen() {
        let dir = temp_dir("order");
        let spool = Spool::open(&dir, 1 << 20).expect("open");
        for n in [1, 2, 3] {
            spool.append(&event(n)).await.expect("append");
        }
        assert_eq!(spool.depth(), 3);
        let (seq, first) = spool.oldest().await.expect("one waiting");
        assert_eq!(first.envelope.id, event(1).envelope.id);
        assert_eq!(first.headers["traceparent"], "00-abc-def-01");
        spool.remove(seq).await;
        drop(spool);

        // A leftover temporary file is a write nobody was told succeeded.
        fs::write(dir.join("00000000000000000009.tmp"), b"{").expect("tmp");
        let spool = Spool::open(&dir, 1 << 20).expect("reopen");
        assert_eq!(spool.depth(), 2);
        let (seq, next) = spool.oldest().await.expect("waiting");
        assert_eq!(next.envelope.id, event(2).envelope.id);
        spool.remove(seq).await;
        spool.append(&event(4)).await.expect("append after reopen");
        let mut rest = vec![];
        while let Some((seq, e)) = spool.oldest().await {
            rest.push(e.envelope.id);
            spool.remove(seq).await;
        }
        assert_eq!(rest, [event(3).envelope.id, event(4).envelope.id]);
        assert_eq!((spool.depth(), spool.bytes()), (0, 0));
        assert!(!dir.join("00000000000000000009.tmp").exists());
        let _ = fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_full_spool_refuses_and_takes_again_once_drained() {
        let dir = temp_dir("full");
        let size = serde_json::to_vec(&event(1)).expect("json").len() as u64;
        let spool = Spool::open(&dir, size * 2).expect("open");
        spool.append(&event(1)).await.expect("first fits");
        spool.append(&event(2)).await.expect("second fits");
        let full = spool.append(&event(3)).await;
        assert!(
            matches!(full, Err(SpoolError::Full { .. })),
            "third refused: {full:?}"
        );
        assert_eq!(spool.depth(), 2, "nothing half-written");
        let (seq, _) = spool.oldest().await.expect("waiting");
        spool.remove(seq).await;
        spool.append(&event(3)).await.expect("room again");
        let _ = fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn one_ingress_per_directory() {
        let dir = temp_dir("lock");
        let _first = Spool::open(&dir, 1024).expect("open");
        let second = Spool::open(&dir, 1024);
        assert!(matches!(second, Err(SpoolError::Locked(_))));
        let _ = fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn an_unreadable_file_is_set_aside_not_forwarded() {
        let dir = temp_dir("corrupt");
        let spool = Spool::open(&dir, 1 << 20).expect("open");
        spool.append(&event(1)).await.expect("append");
        spool.append(&event(2)).await.expect("append");
        fs::write(dir.join(format!("{:020}.{SUFFIX}", 1)), b"not json").expect("damage");
        let (_, e) = spool.oldest().await.expect("the readable one");
        assert_eq!(e.envelope.id, event(2).envelope.id);
        assert_eq!(spool.depth(), 1);
        assert!(dir.join(format!("{:020}.corrupt", 1)).exists());
        let _ = fs::remove_dir_all(&dir);
    }

    /// What an ingress before decision 90 left in its spool (a webhook
    /// body without its subject) is forwarded after the upgrade.
    #[tokio::test]
    async fn a_file_spooled_by_the_previous_version_is_read() {
        let dir = temp_dir("upgrade");
        fs::create_dir_all(&dir).expect("dir");
        let old = r#"{"envelope":{"id":"0123456789abcdef0123456789abcdef","kind":"webhook","integration":"i","provider":"movidesk","shard_key":"i:source:1","occurred_at":"2026-12-04T21:00:00.123456789Z","received_at":"2026-12-04T21:00:00.123456789Z","attempt":0,"body":{"side":"source","payload":{"Id":1}}},"headers":{"traceparent":"00-abc-def-01"}}"#;
        fs::write(dir.join(format!("{:020}.{SUFFIX}", 7)), old).expect("old file");
        let spool = Spool::open(&dir, 1 << 20).expect("open");
        let (_, e) = spool.oldest().await.expect("the old event");
        assert_eq!(e.envelope.id, "0123456789abcdef0123456789abcdef");
        assert_eq!(e.envelope.shard_key, "i:source:1");
        let ponte_core::Message::Webhook(body) = &e.envelope.message else {
            panic!("not a webhook: {:?}", e.envelope);
        };
        assert_eq!(body.payload, serde_json::json!({"Id": 1}));
        assert_eq!(spool.depth(), 1);
        let _ = fs::remove_dir_all(&dir);
    }
}
