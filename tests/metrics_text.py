"""Reading a /metrics answer in tests and benchmarks: one sample's value, by the parser
prometheus_client itself ships."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def sample(body: str, name: str, **labels) -> float | None:
    """The value of the sample `name{labels}` in a Prometheus text answer (None: absent)."""
    for family in text_string_to_metric_families(body):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return None
