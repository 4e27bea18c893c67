"""Triage with the database: mediators' corrections, retraining, and loading the active version.

`triage.triage()` is pure; these functions keep the model every process uses in step with the
database. A retrained version is stored as its recipe (corpus hash + the corrections up to an
id) and scores, never as a pickle; `sync_model()` rebuilds it in a process that has not yet.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sklearn
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gongzhi.audit import service as audit
from gongzhi.auth.models import User
from gongzhi.cases.models import Case
from gongzhi.errors import Invalid, NotFound
from gongzhi.mediation import triage
from gongzhi.mediation.triage import (
    HELDOUT_PATH,
    MAX_TEXT,
    TYPES,
    Example,
    TriageModel,
    TriageResult,
    corpus_sha256,
    evaluate,
    load_examples,
)
from gongzhi.mediation.triage_models import TriageCorrection, TriageModelVersion
from gongzhi.mediation.triage_rules import TIERS

# Every fifth correction (by id) is never trained on: it is the held-out split that tells
# whether a retrain helped. By id, so every process and every retrain agrees on the split.
HOLDOUT_EVERY = 5
# A person's correction outweighs a generated corpus sentence.
CORRECTION_WEIGHT = 3.0

_sync_lock = threading.Lock()


def is_held_out(correction_id: int) -> bool:
    return correction_id % HOLDOUT_EVERY == 0


def check_text(text: str) -> str:
    """The text stripped; 422 if empty or longer than MAX_TEXT characters."""
    clean = text.strip()
    if not clean:
        raise Invalid("triage_text_empty")
    if len(clean) > MAX_TEXT:
        raise Invalid("triage_text_too_long", max=MAX_TEXT)
    return clean


def check_facts(amount: Decimal | None, people: int | None, repeats: int) -> None:
    for name, value in (("amount", amount), ("people", people), ("repeats", repeats)):
        if value is not None and value < 0:
            raise Invalid("triage_bad_number", field=name)


def _active_version(session: Session) -> TriageModelVersion | None:
    return session.scalars(
        select(TriageModelVersion).where(TriageModelVersion.active.is_(True)).order_by(TriageModelVersion.id.desc()).limit(1)
    ).first()


def _training_corrections(session: Session, up_to: int) -> list[Example]:
    rows = session.execute(
        select(TriageCorrection.id, TriageCorrection.text, TriageCorrection.type, TriageCorrection.risk)
        .where(TriageCorrection.id <= up_to)
        .order_by(TriageCorrection.id)
    ).all()
    return [Example(r.text, r.type, r.risk, CORRECTION_WEIGHT) for r in rows if not is_held_out(r.id)]


def _held_out_corrections(session: Session, up_to: int | None = None) -> list[Example]:
    stmt = select(TriageCorrection.id, TriageCorrection.text, TriageCorrection.type, TriageCorrection.risk).order_by(
        TriageCorrection.id
    )
    if up_to is not None:
        stmt = stmt.where(TriageCorrection.id <= up_to)
    return [Example(r.text, r.type, r.risk) for r in session.execute(stmt).all() if is_held_out(r.id)]


def sync_model(session: Session) -> TriageModel:
    """Make this process use the active stored version (rebuilding it once), and return it."""
    row = _active_version(session)
    # Id and recipe: an id freed by a rolled-back retrain may be reused for another recipe.
    wanted = (row.id, row.max_correction_id) if row is not None else (0, 0)
    model = triage.current_model()
    if (model.version, model.max_correction_id) == wanted:
        return model
    with _sync_lock:
        model = triage.current_model()
        if (model.version, model.max_correction_id) == wanted:
            return model
        if row is None:
            model = triage.corpus_model()
        else:
            model = triage.train(
                _training_corrections(session, row.max_correction_id), version=row.id, max_correction_id=row.max_correction_id
            )
        triage.install_model(model)
        return model


def triage_text(
    session: Session, text: str, *, amount: Decimal | None = None, people: int | None = None, repeats: int = 0
) -> TriageResult:
    """Validate, then triage with the active model. What the API and dispute filing call."""
    clean = check_text(text)
    check_facts(amount, people, repeats)
    model = sync_model(session)
    return triage.triage(clean, amount=amount, people=people, repeats=repeats, model=model)


def record_correction(
    session: Session,
    *,
    text: str,
    type: str,
    risk: str,
    by_user_id: int,
    now: datetime,
    dispute_case_id: int | None = None,
) -> TriageCorrection:
    """Store a person's override of the machine (flush only); it trains the next retrain."""
    clean = check_text(text)
    if type not in TYPES:
        raise Invalid("triage_bad_type", value=type)
    if risk not in TIERS:
        raise Invalid("triage_bad_risk", value=risk)
    user = session.get(User, by_user_id)
    if user is None:
        raise NotFound("not_found")
    if dispute_case_id is not None and session.get(Case, dispute_case_id) is None:
        raise NotFound("not_found")
    predicted = triage.triage(clean, model=sync_model(session))
    row = TriageCorrection(
        text=clean,
        type=type,
        risk=risk,
        predicted_type=predicted.type,
        predicted_risk=predicted.risk,
        by_user_id=by_user_id,
        dispute_case_id=dispute_case_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        kind="triage.corrected",
        subject_type="case" if dispute_case_id is not None else "triage_correction",
        subject_id=dispute_case_id if dispute_case_id is not None else row.id,
        actor_id=user.id,
        actor_name=user.display_name or user.username,
        data={
            "correction_id": row.id,
            "type": type,
            "risk": risk,
            "predicted_type": predicted.type,
            "predicted_risk": predicted.risk,
        },
        now=now,
    )
    return row


