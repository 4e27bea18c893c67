"""Messages of the audit module (Simplified Chinese first, English for every key)."""

from __future__ import annotations

from gongzhi.i18n import register

register(
    {
        # Reasons verify() gives for a broken chain ({seq} is the first entry that cannot be trusted).
        "audit_chain_intact": ("审计日志完整：已校验 {checked} 条记录，链头序号 {head_seq}。",
                               "Audit log intact: {checked} entries checked, head at seq {head_seq}."),
        "audit_entry_altered": ("第 {seq} 条审计记录的内容已被篡改（哈希不符）。",
                                "Audit entry {seq} was altered (its hash does not match)."),
        "audit_entry_missing": ("第 {seq} 条审计记录已被删除（序号中断）。",
                                "Audit entry {seq} was removed (the sequence has a gap)."),
        "audit_link_broken": ("第 {seq} 条审计记录与后一条记录的链接断开（该记录被整体改写）。",
                              "The link after audit entry {seq} is broken (the entry was rewritten)."),
        "audit_head_mismatch": ("审计链头与最后一条记录不一致：自第 {seq} 条起的记录被删除或伪造。",
                                "The audit head does not match the last entry: entries from seq {seq} "
                                "were removed or forged."),
        "audit_chain_broken": ("审计日志校验失败：第一条有问题的记录序号为 {seq}。",
                               "Audit log verification failed: the first bad entry is seq {seq}."),
        "audit_checked_before_break": (
            "问题之前已校验通过 {checked} 条记录；链头序号 {head_seq}。",
            "{checked} entries verified before the problem; head at seq {head_seq}.",
        ),
        # Errors append() raises for input it cannot store faithfully.
        "audit_data_not_json": ("审计数据必须可以表示为 JSON：{detail}",
                                "Audit data must be representable as JSON: {detail}"),
        "audit_field_too_long": ("审计字段 {field} 过长（最多 {max} 个字符）",
                                 "Audit field {field} is too long (at most {max} characters)"),
        "audit_head_missing": ("审计链头丢失，但已有审计记录；请先运行 gongzhi audit verify 核查",
                               "The audit head is missing although entries exist; run gongzhi audit verify"),
    }
)
