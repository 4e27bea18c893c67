"""数字枫桥 benchmarks: triage throughput on one core, and batch matching 1,000 disputes × 300 mediators.

    .venv/bin/python bench/mediation.py [--texts 5000] [--disputes 1000] [--mediators 300] [--seed 7]

Triage: `triage()` on generated resident-style texts (varied types, amounts, people counts, red flags
and negations), single process, single thread; prints texts/s (target >= 1,000).

Matching: a synthetic district (1 district, 6 streets, 36 communities) with mediators at all three
tiers, random specialties, caseloads and limits; `matching.assign` (cost matrix + SciPy's
linear_sum_assignment over replicated capacity columns) is timed end to end (target < 1 s). Its
total cost is checked against an independent exact solver on the same matrix
(scipy.sparse.csgraph.min_weight_full_bipartite_matching) and compared with the greedy baseline.
"""

from __future__ import annotations

import argparse
import os
import random
import time

# One core: BLAS threads would make the figures depend on the machine's core count.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from gongzhi.mediation import matching
from gongzhi.mediation.matching import Need, Offer

TYPES = ["family", "neighbor", "land_housing", "property_mgmt", "labor", "consumer", "traffic", "medical",
         "demolition", "environment", "debt_contract", "other"]

_SUBJECTS = {
    "family": ["我和老公因为孩子抚养费的事一直吵", "婆婆和儿媳妇为赡养老人的事闹矛盾", "离婚后前夫不给孩子生活费"],
    "neighbor": ["楼上邻居半夜跺脚噪音很大", "隔壁把杂物堆在楼道里不肯搬", "邻居家空调外机对着我家窗户"],
    "land_housing": ["村里两户人家为宅基地边界争吵", "他家新盖的房子占了我家的地", "承包地的界桩被人挪了"],
    "property_mgmt": ["物业费涨价业主不同意", "小区电梯坏了物业一直不修", "物业把公共绿地改成停车位收费"],
    "labor": ["工地老板拖欠我们三个月工资", "公司辞退我不给经济补偿", "包工头跑了工钱没人给"],
    "consumer": ["在超市买到过期食品商家不肯退", "装修公司收了定金不开工", "健身房跑路会员卡退不了钱"],
    "traffic": ["电动车和小轿车在路口刮擦", "倒车时撞到了别人的车对方要高价赔偿", "外卖骑手撞了老人"],
    "medical": ["在诊所打针后过敏医院不认账", "手术后出现并发症家属要说法", "药店卖错药"],
    "demolition": ["拆迁补偿款比隔壁少一半", "征地补偿标准不公平", "旧改评估价太低不愿签约"],
    "environment": ["工厂排污水流进我家鱼塘", "养猪场臭味太大影响生活", "烧烤店油烟熏到楼上"],
    "debt_contract": ["朋友借了我五万块钱一直不还", "合伙做生意亏了钱分账有纠纷", "租客欠房租不搬走"],
    "other": ["广场舞音乐太吵影响休息", "宠物狗咬了人主人不承认", "小区里有人乱停车挡路"],
}
_TAILS = ["，已经吵了好几次。", "，找过村干部没用。", "，希望有人来调解。", "，对方态度很差。", "。",
          "，他说要拿刀砍人。", "，对方没动手也没有威胁。", "，十几个人要去上访。", "，我老婆说不想活了。",
          "，涉及金额大概两万元。", "，推搡了几下没受伤。"]


def _texts(n: int, rng: random.Random) -> list[tuple[str, float | None, int]]:
    out = []
    for _ in range(n):
        t = rng.choice(TYPES)
        text = rng.choice(_SUBJECTS[t]) + rng.choice(_TAILS) + rng.choice(["", "请尽快处理。", "麻烦了。"])
        out.append((text, rng.choice([None, 500.0, 20000.0, 2_000_000.0]), rng.choice([2, 2, 3, 5, 12])))
    return out