@dataclass(frozen=True)
class RetrainReport:
    version_id: int
    corrections_used: int
    corrections_held_out: int
    before: dict[str, Any]  # {"split": metrics, "heldout": metrics}
    after: dict[str, Any]


def _scores(model: TriageModel, split: list[Example], heldout: list[Example]) -> dict[str, Any]:
    def strip(m: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in m.items() if k != "misses"}

    return {"split": strip(evaluate(split, model)), "heldout": strip(evaluate(heldout, model))}


def retrain(session: Session, *, now: datetime, by_user_id: int | None = None) -> RetrainReport:
    """Train on corpus + corrections, score before and after, store and activate the new version."""
    before_model = sync_model(session)
    max_id = session.scalar(select(TriageCorrection.id).order_by(TriageCorrection.id.desc()).limit(1)) or 0
    train_rows = _training_corrections(session, max_id)
    split = _held_out_corrections(session, max_id)
    shipped = load_examples(HELDOUT_PATH)
    before = _scores(before_model, split, shipped)
    session.execute(update(TriageModelVersion).where(TriageModelVersion.active.is_(True)).values(active=False))
    row = TriageModelVersion(
        corpus_sha256=corpus_sha256(),
        corpus_size=len(load_examples(triage.CORPUS_PATH)),
        max_correction_id=max_id,
        corrections_used=len(train_rows),
        sklearn_version=sklearn.__version__,
        metrics={},
        active=True,
        trained_by_id=by_user_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    after_model = triage.train(train_rows, version=row.id, max_correction_id=max_id)
    after = _scores(after_model, split, shipped)
    row.metrics = {"before": before, "after": after, "held_out_corrections": len(split)}
    audit.append(
        session,
        kind="triage.retrained",
        subject_type="triage_model",
        subject_id=row.id,
        actor_id=by_user_id,
        actor_name="system" if by_user_id is None else str(by_user_id),
        data={"corrections_used": len(train_rows), "held_out": len(split),
              "heldout_macro_f1_after": after["heldout"]["type_macro_f1"]},
        now=now,
    )
    session.flush()
    # The rows commit with the caller's transaction; other processes pick the version up in sync_model.
    triage.install_model(after_model)
    return RetrainReport(row.id, len(train_rows), len(split), before, after)


def model_info(session: Session) -> dict[str, Any]:
    row = _active_version(session)
    corrections = session.scalar(select(TriageCorrection.id).order_by(TriageCorrection.id.desc()).limit(1)) or 0
    if row is None:
        return {"version": 0, "trained_at": None, "corrections_used": 0, "latest_correction_id": corrections, "metrics": {}}
    return {
        "version": row.id,
        "trained_at": row.created_at.isoformat(),
        "corrections_used": row.corrections_used,
        "latest_correction_id": corrections,
        "metrics": row.metrics,
    }
