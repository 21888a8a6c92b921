//! The simulated organisation: services, hosts in every status, monitors of every
//! type, check monitors. The same seed always gives the same organisation.

use serde_json::{json, Value};

/// A Mackerel-looking id (11 characters of base58) drawn from the seed.
pub fn make_id(seed: u64, kind: u64, n: u64) -> String {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut rng = fastrand::Rng::with_seed(
        seed ^ kind.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n.wrapping_mul(0xBF58_476D_1CE4_E5B9),
    );
    (0..11)
        .map(|_| ALPHABET[rng.usize(..ALPHABET.len())] as char)
        .collect()
}

#[derive(Debug, Clone)]
pub struct SimHost {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub roles: Vec<(&'static str, &'static str)>,
    /// Retired at this offset (seconds before the anchor); `gone` hosts answer 404.
    pub retired_before_anchor: Option<i64>,
    pub gone: bool,
    pub display_name: Option<&'static str>,
    pub memo: &'static str,
    pub custom_identifier: Option<&'static str>,
}

impl SimHost {
    pub fn services(&self) -> Vec<String> {
        let mut s: Vec<String> = self.roles.iter().map(|(svc, _)| svc.to_string()).collect();
        s.sort();
        s.dedup();
        s
    }

    pub fn to_json(&self, anchor: i64) -> Value {
        let mut roles = serde_json::Map::new();
        for (svc, role) in &self.roles {
            roles
                .entry(svc.to_string())
                .or_insert_with(|| json!([]))
                .as_array_mut()
                .unwrap()
                .push(json!(role));
        }
        let mut h = json!({
            "id": self.id, "name": self.name, "status": self.status, "memo": self.memo, "roles": roles,
            "isRetired": self.retired_before_anchor.is_some(), "createdAt": anchor - 400 * 86_400,
            "size": "standard", "displayName": self.display_name, "meta": {}, "interfaces": [],
        });
        // Mackerel only sends customIdentifier for hosts that have one.
        if let Some(c) = self.custom_identifier {
            h["customIdentifier"] = json!(c);
        }
        if let Some(before) = self.retired_before_anchor {
            h["retiredAt"] = json!(anchor - before);
        }
        h
    }
}

#[derive(Debug, Clone)]
pub struct SimMonitor {
    pub id: String,
    /// Mackerel's type; `check` monitors are served only under /monitoring/checks.
    pub kind: &'static str,
    pub name: Option<&'static str>,
    pub service: Option<&'static str>,
    /// Deleted: its alerts were closed by monitorDelete and it answers 404.
    pub deleted: bool,
}

impl SimMonitor {
    pub fn display_name(&self) -> Option<String> {
        self.name
            .map(str::to_owned)
            .or_else(|| (self.kind == "connectivity").then(|| "connectivity".to_owned()))
    }

    /// The monitor with only the fields its type really has.
    pub fn to_json(&self) -> Value {
        let mut m = json!({"id": self.id, "type": self.kind, "isMute": false});
        // The API names a connectivity monitor "connectivity" when nobody named it.
        if let Some(n) = self.display_name() {
            m["name"] = json!(n);
        }
        let extra = match self.kind {
            "connectivity" => {
                json!({"scopes": [], "excludeScopes": [], "alertStatusOnGone": "CRITICAL"})
            }
            "host" => {
                json!({"metric": "cpu.user.percentage", "operator": ">", "warning": 80.0, "critical": 95.0,
                             "duration": 3, "maxCheckAttempts": 1, "scopes": [], "excludeScopes": []})
            }
            "service" => {
                json!({"service": self.service, "metric": "custom.access.5xx", "operator": ">",
                                "warning": 10.0, "critical": 50.0, "duration": 1, "maxCheckAttempts": 1})
            }
            "external" => {
                let mut e = json!({"url": "https://shop.example.com/", "method": "GET", "maxCheckAttempts": 1,
                                   "expectedStatusCode": 200, "headers": []});
                if let Some(s) = self.service {
                    e["service"] = json!(s);
                    e["responseTimeWarning"] = json!(3000);
                    e["responseTimeCritical"] = json!(5000);
                    e["responseTimeDuration"] = json!(3);
                }
                e
            }
            "expression" => {
                json!({"expression": "avg(roleSlots(\"blog:app\",\"loadavg5\"))", "operator": ">",
                                   "warning": 5.0, "critical": 10.0})
            }
            "query" => {
                json!({"query": "http.server.request.duration", "legend": "", "operator": ">",
                              "warning": 0.5, "critical": 1.0})
            }
            "anomalyDetection" => {
                json!({"scopes": ["api: app"], "warningSensitivity": "normal", "maxCheckAttempts": 3})
            }
            _ => json!({"futureField": {"nested": true}}),
        };
        for (k, v) in extra.as_object().unwrap() {
            m[k] = v.clone();
        }
        m
    }
}

