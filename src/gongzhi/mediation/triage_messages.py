"""Message catalogue of dispute triage (zh, en)."""

from __future__ import annotations

from gongzhi.i18n import register

register(
    {
        "triage_text_empty": ("请填写纠纷描述", "Please describe the dispute"),
        "triage_text_too_long": (
            "纠纷描述过长（最多 {max} 字）",
            "The description is too long (at most {max} characters)",
        ),
        "triage_bad_type": ("未知的纠纷类型：{value}", "Unknown dispute type: {value}"),
        "triage_bad_risk": ("未知的风险等级：{value}", "Unknown risk tier: {value}"),
        "triage_bad_number": ("{field} 不能为负数", "{field} cannot be negative"),
    }
)
