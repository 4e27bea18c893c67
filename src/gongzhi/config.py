"""Typed settings, read once from GONGZHI_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGZHI_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./gongzhi.db"
    # Signs nothing by itself; mixed into token hashes so a leaked DB alone cannot mint sessions.
    secret_key: str = "change-me-in-production"
    timezone: str = "Asia/Shanghai"
    default_language: str = "zh"
    host: str = "127.0.0.1"
    port: int = 8000

    # Web sessions and API tokens
    session_hours: int = 12
    token_days: int = 30
    cookie_secure: bool = False
    # Failed logins: after `login_max_failures` within `login_window_minutes`, lock for `login_lock_minutes`.
    login_max_failures: int = 5
    login_window_minutes: int = 15
    login_lock_minutes: int = 15

    # Background work. On SQLite the server runs the worker loop itself unless this is false.
    embedded_worker: bool | None = None
    sweep_interval_seconds: float = 10.0
    outbox_batch: int = 100
    outbox_max_attempts: int = 12

    # Case clocks
    rating_wait_hours: int = 72
    workday_start_hour: int = 9

    # Outbound channels
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "gongzhi@localhost"
    smtp_timeout_seconds: float = 10.0
    webhook_timeout_seconds: float = 10.0
    # Where the WeCom/DingTalk robot for supervisors posts; empty = console only.
    supervisor_webhook_url: str = ""

    # City brain (sensing): late night is [crowd_night_start_hour, crowd_night_end_hour) Shanghai time;
    # a count is a crowd when P(X >= count) under the place's usual level is below the threshold.
    crowd_night_start_hour: int = 23
    crowd_night_end_hour: int = 5
    crowd_alert_probability: float = 1e-4
    crowd_min_count: int = 8
    # An alarm or anomaly episode ends after this long without a repeat.
    episode_quiet_minutes: int = 60
    # A gas detector reporting a concentration alarms at this level (methane: 10% of the lower
    # explosive limit is 5,000 ppm; household alarms sound well before, commonly near 1,000 ppm).
    gas_alarm_ppm: float = 1000.0
    gas_alarm_lel_percent: float = 10.0
    # A door open longer than this at night is reported to the grid worker.
    door_open_alert_seconds: int = 300

    log_json: bool = True
    log_level: str = "INFO"
    demo_seed: int = Field(default=20261123)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def run_embedded_worker(self) -> bool:
        return self.is_sqlite if self.embedded_worker is None else self.embedded_worker


@lru_cache
def get_settings() -> Settings:
    return Settings()
