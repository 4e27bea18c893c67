"""`gongzhi analytics …` (being written this session)."""

import typer

app = typer.Typer(help="成效评估：指标、问卷、报告 / measures, surveys, reports", no_args_is_help=True)
