"""The service's Prometheus metrics: requests by route and status, latency histograms, rows
scored, the distribution of what the model predicts (a shift there is often the first sign of
drift) and what became of the prediction log's rows.

Each application has its own registry, so tests and reloads never double-count. With several
worker processes (``mlwright serve --workers N``) every worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` and /metrics adds up all workers' files, so a scrape that lands on
any worker sees the whole service.
"""

from __future__ import annotations

import os

import numpy as np
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, Summary, generate_latest  # noqa: F401

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
PROBABILITY_BUCKETS = tuple(np.round(np.linspace(0.1, 1.0, 10), 2))


class ServiceMetrics:
    def __init__(self, task_is_classification: bool):
        self.registry = CollectorRegistry()
        self.requests = Counter("mlwright_requests_total", "HTTP requests by route and status code.",
                                ["route", "status"], registry=self.registry)
        self.latency = Histogram("mlwright_request_seconds", "Time to answer a request, by route.", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.rows = Counter("mlwright_rows_scored_total", "Rows scored by /predict.", registry=self.registry)
        self.logged = Counter("mlwright_prediction_log_rows_total",
                              "Scored rows written to the store (stored), to the local spool while the store "
                              "was unreachable (spooled), and replayed from the spool (replayed).",
                              ["outcome"], registry=self.registry)
        self.classification = task_is_classification
        if task_is_classification:
            self.predicted = Counter("mlwright_predicted_class_total", "Predictions by class.", ["class_"],
                                     registry=self.registry)
            self.confidence = Histogram("mlwright_prediction_confidence", "Probability of the predicted class.",
                                        buckets=PROBABILITY_BUCKETS, registry=self.registry)
        else:  # the scale of a regression target is the model's own: count and sum give the mean
            self.predicted_value = Summary("mlwright_predicted_value", "Predicted values.", registry=self.registry)

    def observe_request(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route=route, status=str(status)).inc()
        self.latency.labels(route=route).observe(seconds)

    def observe_logged(self, outcome: str, rows: int) -> None:
        self.logged.labels(outcome=outcome).inc(rows)

    def observe_predictions(self, labels, probabilities: np.ndarray | None) -> None:
        self.rows.inc(len(labels))
        if self.classification:
            classes, counts = np.unique(np.asarray(labels, dtype=str), return_counts=True)
            for label, count in zip(classes.tolist(), counts.tolist()):  # one update a class, not a row
                self.predicted.labels(class_=label).inc(count)
            if probabilities is not None and len(probabilities):
                for value in probabilities.max(axis=1):
                    self.confidence.observe(float(value))
        else:
            for value in np.asarray(labels, dtype=float):
                if np.isfinite(value):
                    self.predicted_value.observe(float(value))

    def exposition(self) -> bytes:
        if os.environ.get(MULTIPROCESS_ENV):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
