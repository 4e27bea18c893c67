"""Dispute triage: Chinese text → dispute type and risk tier, with a confidence and reasons.

Type: TF-IDF over jieba words (plus word bigrams) and character 1–3-grams, multinomial
logistic regression, trained from the corpus shipped in `data/` (plus mediators'
corrections once someone runs `gongzhi triage retrain`).

Risk: the highest of (a) a learned tier (same features, trained on the corpus' risk labels,
fed the text with negated cues cut out), (b) red-flag rules (`triage_rules`), which can only
raise the tier and ignore negated cues, and (c) structured facts: amount, head count, repeats.

Prediction does not go through scikit-learn: the fitted vocabulary, IDF weights and
coefficients are copied into plain arrays and applied per text, which is what makes
single-text calls fast (~1,000+ texts/s on one core); `tests/mediation/test_triage.py`
checks the two paths agree.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from gongzhi.mediation import triage_messages  # noqa: F401  (registers the messages)
from gongzhi.mediation.triage_rules import (
    FAMILY_NAMES,
    FAMILY_TIER,
    TIER_RANK,
    TIERS,
    Flag,
    find_flags,
    money_in_text,
    normalize,
    people_in_text,
    strip_negated,
)

DATA_DIR = Path(__file__).with_name("data")
CORPUS_PATH = DATA_DIR / "corpus.jsonl"
HELDOUT_PATH = DATA_DIR / "heldout.jsonl"
USERDICT_PATH = DATA_DIR / "userdict.txt"

TYPES = (
    "family",
    "neighbor",
    "land_housing",
    "property_mgmt",
    "labor",
    "consumer",
    "traffic",
    "medical",
    "demolition",
    "environment",
    "debt_contract",
    "other",
)
TYPE_NAMES = {
    "family": "婚姻家庭",
    "neighbor": "邻里",
    "land_housing": "土地/宅基地/房屋",
    "property_mgmt": "物业",
    "labor": "劳动争议/欠薪",
    "consumer": "消费",
    "traffic": "交通事故",
    "medical": "医疗",
    "demolition": "征地拆迁",
    "environment": "环境污染",
    "debt_contract": "合同债务",
    "other": "其他",
}
TIER_NAMES = {"low": "低风险", "medium": "中风险", "high": "高风险"}
MAX_TEXT = 5000


@dataclass(frozen=True)
class TriageResult:
    type: str  # one of the 12 dispute type codes in DOMAIN.md
    risk: str  # low | medium | high
    confidence: float  # 0..1, of the type prediction
    reasons: list[str]  # human-readable (Chinese) words and facts that decided type and tier
    type_scores: dict[str, float] = field(default_factory=dict)  # probability per type


@dataclass(frozen=True)
class Thresholds:
    """Structured facts that raise the tier. Defaults per DOMAIN.md; override with env vars
    GONGZHI_TRIAGE_AMOUNT_MEDIUM / _AMOUNT_HIGH / _PEOPLE_MEDIUM / _PEOPLE_HIGH / _LEARNED_HIGH."""

    amount_medium: Decimal = Decimal(5000)
    amount_high: Decimal = Decimal(1_000_000)
    people_medium: int = 3
    people_high: int = 10
    # The learned tier may say "high" on its own only this sure (rules carry most high cases).
    learned_high: float = 0.6

    @classmethod
    def from_env(cls) -> Thresholds:
        env = os.environ
        d = cls()
        return cls(
            amount_medium=Decimal(env.get("GONGZHI_TRIAGE_AMOUNT_MEDIUM", d.amount_medium)),
            amount_high=Decimal(env.get("GONGZHI_TRIAGE_AMOUNT_HIGH", d.amount_high)),
            people_medium=int(env.get("GONGZHI_TRIAGE_PEOPLE_MEDIUM", d.people_medium)),
            people_high=int(env.get("GONGZHI_TRIAGE_PEOPLE_HIGH", d.people_high)),
            learned_high=float(env.get("GONGZHI_TRIAGE_LEARNED_HIGH", d.learned_high)),
        )


# ---------------------------------------------------------------------------------------------
# Features

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    # Our own tokenizer: loading the user dictionary must not change jieba's global one.
    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" chatter on every start
    tok = jieba.Tokenizer()
    tok.initialize()
    tok.load_userdict(str(USERDICT_PATH))
    return tok


def _prep(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    # Digits carry no type: "3万" and "8万" should be one feature.
    return re.sub(r"[0-9]", "0", text)


def analyze(text: str) -> list[str]:
    """Feature strings of a text: w:word, b:word+word, c:char n-grams (1–3)."""
    prepped = _prep(text)
    words = [w for w in _tokenizer().lcut(prepped, HMM=False) if not _PUNCT.fullmatch(w)]
    feats = ["w:" + w for w in words]
    feats += ["b:" + a + "|" + b for a, b in itertools.pairwise(words)]
    chars = _PUNCT.sub("", prepped)
    n = len(chars)
    for size in (1, 2, 3):
        feats += ["c:" + chars[i : i + size] for i in range(n - size + 1)]
    return feats


def _single_char(feature: str) -> bool:
    return feature[:2] in ("w:", "c:") and len(feature) == 3


@dataclass(frozen=True)
class Example:
    text: str
    type: str
    risk: str
    weight: float = 1.0
    # "generated" (build_corpus.py) or "handwritten" (residents' voice, see data/README.md)
    source: str = "generated"


def load_examples(path: Path) -> list[Example]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                rows.append(Example(d["text"], d["type"], d["risk"], float(d.get("weight", 1.0)),
                                    str(d.get("source", "generated"))))
    return rows


def corpus_sha256() -> str:
    return hashlib.sha256(CORPUS_PATH.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# The model: trained with scikit-learn, applied with NumPy


@dataclass(frozen=True)
class _Linear:
    classes: tuple[str, ...]
    coef: NDArray[np.float64]  # (n_features, n_classes)
    intercept: NDArray[np.float64]  # (n_classes,)


def char_grams(text: str) -> list[str]:
    """Character 2–4-grams of a text without punctuation (robust to typos and unknown words)."""
    chars = _PUNCT.sub("", _prep(text))
    n = len(chars)
    return [chars[i : i + k] for k in (2, 3, 4) for i in range(n - k + 1)]


@dataclass(frozen=True)
class HighDetector:
    """High vs not-high from character n-grams, with the operating point chosen for recall.

    Trained on the corpus plus the generated red-flag corpus (`data/build_redflag.py`); the
    threshold is the highest that keeps recall ≥ `target_recall` on that corpus' validation split.
    """

    vocab: dict[str, int]
    idf: NDArray[np.float64]
    coef: NDArray[np.float64]  # (n_features,)
    intercept: float
    threshold: float
    val_recall: float
    val_precision: float

    def score(self, text: str) -> tuple[float, list[str]]:
        """P(high) and the n-grams that pushed it up most."""
        counts = Counter(g for g in char_grams(text) if g in self.vocab)
        if not counts:
            return 1.0 / (1.0 + math.exp(-self.intercept)), []
        names = list(counts)
        idx = np.fromiter((self.vocab[g] for g in names), dtype=np.intp, count=len(names))
        tf = np.fromiter((counts[g] for g in names), dtype=np.float64, count=len(names))
        vals = (1.0 + np.log(tf)) * self.idf[idx]
        norm = math.sqrt(float(vals @ vals))
        if norm > 0:
            vals /= norm
        contrib = vals * self.coef[idx]
        z = float(contrib.sum()) + self.intercept
        p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        top = [names[int(i)] for i in np.argsort(-contrib)[:6] if contrib[int(i)] > 0]
        return p, _merge_grams(top)[:3]


def _merge_grams(grams: list[str]) -> list[str]:
    out: list[str] = []
    for g in sorted(grams, key=len, reverse=True):
        if not any(g in o for o in out):
            out.append(g)
    return out


@dataclass(frozen=True)
class TriageModel:
    vocab: dict[str, int]
    idf: NDArray[np.float64]
    type_clf: _Linear
    risk_clf: _Linear
    version: int = 0  # 0: the shipped corpus alone; else the TriageModelVersion id
    corrections_used: int = 0
    max_correction_id: int = 0
    high: HighDetector | None = None  # the recall-oriented high-risk detector (see below)

    def vector(self, text: str) -> tuple[NDArray[np.intp], NDArray[np.float64], list[str]]:
        """Sparse TF-IDF (sublinear tf, l2-normalised) as (indices, values, feature names)."""
        counts = Counter(f for f in analyze(text) if f in self.vocab)
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0), []
        names = list(counts)
        idx = np.fromiter((self.vocab[f] for f in names), dtype=np.intp, count=len(names))
        tf = np.fromiter((counts[f] for f in names), dtype=np.float64, count=len(names))
        vals = (1.0 + np.log(tf)) * self.idf[idx]
        norm = math.sqrt(float(vals @ vals))
        if norm > 0:
            vals /= norm
        return idx, vals, names

    @staticmethod
    def _proba(clf: _Linear, idx: NDArray[np.intp], vals: NDArray[np.float64]) -> NDArray[np.float64]:
        scores = vals @ clf.coef[idx] + clf.intercept if len(idx) else clf.intercept.copy()
        scores = scores - scores.max()
        e = np.exp(scores)
        out: NDArray[np.float64] = e / e.sum()
        return out


def _fit(examples: Sequence[Example]) -> TriageModel:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(1):
        # One thread: BLAS threads fighting over a busy machine's cores made fitting 10x slower.
        return _fit_inner(examples, TfidfVectorizer, LogisticRegression)


def _fit_inner(examples: Sequence[Example], tfidf: Any, logreg: Any) -> TriageModel:
    vec = tfidf(analyzer=analyze, sublinear_tf=True, min_df=2, dtype=np.float64)
    texts = [e.text for e in examples]
    weights = np.array([e.weight for e in examples])
    x_type = vec.fit_transform(texts)
    type_lr = logreg(C=10.0, max_iter=3000)
    type_lr.fit(x_type, [e.type for e in examples], sample_weight=weights)
    # The risk model never sees negated cues, so "没动手" cannot teach it that 动手 is harmless
    # or that 没 is dangerous.
    risk_texts = [strip_negated(normalize(t), find_flags(normalize(t))) for t in texts]
    # Single characters (被, 着, 人 …) are grammar, not danger: the risk model does not see them,
    # or a passive sentence about a sofa in the corridor reads as an assault.
    keep = np.array([not _single_char(name) for name in vec.get_feature_names_out()], dtype=np.float64)
    x_risk = vec.transform(risk_texts) @ sp.diags(keep)
    risk_lr = logreg(C=5.0, max_iter=3000, class_weight="balanced")
    risk_lr.fit(x_risk, [e.risk for e in examples], sample_weight=weights)

    def linear(lr: Any) -> _Linear:
        return _Linear(
            tuple(str(c) for c in lr.classes_),
            np.ascontiguousarray(lr.coef_.T, dtype=np.float64),
            np.asarray(lr.intercept_, dtype=np.float64),
        )

    vocab = {str(k): int(v) for k, v in vec.vocabulary_.items()}
    return TriageModel(vocab, np.asarray(vec.idf_, dtype=np.float64), linear(type_lr), linear(risk_lr))


# The operating point: the highest threshold keeping this recall on the generated corpus'
# validation split (data/README.md says what it costs in precision on hand-written text).
HIGH_TARGET_RECALL = float(os.environ.get("GONGZHI_TRIAGE_HIGH_RECALL", "0.95"))
# Inverse regularisation of the detector's logistic regression.
HIGH_DETECTOR_C = 8.0


def fit_high_detector(
    corpus: Sequence[Example], extra: Sequence[Example] = (), *, target_recall: float = HIGH_TARGET_RECALL
) -> HighDetector:
    """Train the high-risk detector: generated red-flag pairs, the corpus' non-high rows, `extra`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    from gongzhi.mediation.data.build_redflag import generate

    contexts = [e.text for e in corpus if e.risk != "high" and e.source == "generated"]
    # The generated corpus' own high rows are left out: their red-flag clauses come from few
    # skeletons whose frame words (门口, 我家 …) would read as danger; the generated pairs carry
    # the positives. Hand-written rows and corrections count whatever their label: they are
    # the real non-high text the generated negatives are too clean to stand for.
    rows: list[tuple[str, bool, float]] = [(t, False, 1.0) for t in contexts]
    rows += [(e.text, e.risk == "high", e.weight) for e in corpus if e.source != "generated"]
    rows += [(e.text, e.risk == "high", e.weight) for e in extra]
    rows += [(t, h, 1.0) for t, h, _fam in generate(contexts)]
    # What the detector sees at run time: negated cues cut out (没动手 must not read as 动手).
    texts = [strip_negated(normalize(t), find_flags(normalize(t))) for t, _h, _w in rows]
    y = np.array([h for _t, h, _w in rows])
    w = np.array([wt for _t, _h, wt in rows])
    # A fixed validation split (every 5th row) picks the operating point.
    val = np.arange(len(rows)) % 5 == 0
    with threadpool_limits(1):
        vec = TfidfVectorizer(analyzer=char_grams, sublinear_tf=True, min_df=2, dtype=np.float64)
        x = vec.fit_transform(texts)
        lr = LogisticRegression(C=HIGH_DETECTOR_C, max_iter=3000, class_weight="balanced")
        lr.fit(x[~val], y[~val], sample_weight=w[~val])
    p_val = lr.predict_proba(x[val])[:, 1]
    y_val = y[val]
    pos = np.sort(p_val[y_val])
    k = math.floor((1.0 - target_recall) * len(pos))
    threshold = float(pos[k]) if len(pos) else 0.5
    flagged = p_val >= threshold
    recall = float((flagged & y_val).sum() / max(1, y_val.sum()))
    precision = float((flagged & y_val).sum() / max(1, flagged.sum()))
    return HighDetector(
        {str(g): int(i) for g, i in vec.vocabulary_.items()},
        np.asarray(vec.idf_, dtype=np.float64),
        np.ascontiguousarray(lr.coef_[0], dtype=np.float64),
        float(lr.intercept_[0]),
        threshold,
        round(recall, 4),
        round(precision, 4),
    )


