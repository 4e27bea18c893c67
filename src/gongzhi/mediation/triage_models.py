"""Triage corrections made by mediators, kept as training examples, and retrained model versions.

A model version stores no pickled estimator (pickles break across scikit-learn releases):
training is deterministic, so a version is the recipe — the shipped corpus (by hash) plus the
corrections up to `max_correction_id` — and its scores. Each process rebuilds the active
version at first use (a few seconds) and keeps it in memory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gongzhi.db import Base

__all__ = ["Base", "TriageCorrection", "TriageModelVersion"]


class TriageCorrection(Base):
    """A person overrode the machine: the text with the type and tier it should have had."""

    __tablename__ = "triage_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(24), index=True)
    risk: Mapped[str] = mapped_column(String(8))
    # What the machine said at the time, so the board can show how often it is overridden.
    predicted_type: Mapped[str] = mapped_column(String(24), default="")
    predicted_risk: Mapped[str] = mapped_column(String(8), default="")
    by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    dispute_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True, default=None)
    created_at: Mapped[datetime]


class TriageModelVersion(Base):
    """One retraining: what it was trained on, its before/after scores, and whether it is in use."""

    __tablename__ = "triage_model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    corpus_sha256: Mapped[str] = mapped_column(String(64))
    corpus_size: Mapped[int] = mapped_column(Integer)
    max_correction_id: Mapped[int] = mapped_column(Integer, default=0)
    corrections_used: Mapped[int] = mapped_column(Integer, default=0)
    sklearn_version: Mapped[str] = mapped_column(String(20), default="")
    metrics: Mapped[dict[str, Any]]
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    trained_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]
