"""Prometheus metrics: one registry per app, summed over worker processes when several
serve (prometheus-client's multiprocess mode). A light module: `bookwell serve`
imports it in the parent process, which every worker process re-imports on start."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector


class Metrics:
    """Prometheus metrics of one app (own registry, so several apps can coexist)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route template, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request duration by route template",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )


def metrics_registry(metrics: Metrics | None) -> CollectorRegistry:
    """This process's metrics, or with several worker processes the sum of what every
    process wrote (prometheus-client's multiprocess mode)."""
    if metrics is None or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return metrics.registry