def train(extra: Iterable[Example] = (), *, version: int = 0, max_correction_id: int = 0) -> TriageModel:
    """Fit on the shipped corpus plus `extra` (corrections, weighted by their `weight`)."""
    extra = list(extra)
    corpus = load_examples(CORPUS_PATH)
    model = _fit([*corpus, *extra])
    return TriageModel(
        model.vocab, model.idf, model.type_clf, model.risk_clf, version, len(extra), max_correction_id,
        fit_high_detector(corpus, extra),
    )


_lock = threading.Lock()
_current: TriageModel | None = None


@lru_cache(maxsize=1)
def corpus_model() -> TriageModel:
    """The model trained on the shipped corpus alone (once per process)."""
    return train()


def current_model() -> TriageModel:
    """The model in use in this process; the corpus model until a stored version is loaded."""
    global _current
    model = _current
    if model is None:
        with _lock:
            if _current is None:
                _current = corpus_model()
            model = _current
    return model


def install_model(model: TriageModel) -> None:
    """Make `model` the one this process uses (after a retrain or on loading a stored version)."""
    global _current
    with _lock:
        _current = model


# ---------------------------------------------------------------------------------------------
# Triage


def _fmt_amount(v: Decimal) -> str:
    return f"{int(v):,}"


def _type_reasons(model: TriageModel, k: int, idx: NDArray[np.intp], vals: NDArray[np.float64], names: list[str]) -> list[str]:
    if not len(idx):
        return []
    contrib = vals * model.type_clf.coef[idx, k]
    order = np.argsort(-contrib)
    words: list[str] = []
    for i in order:
        if contrib[i] <= 0 or len(words) >= 4:
            break
        name = names[int(i)]
        if name.startswith("w:") and len(name) > 3:
            words.append(name[2:])
    if len(words) < 2:
        # Fall back to character n-grams (typos, unknown words) of length ≥ 2.
        for i in order:
            if contrib[i] <= 0 or len(words) >= 3:
                break
            name = names[int(i)]
            if name.startswith("c:") and len(name) >= 4 and name[2:] not in words and not any(name[2:] in w for w in words):
                words.append(name[2:])
    return words


