"""Triage throughput on one core: `python bench/triage.py [N]`.

Times `triage()` one text at a time (the way dispute filing calls it) over the shipped
held-out set and the corpus, after the model is trained (training time printed apart).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from gongzhi.mediation.triage import CORPUS_PATH, HELDOUT_PATH, current_model, load_examples, triage


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    t0 = time.perf_counter()
    current_model()
    train_s = time.perf_counter() - t0
    texts = [e.text for e in load_examples(HELDOUT_PATH) + load_examples(CORPUS_PATH)]
    texts = (texts * (n // len(texts) + 1))[:n]
    for t in texts[:200]:
        triage(t)  # warm caches
    start = time.process_time()
    wall = time.perf_counter()
    for t in texts:
        triage(t)
    cpu = time.process_time() - start
    wall = time.perf_counter() - wall
    mean_len = sum(map(len, texts)) / len(texts)
    print(f"trained in {train_s:.1f} s; {n} texts (mean {mean_len:.0f} chars): "
          f"{n / cpu:,.0f} texts/s per CPU second, {n / wall:,.0f} texts/s wall")


if __name__ == "__main__":
    main()
