"""Prometheus counters of ingestion (served by the app's /metrics; the MQTT worker can expose its own)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

READINGS = Counter("gongzhi_device_readings_total", "New readings stored", ["transport"])
DUPLICATES = Counter("gongzhi_device_duplicates_total", "Readings already stored (dropped)", ["transport"])
REJECTED = Counter("gongzhi_device_rejected_total", "Payloads or messages refused as bad", ["transport"])
MQTT_FAILED = Counter("gongzhi_mqtt_failed_total", "MQTT messages whose processing crashed (left unacknowledged)")
MQTT_DEAD = Counter("gongzhi_mqtt_dead_total", "MQTT messages acknowledged after crashing max_attempts times")
MQTT_BATCHES = Counter("gongzhi_mqtt_batches_total", "MQTT batches committed")
COMMIT_LAG = Histogram(
    "gongzhi_device_commit_lag_seconds",
    "Reading timestamp to commit (MQTT)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