/// Which hosts a monitor watches (host-bound types) — or none for the others.
#[derive(Debug, Clone)]
pub struct Org {
    pub name: String,
    pub services: Vec<(&'static str, Vec<&'static str>)>,
    pub hosts: Vec<SimHost>,
    pub monitors: Vec<SimMonitor>,
}

impl Org {
    pub fn new(seed: u64) -> Org {
        let host = |n: u64, name: &str, status, roles: &[(&'static str, &'static str)]| SimHost {
            id: make_id(seed, 1, n),
            name: name.to_owned(),
            status,
            roles: roles.to_vec(),
            retired_before_anchor: None,
            gone: false,
            display_name: None,
            memo: "",
            custom_identifier: None,
        };
        let mut hosts = vec![
            host(0, "blog-app-01", "working", &[("blog", "app")]),
            host(1, "blog-app-02", "working", &[("blog", "app")]),
            host(2, "blog-db-01", "working", &[("blog", "db")]),
            host(3, "shop-web-01", "working", &[("shop", "web")]),
            host(4, "shop-web-02", "standby", &[("shop", "web")]),
            host(
                5,
                "shared-db-01",
                "working",
                &[("blog", "db"), ("shop", "db")],
            ),
            host(6, "api-app-01", "working", &[("api", "app")]),
            host(7, "api-worker-01", "working", &[("api", "worker")]),
            host(8, "bastion-01", "working", &[]),
            host(9, "shop-batch-01", "maintenance", &[("shop", "batch")]),
            host(10, "api-app-old", "poweroff", &[("api", "app")]),
            host(11, "blog-app-00", "working", &[("blog", "app")]),
            host(12, "shop-web-00", "working", &[("shop", "web")]),
        ];
        hosts[3].display_name = Some("ショップ Web #1");
        hosts[3].memo = "owner: team-shop <b>on call</b> & runbook *here*";
        hosts[5].custom_identifier = Some("i-0123456789abcdef0");
        hosts[9].display_name = Some("shop nightly batch");
        hosts[11].retired_before_anchor = Some(12 * 86_400);
        hosts[12].retired_before_anchor = Some(20 * 86_400);
        hosts[12].gone = true;
        let monitor = |n: u64, kind, name, service| SimMonitor {
            id: make_id(seed, 2, n),
            kind,
            name,
            service,
            deleted: false,
        };
        let mut monitors = vec![
            monitor(0, "connectivity", None, None),
            monitor(1, "host", Some("CPU %"), None),
            monitor(2, "host", Some("memory used %"), None),
            monitor(3, "host", Some("disk / used %"), None),
            monitor(4, "service", Some("blog - 5xx count"), Some("blog")),
            monitor(5, "service", Some("shop - order latency p99"), Some("shop")),
            monitor(6, "external", Some("shop top page"), Some("shop")),
            monitor(7, "external", Some("status page"), None),
            monitor(8, "expression", Some("blog app loadavg5 average"), None),
            monitor(9, "query", Some("http.server.request.duration p99"), None),
            monitor(10, "anomalyDetection", Some("api anomaly detection"), None),
            monitor(11, "check", Some("check-nginx"), None),
            monitor(12, "check", Some("check-log"), None),
            monitor(13, "check", Some("ディスク監視"), None),
            monitor(14, "host", Some("old disk monitor"), None),
            monitor(
                15,
                "serviceLevelObjective",
                Some("api availability SLO"),
                Some("api"),
            ),
        ];
        monitors[14].deleted = true;
        Org {
            name: format!("sim-{}", &make_id(seed, 0, 0)[..6]),
            services: vec![
                ("api", vec!["app", "worker"]),
                ("blog", vec!["app", "db"]),
                ("shop", vec!["batch", "db", "web"]),
            ],
            hosts,
            monitors,
        }
    }

    /// The hosts a list request sees: by status, never retired ones; with
    /// `service`, only its hosts, and with `roles` too, only hosts in one of them.
    pub fn listed_hosts(
        &self,
        statuses: &[String],
        service: Option<&str>,
        roles: &[String],
    ) -> Vec<&SimHost> {
        let in_scope = |h: &SimHost| match service {
            None => true,
            Some(svc) => h
                .roles
                .iter()
                .any(|(s, r)| *s == svc && (roles.is_empty() || roles.iter().any(|x| x == r))),
        };
        self.hosts
            .iter()
            .filter(|h| h.retired_before_anchor.is_none() && statuses.iter().any(|s| s == h.status))
            .filter(|h| in_scope(h))
            .collect()
    }

    pub fn host(&self, id: &str) -> Option<&SimHost> {
        self.hosts.iter().find(|h| h.id == id && !h.gone)
    }

    pub fn monitor(&self, id: &str) -> Option<&SimMonitor> {
        self.monitors.iter().find(|m| m.id == id && !m.deleted)
    }
}
