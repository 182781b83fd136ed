//! A fleet per test: the real binaries, a fresh namespace on the real
//! RabbitMQ and Redis, and the sandbox. Assertions read the sandbox's
//! state, the admin API and the broker, as a user would.

pub mod bench;
pub mod budget;
pub mod namespace;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use lapin::options::QueueDeclareOptions;
use lapin::types::{FieldTable, ShortString};
use ponte_bus::{Bus, BusConfig, RetryPolicy, Topology};
use ponte_cli::api::AdminClient;
use ponte_cli::fleet::{Fleet, FleetOptions, Service};
use ponte_cli::sandbox::{SandboxClient, domain_spec};

use crate::namespace::{NamespaceGuard, Owner};
use serde_json::{Value, json};

pub use ponte_cli::fleet::Service as Svc;

pub mod proxy;
pub mod rounds;
pub mod scripts;

pub const ADMIN_TOKEN: &str = "e2e-admin-token-0123456789";
/// Every test fleet encrypts integration secrets at rest with this key
/// (base64 of 32 bytes), so the whole suite runs with encryption on.
pub const SECRETS_KEY: &str = "cG9udGUtZTJlLXRlc3Qta2V5LTAxMjM0NTY3ODkwMTI=";
pub const RETRY_TIERS: &str = "300ms,1s,2s";
/// How long an integration change made through the admin API may take to
/// reach the ingress, which keeps integrations in memory and rereads them
/// when their version moves (every 200 ms; decision 49). The promise is 1 s.
pub const CHANGE_REACHES_INGRESS: Duration = Duration::from_secs(1);

