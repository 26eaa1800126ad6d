"""Prometheus metrics: requests by route, and what the identity graph did."""

from __future__ import annotations

import os
from collections.abc import Sequence

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from resolvers.identity.changes import AuditEntry

REQUESTS = Counter("c360_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "c360_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPH_CHANGES = Counter(
    "c360_graph_changes_total", "Merges, splits and steward actions committed", ["action"]
)
REJECTED_LINKS = Counter("c360_rejected_links_total", "Links the merge policy refused")
STORE_ERRORS = Counter("c360_store_errors_total", "Store failures answered with 503", ["kind"])
RECORDS = Counter("c360_records_total", "Observations and events received", ["what", "status"])


class PrometheusSink:
    """Counts committed graph changes."""

    def committed(self, audit: Sequence[AuditEntry], rejected: int) -> None:
        """Count one committed unit of work."""
        for entry in audit:
            GRAPH_CHANGES.labels(entry.action).inc()
        if rejected:
            REJECTED_LINKS.inc(rejected)


def exposition() -> tuple[bytes, str]:
    """The metrics text, gathered from every worker when several share a directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
