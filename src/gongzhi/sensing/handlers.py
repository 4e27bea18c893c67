"""Subscribe the city-brain rules to the device kinds they read (imported by app and CLI)."""

from __future__ import annotations

from gongzhi.devices import handlers
from gongzhi.sensing import service

handlers.register("people_counter", service.handle_people_count)
handlers.register("smoke_detector", service.handle_alarm)
handlers.register("gas_detector", service.handle_alarm)
handlers.register("door_lock", service.handle_door)
