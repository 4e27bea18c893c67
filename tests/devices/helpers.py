"""Shared helpers of the devices tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from gongzhi.devices.handlers import DeviceInfo, Reading


class Recorder:
    """A readings handler that remembers what it was handed."""

    def __init__(self) -> None:
        self.calls: list[tuple[DeviceInfo, list[Reading]]] = []

    def __call__(self, session: Session, device: DeviceInfo, readings: Sequence[Reading], now: datetime) -> None:
        self.calls.append((device, list(readings)))

    @property
    def readings(self) -> list[Reading]:
        return [r for _, rs in self.calls for r in rs]


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)
