"""The service's Prometheus metrics: requests by route and status, latency histograms, rows
scored and the distribution of what the model predicts (a shift there is often the first sign
of drift). Each application has its own registry, so tests and reloads never double-count."""

from __future__ import annotations

import numpy as np
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, Summary, generate_latest  # noqa: F401

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

    def observe_predictions(self, labels, probabilities: np.ndarray | None) -> None:
        self.rows.inc(len(labels))
        if self.classification:
            for label in labels:
                self.predicted.labels(class_=str(label)).inc()
            if probabilities is not None and len(probabilities):
                for value in probabilities.max(axis=1):
                    self.confidence.observe(float(value))
        else:
            for value in np.asarray(labels, dtype=float):
                if np.isfinite(value):
                    self.predicted_value.observe(float(value))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