def triage(
    text: str,
    *,
    amount: Decimal | None = None,
    people: int | None = None,
    repeats: int = 0,
    model: TriageModel | None = None,
    thresholds: Thresholds | None = None,
) -> TriageResult:
    """Classify one dispute description. Pure: no database, no clock."""
    model = model or current_model()
    th = thresholds or _thresholds()
    clean = normalize(text)

    idx, vals, names = model.vector(clean)
    p_type = model._proba(model.type_clf, idx, vals)
    k = int(np.argmax(p_type))
    typ = model.type_clf.classes[k]
    confidence = float(p_type[k])
    type_scores = {c: round(float(p), 4) for c, p in zip(model.type_clf.classes, p_type, strict=True)}

    reasons: list[str] = []
    words = _type_reasons(model, k, idx, vals, names)
    if words:
        reasons.append(f"类型「{TYPE_NAMES[typ]}」（把握 {confidence:.0%}），依据词语：" + "、".join(f"“{w}”" for w in words))
    else:
        reasons.append(f"类型「{TYPE_NAMES[typ]}」（把握 {confidence:.0%}），描述中没有明显的类型词")

    # Risk ------------------------------------------------------------------------------
    tier = "low"
    flags = find_flags(clean)

    def raise_to(t: str) -> None:
        nonlocal tier
        if TIER_RANK[t] > TIER_RANK[tier]:
            tier = t

    cues: dict[str, list[str]] = {}
    for f in flags:
        if not f.negated and f.cue not in cues.setdefault(f.family, []):
            cues[f.family].append(f.cue)
    for family, found in cues.items():
        if not found:
            continue
        t = FAMILY_TIER[family]
        raise_to(t)
        cue_list = "、".join(f"“{c}”" for c in found[:4])
        reasons.append(f"{'红旗' if t == 'high' else '风险信号'}「{FAMILY_NAMES[family]}」：{cue_list} → {TIER_NAMES[t]}")
    negated = _negated_phrases(clean, flags)
    if negated:
        reasons.append("否定表述不计入风险：" + "、".join(f"“{p}”" for p in negated[:4]))

    money = amount if amount is not None else money_in_text(clean)
    if money is not None:
        src = "申报金额" if amount is not None else "描述中提到金额"
        if money >= th.amount_high:
            raise_to("high")
            reasons.append(f"{src}约 {_fmt_amount(money)} 元（≥ {_fmt_amount(th.amount_high)} 元）→ 高风险")
        elif money >= th.amount_medium:
            raise_to("medium")
            reasons.append(f"{src}约 {_fmt_amount(money)} 元（≥ {_fmt_amount(th.amount_medium)} 元）→ 中风险")
    heads = people if people is not None else None
    if heads is None:
        counted = people_in_text(clean)
        # A head count in the text only matters when it reaches the "several parties" mark.
        heads = counted if counted is not None and counted >= th.people_medium else None
    if heads is not None:
        src = "申报人数" if people is not None else "描述中提到人数"
        # Many people named in the text count as a crowd only when they act together (堵, 围,
        # 约好去 …: the "crowd" family); affected alone (拖欠二十人工资) they make a medium case.
        acting = people is not None or "crowd" in cues
        if heads >= th.people_high and acting:
            raise_to("high")
            reasons.append(f"{src} {heads} 人（≥ {th.people_high} 人，群体性）→ 高风险")
        elif heads >= th.people_high:
            raise_to("medium")
            reasons.append(f"{src} {heads} 人（≥ {th.people_high} 人，但未见聚集行动）→ 中风险")
        elif heads >= th.people_medium:
            raise_to("medium")
            reasons.append(f"{src} {heads} 人（≥ {th.people_medium} 人，多方）→ 中风险")
    if repeats >= 1:
        raise_to("medium")
        reasons.append(f"此前已发生过 {repeats} 次（反复纠纷）→ 至少中风险")

    r_idx, r_vals, _ = model.vector(strip_negated(clean, flags)) if any(f.negated for f in flags) else (idx, vals, names)
    p_risk = model._proba(model.risk_clf, r_idx, r_vals)
    by_tier = dict(zip(model.risk_clf.classes, (float(p) for p in p_risk), strict=True))
    learned = max(by_tier, key=lambda t: by_tier[t])
    p_learned = by_tier[learned]
    if learned == "high" and by_tier["high"] < th.learned_high:
        # Not sure enough for "high" on wording alone: it still counts as at least medium.
        learned, p_learned = "medium", by_tier["high"] + by_tier["medium"]
    elif learned == "high" and tier != "high" and any(f.negated for f in flags):
        # The writer denied the one danger they named (没拿刀, 没动手) and no live red flag is left:
        # resembling dangerous cases is not enough to overrule that in words; at least medium.
        learned, p_learned = "medium", by_tier["high"] + by_tier["medium"]
    if TIER_RANK[learned] > TIER_RANK[tier]:
        reasons.append(f"模型依据相似案例判断为{TIER_NAMES[learned]}（概率 {p_learned:.0%}）")
        raise_to(learned)
    if model.high is not None and tier != "high":
        # Recall net for red-flag phrasings the lexicon lacks; it can only raise the tier.
        p_high, grams = model.high.score(strip_negated(clean, flags))
        if p_high >= model.high.threshold:
            raise_to("high")
            said = "，依据片段：" + "、".join(f"“{g}”" for g in grams) if grams else ""
            reasons.append(f"高风险识别器判断为高风险（得分 {p_high:.0%} ≥ {model.high.threshold:.0%}）{said} → 高风险")
    if tier == "low":
        reasons.append("未发现风险信号（口角、小额、双方、首次）→ 低风险")
    return TriageResult(typ, tier, round(confidence, 4), reasons, type_scores)