pub fn amqp_url() -> String {
    std::env::var("PONTE_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// The PostgreSQL the warehouse tests and benchmark write into
/// (`PONTE_TEST_DATABASE_URL`), each in its own schema.
pub fn database_url() -> String {
    std::env::var("PONTE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

pub struct Options {
    pub services: Vec<Service>,
    pub env: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            services: Service::ALL.to_vec(),
            env: vec![],
        }
    }
}

/// The sum of the series on a `/metrics` page whose line starts with `name`
/// (give it with its `{` to exclude longer names) and contains `label`.
pub fn series_sum(page: &str, name: &str, label: &str) -> f64 {
    page.lines()
        .filter(|l| l.starts_with(name) && l.contains(label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

pub struct TestFleet {
    /// Dropped first: the children are killed before the guard deletes
    /// their namespace.
    pub fleet: Fleet,
    pub ns: String,
    pub admin: AdminClient,
    pub sandbox: SandboxClient,
    pub http: reqwest::Client,
    /// The environment the fleet's services were started with.
    pub env: BTreeMap<String, String>,
    topology: Topology,
    amqp_url: String,
    /// Deletes the namespace if the test ends without `teardown` (a panic).
    guard: NamespaceGuard,
}

fn workspace_target() -> PathBuf {
    FleetOptions::default_bin_dir()
}

/// Where the tests' ingresses spool (each namespace in its own folder).
pub fn spool_root() -> PathBuf {
    workspace_target().join("e2e-spool")
}

impl TestFleet {
    pub async fn start(options: Options) -> TestFleet {
        let ns = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let mut env: BTreeMap<String, String> = BTreeMap::from([
            ("PONTE_NAMESPACE".into(), ns.clone()),
            ("PONTE_ADMIN_TOKEN".into(), ADMIN_TOKEN.into()),
            ("PONTE_SECRETS_KEY".into(), SECRETS_KEY.into()),
            ("PONTE_AMQP_URL".into(), amqp_url()),
            ("PONTE_REDIS_URL".into(), redis_url()),
            ("PONTE_EVENT_SHARDS".into(), "2".into()),
            ("PONTE_WORK_SHARDS".into(), "2".into()),
            ("PONTE_RETRY_TIERS".into(), RETRY_TIERS.into()),
            ("PONTE_MAX_ATTEMPTS".into(), "6".into()),
            ("PONTE_MOVIDESK_RATE_PER_MINUTE".into(), "0".into()),
            // The sandbox's search is current unless a test makes it lag.
            ("PONTE_MOVIDESK_SEARCH_LAG_SECS".into(), "0".into()),
            ("RUST_LOG".into(), "info".into()),
            ("PONTE_SPOOL_DIR".into(), spool_root().display().to_string()),
        ]);
        env.extend(options.env);
        let shards = |key: &str| env.get(key).and_then(|v| v.parse().ok()).unwrap_or(2);
        let retry_tiers = env
            .get("PONTE_RETRY_TIERS")
            .map(|spec| parse_tiers(spec))
            .unwrap_or_else(|| parse_tiers(RETRY_TIERS));
        let topology = Topology {
            namespace: ns.clone(),
            event_shards: shards("PONTE_EVENT_SHARDS"),
            work_shards: shards("PONTE_WORK_SHARDS"),
            delivery_limit: 10,
            retry_tiers,
            quorum_initial_group_size: env
                .get("PONTE_QUORUM_INITIAL_GROUP_SIZE")
                .and_then(|v| v.parse().ok()),
        };
        // The broker the fleet uses (a test may point it at a cluster).
        let amqp_url = env.get("PONTE_AMQP_URL").cloned().unwrap_or_else(amqp_url);
        // Registered before anything exists, guarded from here on: a
        // fleet that fails to start cleans up too.
        if let Err(e) = namespace::register(&redis_url(), &ns, &Owner::me(&topology)).await {
            eprintln!("cannot register test namespace {ns}: {e}");
        }
        let guard = NamespaceGuard::new(topology.clone(), amqp_url.clone(), redis_url());
        let log_dir = workspace_target().join("e2e-logs").join(&ns);
        let fleet = Fleet::start(FleetOptions {
            bin_dir: workspace_target(),
            log_dir,
            env: env.clone(),
            ports: BTreeMap::new(),
            services: options.services,
            ready_timeout: Duration::from_secs(60),
        })
        .await
        .unwrap_or_else(|e| panic!("fleet did not start: {e}"));
        TestFleet {
            admin: AdminClient::new(&fleet.url(Service::Admin), ADMIN_TOKEN),
            sandbox: SandboxClient::new(&fleet.url(Service::Sandbox)),
            http: reqwest::Client::new(),
            fleet,
            ns,
            env,
            topology,
            amqp_url,
            guard,
        }
    }

    /// Ponte's state store as the fleet's services see it (same namespace,
    /// same secrets keys and retention).
    pub fn store(&self) -> ponte_store::Store {
        let source = ponte_config::Source::from_pairs(self.env.clone());
        let common = ponte_config::Common::load(&source).expect("the fleet's configuration");
        ponte_store::Store::from_common(&common).expect("store")
    }

    pub fn url(&self, s: Service) -> String {
        self.fleet.url(s)
    }

    /// Makes the fleet's Redis look as a production fleet's does: watched by
    /// Ponte, with nothing lost, for `secs` seconds. What is born from now on
    /// may then skip its look for an earlier try (decision 104).
    /// Behind sentinels the record is not reached directly: the watch
    /// begins now, and this waits out the allowed clock skew instead.
    pub async fn redis_watched_for(&self, secs: i64) {
        let store = self.store();
        store
            .writes_kept_since()
            .await
            .expect("redis")
            .expect("this Redis never evicts");
        if !self.fleet_redis_url().starts_with("redis://") {
            let skew = ponte_worker::effect::first_try::CLOCK_SKEW;
            tokio::time::sleep(skew + Duration::from_secs(1)).await;
            return;
        }
        let since = chrono::Utc::now() - chrono::Duration::seconds(secs);
        self.set_redis_record(&store, "since", &since.to_rfc3339())
            .await;
    }

    /// The Redis the fleet's services use.
    fn fleet_redis_url(&self) -> String {
        self.env
            .get("PONTE_REDIS_URL")
            .cloned()
            .unwrap_or_else(redis_url)
    }

    /// What a Redis restarted from an older dump, or failed over, looks
    /// like to Ponte beside its data: another server run.
    pub async fn redis_restarted(&self) {
        let store = self.store();
        self.set_redis_record(&store, "identity", "a-restarted-run/a-new-history")
            .await;
    }

    async fn set_redis_record(&self, store: &ponte_store::Store, field: &str, value: &str) {
        let client =
            deadpool_redis::redis::Client::open(self.fleet_redis_url()).expect("redis url");
        let mut c = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis");
        let _: () = deadpool_redis::redis::cmd("HSET")
            .arg(format!("{}:redis-kept", store.namespace()))
            .arg(field)
            .arg(value)
            .query_async(&mut c)
            .await
            .expect("hset");
    }

    /// A bus handle on this test's namespace (for inspecting queues).
    pub fn bus(&self) -> std::sync::Arc<Bus> {
        Bus::new(BusConfig {
            amqp_url: self.amqp_url.clone(),
            connection_name: format!("{}-inspector", self.ns),
            topology: self.topology.clone(),
            retry: RetryPolicy::default(),
            confirm_timeout: Duration::from_secs(5),
        })
    }

    /// The sum of `svc`'s series of metric `name` (give it with its `{` to
    /// exclude longer names) whose line contains `label`, e.g.
    /// `integration="x"`.
    pub async fn metric_sum(&self, svc: Svc, name: &str, label: &str) -> f64 {
        series_sum(&self.metrics_page(svc).await, name, label)
    }

    /// `svc`'s `/metrics` page (Prometheus text); panics naming the service
    /// when it does not answer 200.
    pub async fn metrics_page(&self, svc: Svc) -> String {
        let r = self
            .http
            .get(format!("{}/metrics", self.url(svc)))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{} /metrics: {e}", svc.binary()));
        assert_eq!(r.status().as_u16(), 200, "{} /metrics", svc.binary());
        r.text()
            .await
            .unwrap_or_else(|e| panic!("{} /metrics is not text: {e}", svc.binary()))
    }

    /// Messages waiting in the router's input queues.
    pub async fn events_waiting(&self) -> u32 {
        self.waiting_in(self.topology.events_queues()).await
    }

    /// Messages waiting in the namespace's event, work and retry queues
    /// (a command in a worker's hands is not counted).
    pub async fn messages_waiting(&self) -> u32 {
        let mut queues = self.topology.events_queues();
        for p in ponte_core::Provider::ALL {
            queues.extend(self.topology.work_queues(p));
        }
        queues.extend((0..self.topology.retry_tiers.len()).map(|t| self.topology.retry_name(t)));
        self.waiting_in(queues).await
    }

    /// Messages ready in `queues`, as the broker counts them; `u32::MAX`
    /// when the broker cannot be asked.
    async fn waiting_in(&self, queues: Vec<String>) -> u32 {
        let bus = self.bus();
        let Ok(ch) = bus.channel().await else {
            return u32::MAX;
        };
        let mut total = 0;
        for q in queues {
            let opts = QueueDeclareOptions {
                passive: true,
                ..Default::default()
            };
            if let Ok(info) = ch
                .queue_declare(ShortString::from(q.as_str()), opts, FieldTable::default())
                .await
            {
                total += info.message_count();
            }
        }
        bus.close().await;
        total
    }

    /// Waits until nothing is left in the queues, twice in a row a second
    /// apart (a message in a worker's hands is not counted by the broker).
    pub async fn settled(&self, timeout: Duration) {
        self.eventually("the queues to drain", timeout, || async {
            if self.messages_waiting().await != 0 {
                return None;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            (self.messages_waiting().await == 0).then_some(())
        })
        .await
    }

    /// Stops the fleet and deletes the namespace's queues and keys.
    pub async fn teardown(self) {
        let TestFleet { fleet, guard, .. } = self;
        fleet.shutdown().await;
        if let Err(e) = guard.delete().await {
            eprintln!("could not delete the test namespace ({e}); `scripts/sweep` will");
        }
        let _ = std::fs::remove_dir_all(spool_root().join(&self.ns));
    }

    /// Two sandbox Movidesk domains and an automatic integration between
    /// them, applied through the admin API.
    pub async fn movidesk_pair(&self, integration: &str) -> Pair {
        self.movidesk_pair_with(integration, json!({}), json!({}))
            .await
    }

    /// Like [`TestFleet::movidesk_pair`], with extra integration fields
    /// (mode, conditions, correlation...) merged into the body.
    /// `domain_b` is merged into domain B's sandbox registration (its own
    /// status names, categories...).
    pub async fn movidesk_pair_with(
        &self,
        integration: &str,
        extra: Value,
        domain_b: Value,
    ) -> Pair {
        self.movidesk_pair_with_domains(integration, extra, json!({}), domain_b)
            .await
    }

    /// Like [`TestFleet::movidesk_pair_with`], with `domain_a` merged into
    /// domain A's registration too.
    pub async fn movidesk_pair_with_domains(
        &self,
        integration: &str,
        extra: Value,
        domain_a: Value,
        domain_b: Value,
    ) -> Pair {
        let pair = self
            .movidesk_domains_with(integration, domain_a, domain_b)
            .await;
        let api = self.sandbox.movidesk_api();
        let body = json!({
            "id": integration, "name": format!("{integration} test"), "enabled": true, "mode": "automatic",
            "client_key": "email", "generator_agent": "gen-b", "source_agent": "ponte-a", "reconcile_every_secs": 0,
            "source": {"provider": "movidesk", "base_url": api, "credentials": {"token": pair.token_a()}, "inbound_secret": pair.secret_a},
            "target": {"provider": "movidesk", "base_url": api, "credentials": {"token": pair.token_b()}, "inbound_secret": pair.secret_b},
        });
        let mut body = body;
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        self.admin
            .put(&format!("/integrations/{integration}"), &body)
            .await
            .unwrap_or_else(|e| panic!("apply failed: {e}"));
        // Tested as in production, where tickets and actions born now can
        // skip their looks for earlier tries; a loss must be detected.
        self.redis_watched_for(3600).await;
        pair
    }

    /// Ticks the counterpart's note on integration `integration`'s source,
    /// as the console's form does for a new integration: reads it, ticks
    /// the option and sends it back (secrets shown as `***` keep their
    /// values).
    pub async fn tick_counterpart_note(&self, integration: &str) {
        let path = format!("/integrations/{integration}");
        let mut body = self
            .admin
            .get(&path)
            .await
            .unwrap_or_else(|e| panic!("cannot read integration {integration}: {e}"));
        body["source"]["counterpart_note"] = true.into();
        self.admin
            .put(&path, &body)
            .await
            .unwrap_or_else(|e| panic!("cannot tick the note on {integration}: {e}"));
    }

    /// The two sandbox Movidesk domains of [`TestFleet::movidesk_pair_with`]
    /// (agents, a client, webhooks to integration `integration`), without
    /// the integration itself: for tests that create it another way.
    pub async fn movidesk_domains(&self, integration: &str, domain_b: Value) -> Pair {
        self.movidesk_domains_with(integration, json!({}), domain_b)
            .await
    }

    async fn movidesk_domains_with(
        &self,
        integration: &str,
        domain_a: Value,
        domain_b: Value,
    ) -> Pair {
        let pair = Pair {
            integration: integration.to_string(),
            a: format!("{}-{integration}-a", self.ns),
            b: format!("{}-{integration}-b", self.ns),
            secret_a: format!("secret-a-{}-0123456789", self.ns),
            secret_b: format!("secret-b-{}-0123456789", self.ns),
        };
        let hook = |secret: &str| {
            format!(
                "{}/hooks/movidesk/{integration}?token={secret}",
                self.url(Service::Ingress)
            )
        };
        let person = |id: &str, name: &str, email: &str, profile: i64| {
            json!({
                "id": id, "businessName": name, "personType": 1, "profileType": profile,
                "emails": [{"emailType": "Profissional", "email": email, "isDefault": true}]
            })
        };
        let mut spec_a = domain_spec(
            &pair.a,
            &pair.token_a(),
            &hook(&pair.secret_a),
            0,
            vec![
                person("agent-a", "Agent A", "agent@a.test", 1),
                person("ponte-a", "Ponte (integration)", "ponte@a.test", 1),
                person("ana", "Ana Souza", "ana@client.test", 2),
            ],
        );
        spec_a["lockout_after_failures"] = json!(0);
        spec_a["api_person_id"] = json!("ponte-a");
        if let (Some(a), Some(e)) = (spec_a.as_object_mut(), domain_a.as_object()) {
            for (k, v) in e {
                a.insert(k.clone(), v.clone());
            }
        }
        let mut spec_b = domain_spec(
            &pair.b,
            &pair.token_b(),
            &hook(&pair.secret_b),
            0,
            vec![
                person("gen-b", "Generator B", "gen@b.test", 1),
                person("agent-b", "Bia (agent B)", "bia@b.test", 1),
                person("ana-b", "Ana Souza", "ana@client.test", 2),
            ],
        );
        spec_b["lockout_after_failures"] = json!(0);
        spec_b["api_person_id"] = json!("gen-b");
        if let (Some(b), Some(e)) = (spec_b.as_object_mut(), domain_b.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        self.sandbox
            .movidesk_domain(&spec_a)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        self.sandbox
            .movidesk_domain(&spec_b)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        pair
    }

    /// Opens a ticket in domain A as an agent would; returns its number.
    pub async fn open_ticket(&self, pair: &Pair, subject: &str) -> String {
        let t = self
            .sandbox
            .movidesk_ui_ticket(&pair.a, &json!({
                "type": 2, "subject": subject, "createdBy": {"id": "agent-a"}, "clients": [{"id": "ana"}],
                "actions": [{"type": 2, "description": format!("{subject}: details from the customer"), "createdBy": {"id": "ana"}}]
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        id_of(&t["id"])
    }

    /// Tickets of a domain carrying Ponte's link tag for `source` ticket.
    pub async fn counterparts(&self, pair: &Pair, domain: &str, source: &str) -> Vec<Value> {
        let tag = json!(format!("ponte-{}-{source}", pair.integration));
        self.sandbox
            .movidesk_tickets(domain)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t["tags"].as_array().is_some_and(|tags| tags.contains(&tag)))
            .collect()
    }

    /// Waits for the counterpart of source ticket `a` in domain B; its id.
    pub async fn counterpart_id(&self, pair: &Pair, a: &str) -> String {
        self.eventually(
            "the counterpart in domain B",
            Duration::from_secs(30),
            || async {
                self.counterparts(pair, &pair.b, a)
                    .await
                    .first()
                    .map(|x| id_of(&x["id"]))
            },
        )
        .await
    }

    /// Waits until `check` returns Some, or panics naming `what`.
    pub async fn eventually<T, F, Fut>(&self, what: &str, timeout: Duration, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let start = Instant::now();
        loop {
            if let Some(v) = check().await {
                return v;
            }
            if start.elapsed() > timeout {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; logs in target/*/e2e-logs/{}",
                    self.ns
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs the real `ponte` CLI against this fleet's admin API.
    pub async fn cli(&self, args: &[&str]) -> (bool, String) {
        let out = tokio::process::Command::new(workspace_target().join("ponte"))
            .args(args)
            .env("PONTE_ADMIN_URL", self.url(Service::Admin))
            .env("PONTE_ADMIN_TOKEN", ADMIN_TOKEN)
            .envs(self.env.iter().filter(|(k, _)| {
                k.starts_with("PONTE_SECRETS_KEY")
                    || k.as_str() == "PONTE_NAMESPACE"
                    || k.as_str() == "PONTE_REDIS_URL"
            }))
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run ponte: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}

/// A Blip contract served by a Movidesk desk through one integration.
pub struct BlipDesk {
    pub integration: String,
    pub contract: String,
    pub key: String,
    pub desk: String,
    /// The Blip agent the desk owner maps to.
    pub agent: String,
}

impl TestFleet {
    /// A sandbox Blip contract whose custom channel calls the ingress, a
    /// Movidesk desk domain, and an automatic integration between them:
    /// clients found by phone, the default responsible `agent-b` mapped
    /// back to a Blip agent, a customer's close → `Resolvido`.
    pub async fn blip_desk(&self, integration: &str) -> BlipDesk {
        self.blip_desk_with(integration, json!({})).await
    }

    /// Like [`TestFleet::blip_desk`], with more correlation entries (keys
    /// of `correlation` replace the default ones).
    pub async fn blip_desk_with(&self, integration: &str, correlation: Value) -> BlipDesk {
        let contract = format!("{}-{integration}", self.ns);
        let desk = format!("{}-{integration}-desk", self.ns);
        let key = format!("blip-key-{contract}");
        let secret = format!("blip-channel-key-{contract}");
        let agent = "bia%40desk.test@blip.ai".to_string();
        let r = self
            .http
            .post(format!(
                "{}/_sandbox/blip/contracts",
                self.url(Service::Sandbox)
            ))
            .json(&json!({
                "name": contract, "key": key,
                "webhook_url": format!("{}/hooks/blip/{integration}", self.url(Service::Ingress)),
                "webhook_auth_header": "Authorization", "webhook_auth_key": secret,
                "agents": [agent, "lia%40desk.test@blip.ai"],
                "messages_per_second": 0, "commands_per_second": 0
            }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            r.status().is_success(),
            "contract: {}",
            r.text().await.unwrap_or_default()
        );
        let person = |id: &str, name: &str, profile: i64| json!({"id": id, "businessName": name, "personType": 1, "profileType": profile});
        let mut spec = domain_spec(
            &desk,
            &format!("token-{desk}"),
            &format!(
                "{}/hooks/movidesk/{integration}?token=desk-secret-{desk}",
                self.url(Service::Ingress)
            ),
            0,
            vec![
                person("gen-b", "Ponte", 1),
                person("agent-b", "Bia (agent)", 1),
            ],
        );
        spec["lockout_after_failures"] = json!(0);
        spec["api_person_id"] = json!("gen-b");
        self.sandbox
            .movidesk_domain(&spec)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut body = json!({
            "id": integration, "name": format!("{integration} test"), "mode": "automatic",
            "client_key": "phone", "generator_agent": "gen-b", "reconcile_every_secs": 0,
            "correlation": {
                "status": {"ClosedClient": "Resolvido"},
                "defaults": {"agent": {"id": "agent-b", "team": "Suporte"}},
                "agent_back": {"agent-b": {"id": agent}}
            },
            "source": {"provider": "blip", "base_url": format!("{}/blip", self.url(Service::Sandbox)), "credentials": {"key": key}, "inbound_secret": secret, "inbound_header": "Authorization"},
            "target": {"provider": "movidesk", "base_url": self.sandbox.movidesk_api(), "credentials": {"token": format!("token-{desk}")}, "inbound_secret": format!("desk-secret-{desk}")},
        });
        if let Value::Object(extra) = correlation {
            for (k, v) in extra {
                body["correlation"][k] = v;
            }
        }
        self.admin
            .put(&format!("/integrations/{integration}"), &body)
            .await
            .unwrap_or_else(|e| panic!("apply failed: {e}"));
        BlipDesk {
            integration: integration.to_string(),
            contract,
            key,
            desk,
            agent,
        }
    }

    /// A sandbox Blip call under `/_sandbox/blip/{contract}`.
    pub async fn blip(
        &self,
        method: reqwest::Method,
        contract: &str,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut req = self.http.request(
            method,
            format!(
                "{}/_sandbox/blip/{contract}{path}",
                self.url(Service::Sandbox)
            ),
        );
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap_or_else(|e| panic!("{e}"));
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "blip {path}: {status} {v}");
        v
    }
}

pub struct Pair {
    pub integration: String,
    pub a: String,
    pub b: String,
    pub secret_a: String,
    pub secret_b: String,
}

impl Pair {
    pub fn token_a(&self) -> String {
        format!("token-{}", self.a)
    }
    pub fn token_b(&self) -> String {
        format!("token-{}", self.b)
    }
}

/// The text of every action of a sandbox ticket, plain and HTML, for
/// "contains" checks.
pub fn action_texts(ticket: &Value) -> Vec<String> {
    ticket["actions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["description"].as_str().unwrap_or(""),
                a["htmlDescription"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// A ticket id as text, whether the JSON holds a string or a number.
pub fn id_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Retry tiers as `PONTE_RETRY_TIERS` writes them (`300ms,1s,2s`).
fn parse_tiers(spec: &str) -> Vec<Duration> {
    spec.split(',')
        .filter_map(|t| {
            let t = t.trim();
            if let Some(ms) = t.strip_suffix("ms") {
                ms.parse().ok().map(Duration::from_millis)
            } else if let Some(s) = t.strip_suffix('s') {
                s.parse().ok().map(Duration::from_secs)
            } else if let Some(m) = t.strip_suffix('m') {
                m.parse::<u64>().ok().map(|m| Duration::from_secs(m * 60))
            } else {
                None
            }
        })
        .collect()
}
