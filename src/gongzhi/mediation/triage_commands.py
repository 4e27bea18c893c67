"""`gongzhi triage …` commands: evaluate, retrain, classify one text."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gongzhi.auth.commands import command_session
from gongzhi.clock import SystemClock
from gongzhi.mediation import triage
from gongzhi.mediation.triage import HELDOUT_PATH, TIER_NAMES, TYPE_NAMES, evaluate, load_examples

app = typer.Typer(help="纠纷智能分诊模型（重新训练、评估）", no_args_is_help=True)
console = Console()


def _fmt(v: Any) -> str:
    return "—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


@app.command("evaluate")
def evaluate_cmd(
    file: Annotated[Path, typer.Option("--file", help="评估集（JSONL：text, type, risk）")] = HELDOUT_PATH,
    corpus_only: Annotated[bool, typer.Option("--corpus-only", help="只用随包语料训练的模型，不连数据库")] = False,
    show_misses: Annotated[bool, typer.Option("--misses", help="列出判错的句子")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """在留出集上评估：类型 macro-F1、高风险召回率。"""
    examples = load_examples(file)
    if corpus_only:
        model = triage.current_model()
    else:
        from gongzhi.mediation.triage_service import sync_model

        with command_session() as session:
            model = sync_model(session)
    result = evaluate(examples, model)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"分诊评估 {file.name}（模型版本 {model.version}）")
    table.add_column("指标")
    table.add_column("数值", justify="right")
    for key, label in (
        ("n", "样本数"),
        ("type_macro_f1", "类型 macro-F1"),
        ("type_accuracy", "类型准确率"),
        ("high_recall", "高风险召回率"),
        ("high_precision", "高风险精确率"),
        ("risk_accuracy", "风险等级准确率"),
    ):
        table.add_row(label, _fmt(result[key]))
    console.print(table)
    per = Table(title="各类型 F1")
    per.add_column("类型")
    per.add_column("F1", justify="right")
    for code, f1 in result["per_type_f1"].items():
        per.add_row(f"{code} {TYPE_NAMES.get(code, '')}", _fmt(f1))
    console.print(per)
    if show_misses:
        for m in result["misses"]:
            console.print(f"[{m['type']}/{m['risk']} → {m['got_type']}/{m['got_risk']}] {m['text']}")


@app.command("retrain")
def retrain_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """用随包语料 + 调解员纠正重新训练，报告前后对比并启用新模型。"""
    from gongzhi.mediation.triage_service import retrain

    with command_session() as session:
        report = retrain(session, now=SystemClock().now())
    if as_json:
        typer.echo(json.dumps({"version": report.version_id, "corrections_used": report.corrections_used,
                               "corrections_held_out": report.corrections_held_out,
                               "before": report.before, "after": report.after}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"重新训练：新模型版本 {report.version_id}（使用纠正 {report.corrections_used} 条，"
                        f"留出纠正 {report.corrections_held_out} 条）")
    table.add_column("评估集")
    table.add_column("指标")
    table.add_column("训练前", justify="right")
    table.add_column("训练后", justify="right")
    for split, label in (("split", "纠正留出集"), ("heldout", "随包留出集")):
        for key, name in (("type_macro_f1", "类型 macro-F1"), ("high_recall", "高风险召回率"), ("n", "样本数")):
            table.add_row(label, name, _fmt(report.before[split][key]), _fmt(report.after[split][key]))
    console.print(table)


@app.command("classify")
def classify_cmd(
    text: Annotated[str, typer.Argument(help="纠纷描述")],
    amount: Annotated[str | None, typer.Option("--amount", help="涉及金额（元）")] = None,
    people: Annotated[int | None, typer.Option("--people", help="涉及人数")] = None,
    repeats: Annotated[int, typer.Option("--repeats", help="此前发生次数")] = 0,
) -> None:
    """对一段描述分诊（用随包语料训练的模型）。"""
    result = triage.triage(text, amount=Decimal(amount) if amount else None, people=people, repeats=repeats)
    console.print(f"类型：{result.type} {TYPE_NAMES[result.type]}（{result.confidence:.0%}）")
    console.print(f"风险：{result.risk} {TIER_NAMES[result.risk]}")
    for r in result.reasons:
        console.print(f"  · {r}")
