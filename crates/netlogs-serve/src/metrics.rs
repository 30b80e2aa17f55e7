//! `GET /metrics`: Prometheus text. Requests by endpoint and status, items scored, request
//! latency, and requests in flight.

use std::sync::atomic::AtomicI64;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub endpoint: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabel {
    pub endpoint: String,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub items: Family<EndpointLabel, Counter>,
    pub latency: Family<EndpointLabel, Histogram>,
    pub in_flight: Gauge<i64, AtomicI64>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("netlogs_serve");
        let requests = Family::<RequestLabels, Counter>::default();
        let items = Family::<EndpointLabel, Counter>::default();
        // 50 µs to about 1.6 s.
        let latency = Family::<EndpointLabel, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.000_05, 2.0, 16))) as fn() -> Histogram,
        );
        let in_flight = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "requests",
            "HTTP requests by endpoint and status",
            requests.clone(),
        );
        registry.register("items_scored", "Completions scored", items.clone());
        registry.register(
            "request_duration_seconds",
            "Request latency, from headers read to response built",
            latency.clone(),
        );
        registry.register("in_flight", "Requests being handled", in_flight.clone());
        Metrics {
            registry,
            requests,
            items,
            latency,
            in_flight,
        }
    }
}

impl Metrics {
    pub fn observe(&self, endpoint: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                endpoint: endpoint.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&EndpointLabel {
                endpoint: endpoint.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }

    pub fn scored(&self, endpoint: &str, n: usize) {
        self.items
            .get_or_create(&EndpointLabel {
                endpoint: endpoint.to_string(),
            })
            .inc_by(n as u64);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