def _negated_phrases(text: str, flags: list[Flag]) -> list[str]:
    out: list[str] = []
    for f in flags:
        if not f.negated:
            continue
        if f.negator == "后置否定":
            phrase = text[f.start : min(len(text), f.end + 4)]
        else:
            lo = text.rfind(f.negator, 0, f.start)
            phrase = text[lo if lo >= 0 else f.start : f.end]
        if phrase not in out:
            out.append(phrase)
    return out


@lru_cache(maxsize=1)
def _thresholds() -> Thresholds:
    return Thresholds.from_env()


def tiers() -> tuple[str, ...]:
    return TIERS


# ---------------------------------------------------------------------------------------------
# Evaluation


def evaluate(examples: Sequence[Example], model: TriageModel | None = None) -> dict[str, Any]:
    """Type macro-F1 and accuracy, risk accuracy, high-risk recall and precision, per-type F1."""
    from sklearn.metrics import f1_score

    model = model or current_model()
    if not examples:
        return {"n": 0, "type_macro_f1": None, "type_accuracy": None, "risk_accuracy": None,
                "high_recall": None, "high_precision": None, "per_type_f1": {}, "misses": []}
    got = [triage(e.text, model=model) for e in examples]
    y_true = [e.type for e in examples]
    y_pred = [g.type for g in got]
    labels = sorted(set(y_true) | set(y_pred))
    per = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    true_high = [g.risk == "high" for e, g in zip(examples, got, strict=True) if e.risk == "high"]
    pred_high = [e.risk == "high" for e, g in zip(examples, got, strict=True) if g.risk == "high"]
    misses = [
        {"text": e.text, "type": e.type, "risk": e.risk, "got_type": g.type, "got_risk": g.risk}
        for e, g in zip(examples, got, strict=True)
        if e.type != g.type or (e.risk == "high") != (g.risk == "high")
    ]
    return {
        "n": len(examples),
        "type_macro_f1": round(float(f1_score(y_true, y_pred, average="macro", zero_division=0)), 4),
        "type_accuracy": round(sum(a == b for a, b in zip(y_true, y_pred, strict=True)) / len(examples), 4),
        "risk_accuracy": round(sum(e.risk == g.risk for e, g in zip(examples, got, strict=True)) / len(examples), 4),
        "high_recall": round(sum(true_high) / len(true_high), 4) if true_high else None,
        "high_precision": round(sum(pred_high) / len(pred_high), 4) if pred_high else None,
        "per_type_f1": {lab: round(float(f), 4) for lab, f in zip(labels, per, strict=True)},
        "misses": misses,
    }
