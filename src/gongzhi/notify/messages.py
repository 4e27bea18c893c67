"""Messages of the notify module (Simplified Chinese first, English for every key)."""

from __future__ import annotations

from gongzhi.i18n import register

register(
    {
        "notify_unknown_channel": ("未知的通知渠道：{channel}（可用：{choices}）",
                                   "Unknown notification channel: {channel} (choices: {choices})"),
        "notify_bad_recipient": ("通知接收方无效：{recipient}",
                                 "Invalid notification recipient: {recipient}"),
        "notify_field_too_long": ("通知字段 {field} 过长（最多 {max} 个字符）",
                                  "Notification field {field} is too long (at most {max} characters)"),
        "notify_payload_not_json": ("通知附加数据必须可以表示为 JSON：{detail}",
                                    "Notification payload must be representable as JSON: {detail}"),
        "notify_message_not_found": ("未找到该通知消息", "Notification message not found"),
        "notify_message_not_dead": ("只有已放弃投递的消息才能重新排队（当前状态：{status}）",
                                    "Only dead messages can be requeued (current status: {status})"),
        "notify_status.pending": ("待发送", "Pending"),
        "notify_status.sent": ("已发送", "Sent"),
        "notify_status.dead": ("已放弃", "Dead"),
        "notify_channel.console": ("站内/控制台", "In-app / console"),
        "notify_channel.email": ("电子邮件", "E-mail"),
        "notify_channel.webhook": ("群机器人（企业微信/钉钉）", "Group robot (WeCom/DingTalk)"),
    }
)
