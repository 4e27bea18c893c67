"""Settings of the devices module (env GONGZHI_DEVICES_*); kept here so the shared config stays small."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class DeviceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGZHI_DEVICES_", env_file=".env", extra="ignore")

    # Raw readings are kept this long, then folded into hourly rollups, which are kept longer.
    retention_days: int = 30
    rollup_retention_days: int = 730
    # A reading may be this far ahead of the server clock (device clocks drift).
    future_skew_seconds: int = 300
    max_body_bytes: int = 1_048_576
    max_readings_per_request: int = 20_000
    # Silent when nothing arrived for grace × expected interval.
    silence_grace: float = 2.5

    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_username: str = ""
    mqtt_password: str = ""
    mqtt_client_id: str = "gongzhi-ingest-1"
    mqtt_batch_size: int = 500
    mqtt_batch_ms: int = 50
    # Messages whose processing crashed this many times are logged, counted and acknowledged.
    mqtt_max_attempts: int = 5


@lru_cache
def get_device_settings() -> DeviceSettings:
    return DeviceSettings()