def bench_triage(n: int, seed: int) -> float:
    from decimal import Decimal

    from gongzhi.mediation.triage import triage

    rng = random.Random(seed)
    items = _texts(n, rng)
    triage(items[0][0])  # load the model and the segmenter outside the timing
    start = time.perf_counter()
    for text, amount, people in items:
        triage(text, amount=Decimal(str(amount)) if amount is not None else None, people=people, repeats=0)
    elapsed = time.perf_counter() - start
    rate = n / elapsed
    print(f"triage: {n} texts in {elapsed:.2f} s = {rate:,.0f} texts/s (target >= 1,000)")
    return rate


def _district(n_disputes: int, n_mediators: int, rng: random.Random) -> tuple[list[Need], list[Offer]]:
    # ids: district 1; streets 10..15; communities 100..135 (6 per street).
    streets = list(range(10, 16))
    communities = {c: 10 + (c - 100) // 6 for c in range(100, 136)}
    centre = {c: (30.2 + rng.random() * 0.1, 120.1 + rng.random() * 0.1) for c in communities}
    needs = []
    for i in range(n_disputes):
        c = rng.choice(list(communities))
        lat, lng = centre[c]
        tier = rng.choices(["village", "town", "city"], weights=[6, 3, 1])[0]
        needs.append(Need(key=i, type=rng.choice(TYPES), tier=tier, areas=frozenset({1, communities[c], c}),
                          lat=lat + rng.gauss(0, 0.005), lng=lng + rng.gauss(0, 0.005)))
    offers = []
    for j in range(n_mediators):
        tier = rng.choices(["village", "town", "city"], weights=[6, 3, 1])[0]
        if tier == "village":
            area = rng.choice(list(communities))
            lat, lng = centre[area]
        elif tier == "town":
            area = rng.choice(streets)
            lat, lng = 30.25, 120.15
        else:
            area, lat, lng = 1, 30.25, 120.15
        cap = rng.randint(4, 8)
        offers.append(Offer(key=j, tier=tier, area_id=area, specialties=frozenset(rng.sample(TYPES, 3)), lat=lat,
                            lng=lng, load=rng.randint(0, 3), capacity=cap))
    return needs, offers


def bench_matching(n_disputes: int, n_mediators: int, seed: int) -> float:
    rng = random.Random(seed)
    needs, offers = _district(n_disputes, n_mediators, rng)
    matching.assign(needs[:10], offers[:10])  # import and warm-up outside the timing
    start = time.perf_counter()
    found = matching.assign(needs, offers)
    elapsed = time.perf_counter() - start
    cost = matching.total_cost(found)
    slots = sum(o.capacity - o.load for o in offers)

    # Independent exact check on the same matrix (a different algorithm: sparse min-weight full matching).
    matrix, _, _ = matching.slot_matrix(needs, offers)
    served_rows = sorted(m.need for m in found)
    sub = matrix[served_rows]
    ok = sub < 1e8
    check = min_weight_full_bipartite_matching(csr_matrix(np.where(ok, sub + 1.0, 0.0)))
    exact = float(sum(sub[i, j] for i, j in zip(*check, strict=True)))

    g_start = time.perf_counter()
    greedy = matching.greedy(needs, offers)
    g_elapsed = time.perf_counter() - g_start
    g_cost = matching.total_cost(greedy)
    print(f"matching: {n_disputes} disputes x {n_mediators} mediators ({slots} free caseload slots, "
          f"matrix {matrix.shape[0]}x{matrix.shape[1]}) in {elapsed:.3f} s (target < 1 s)")
    print(f"  optimal cost {cost:.4f} for {len(found)} matched; independent exact solver {exact:.4f} "
          f"({'equal' if abs(exact - cost) < 1e-6 else 'DIFFERENT'})")
    print(f"  greedy baseline cost {g_cost:.4f} for {len(greedy)} matched in {g_elapsed:.3f} s "
          f"(+{(g_cost - cost) / cost * 100 if cost else 0:.1f}% over the optimum)")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=5000)
    ap.add_argument("--disputes", type=int, default=1000)
    ap.add_argument("--mediators", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    bench_triage(args.texts, args.seed)
    bench_matching(args.disputes, args.mediators, args.seed)


if __name__ == "__main__":
    main()
