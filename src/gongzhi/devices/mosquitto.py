"""Mosquitto password and ACL files from the registry: each device may publish only to its own topic."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongzhi.devices.models import Device
from gongzhi.devices.mqtt import TOPIC_PREFIX
from gongzhi.devices.service import CODE_RE, mqtt_password_hash


def password_lines(session: Session, *, ingest_user: str, ingest_password: str) -> list[str]:
    """`user:$7$…` lines: enabled devices (username = code, password = its access token) and the ingest user."""
    if not CODE_RE.match(ingest_user):
        raise ValueError("the ingest user name must match [A-Za-z0-9_.-]{1,64}")
    if not ingest_password:
        raise ValueError("the ingest user needs a password")
    lines = [f"{ingest_user}:{mqtt_password_hash(ingest_password)}"]
    rows = session.execute(
        select(Device.code, Device.mqtt_password_hash).where(Device.enabled.is_(True)).order_by(Device.code)
    )
    lines.extend(f"{code}:{hashed}" for code, hashed in rows if code != ingest_user)
    return lines


def acl_text(*, ingest_user: str, prefix: str = TOPIC_PREFIX) -> str:
    return (
        "# Written by `gongzhi devices mosquitto-auth`; regenerate after registering, disabling or rotating.\n"
        f"user {ingest_user}\n"
        f"topic read {prefix}/+/telemetry\n"
        "\n"
        "# Every device (username = device code) may publish to its own topic only.\n"
        f"pattern write {prefix}/%u/telemetry\n"
    )


def write_atomically(path: Path, text: str, mode: int = 0o600) -> None:
    """Mosquitto may re-read the file at any time (SIGHUP): never let it see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files(
    session: Session, *, passwd: Path, acl: Path, ingest_user: str, ingest_password: str, prefix: str = TOPIC_PREFIX
) -> int:
    """Write both files; returns the number of device accounts."""
    lines = password_lines(session, ingest_user=ingest_user, ingest_password=ingest_password)
    write_atomically(passwd, "\n".join(lines) + "\n")
    write_atomically(acl, acl_text(ingest_user=ingest_user, prefix=prefix), 0o644)
    return len(lines) - 1
