"""`gongzhi triage …` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="纠纷智能分诊模型（重新训练、评估）", no_args_is_help=True)
