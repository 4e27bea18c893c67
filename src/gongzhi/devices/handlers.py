"""Readings handlers: modules above `devices` (sensing, eldercare) register one per device kind.

`devices` never imports those modules; they call `register()` at import time (their
`handlers.py` is imported by `gongzhi.app` / the ingestion worker), and ingestion calls
`dispatch()` with the readings it has just stored, inside the same transaction, so a
handler's cases, alarms and outbox rows commit together with the readings or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class DeviceInfo:
    """What a handler needs of the device, copied so handlers never touch the devices tables."""

    id: int
    code: str
    kind: str
    grid_id: int | None
    lat: float | None
    lng: float | None
    owner_ref: str | None  # free text, e.g. "elder:12" or "place:东门"; interpreted by the owning module


@dataclass(frozen=True)
class Reading:
    """One stored, deduplicated reading: (device, key, ts) is unique."""

    key: str
    ts: datetime  # aware UTC
    value: float


# handler(session, device, readings, now): readings are new (never seen before), ordered by ts.
ReadingsHandler = Callable[[Session, DeviceInfo, Sequence[Reading], datetime], None]

_handlers: dict[str, list[ReadingsHandler]] = {}


def register(kind: str, handler: ReadingsHandler) -> None:
    """Subscribe `handler` to new readings of devices of `kind` (idempotent)."""
    bucket = _handlers.setdefault(kind, [])
    if handler not in bucket:
        bucket.append(handler)


def handlers_for(kind: str) -> tuple[ReadingsHandler, ...]:
    return tuple(_handlers.get(kind, ()))


def dispatch(session: Session, device: DeviceInfo, readings: Sequence[Reading], now: datetime) -> None:
    """Hand new readings to every handler of the device's kind, in the caller's transaction."""
    if not readings:
        return
    for handler in handlers_for(device.kind):
        handler(session, device, readings, now)


# silence_handler(session, device, last_seen, now): the device has sent nothing past its expected
# interval; called once per silence episode by the devices sweep (last_seen None: never reported).
SilenceHandler = Callable[[Session, DeviceInfo, datetime | None, datetime], None]

_silence_handlers: dict[str, list[SilenceHandler]] = {}


def register_silence(kind: str, handler: SilenceHandler) -> None:
    bucket = _silence_handlers.setdefault(kind, [])
    if handler not in bucket:
        bucket.append(handler)


def dispatch_silence(session: Session, device: DeviceInfo, last_seen: datetime | None, now: datetime) -> None:
    for handler in tuple(_silence_handlers.get(device.kind, ())):
        handler(session, device, last_seen, now)


def load_all() -> list[str]:
    """Import every `gongzhi.<module>.handlers` so their register() calls run; returns their names.

    For processes that ingest or sweep without building the web app (`gongzhi devices ingest`,
    the worker): a reading no handler sees is an alarm nobody gets. Found by file, imported by
    name, so `devices` still never imports the modules above it; an import error is raised, not
    swallowed.
    """
    import importlib
    import importlib.util
    import pkgutil

    import gongzhi

    loaded = []
    for info in pkgutil.iter_modules(gongzhi.__path__):
        if not info.ispkg or info.name == "devices":
            continue
        spec = importlib.util.find_spec(f"gongzhi.{info.name}.handlers")
        if spec is not None:
            importlib.import_module(spec.name)
            loaded.append(spec.name)
    return loaded
