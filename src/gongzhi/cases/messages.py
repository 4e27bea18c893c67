"""Case module messages (zh, en)."""

from gongzhi.i18n import register

STATUS_LABELS = {
    "new": ("待派单", "New"),
    "dispatched": ("已派单", "Dispatched"),
    "accepted": ("已签收", "Accepted"),
    "in_progress": ("处置中", "In progress"),
    "resolved": ("已办结", "Resolved"),
    "closed": ("已关闭", "Closed"),
    "rejected": ("不予受理", "Rejected"),
    "duplicate": ("重复工单", "Duplicate"),
    "reopened": ("已重新打开", "Reopened"),
}
ACTION_LABELS = {
    "create": ("受理登记", "Registered"),
    "dispatch": ("派单", "Dispatch"),
    "accept": ("签收", "Accept"),
    "return": ("退单", "Return"),
    "start": ("开始处置", "Start work"),
    "resolve": ("办结", "Resolve"),
    "close": ("关闭", "Close"),
    "rate": ("评价", "Rate"),
    "reject": ("不予受理", "Reject"),
    "duplicate": ("标记重复", "Mark duplicate"),
    "reopen": ("重新打开", "Reopen"),
    "escalate": ("督办升级", "Escalate"),
    "comment": ("备注", "Comment"),
    "add_unit": ("增加协办单位", "Add co-handling unit"),
    "auto_close": ("超时未评价自动关闭", "Closed without a rating"),
}
PRIORITY_LABELS = {
    "P1": ("特急", "Urgent"),
    "P2": ("紧急", "High"),
    "P3": ("一般", "Normal"),
    "P4": ("咨询建议", "Advice"),
}

register({f"case_status.{k}": v for k, v in STATUS_LABELS.items()})
register({f"case_action.{k}": v for k, v in ACTION_LABELS.items()})
register({f"case_priority.{k}": v for k, v in PRIORITY_LABELS.items()})
register(
    {
        "case_not_found": ("工单不存在或无权查看", "Case not found"),
        "case_priority_unknown": ("未知的优先级：{priority}", "Unknown priority: {priority}"),
        "category_not_found": ("未知的问题类别：{code}", "Unknown category: {code}"),
        "category_not_public": (
            "该类别不接受居民上报：{code}",
            "Residents cannot report in this category: {code}",
        ),
        "case_location_required": (
            "请提供位置（经纬度）或所属网格编号",
            "Give a location (lat/lng) or a grid code",
        ),
        "case_location_outside": (
            "该位置不在本街道任何网格内",
            "That location is not inside any grid of this area",
        ),
        "case_grid_not_found": ("网格不存在：{code}", "No such grid: {code}"),
        "case_source_forbidden": (
            "无权以“{source}”来源登记工单",
            "You may not file cases with source {source}",
        ),
        "case_attribute_required": ("请回答：{question}", "Please answer: {question}"),
        "case_attribute_invalid": ("“{question}”的回答无效", "Invalid answer to: {question}"),
        "case_attribute_unknown": ("该类别没有此问题：{code}", "This category has no question {code}"),
        "case_transition_illegal": (
            "工单当前状态为“{status}”，不能执行“{action}”",
            "The case is {status}; it cannot be {action}",
        ),
        "case_action_forbidden": ("您无权对该工单执行“{action}”", "You may not {action} this case"),
        "case_note_required": ("执行“{action}”需要填写说明", "{action} needs a note"),
        "case_rating_required": ("请给出 1–5 分的评价", "Give a rating from 1 to 5"),
        "case_duplicate_target_required": ("请填写原工单编号", "Give the id of the original case"),
        "case_duplicate_self": ("不能把工单标记为自身的重复", "A case cannot duplicate itself"),
        "case_duplicate_target_invalid": (
            "原工单不存在、已是重复工单或不可见",
            "The original case does not exist, is itself a duplicate, or is not visible",
        ),
        "case_dispatch_target_required": (
            "派单需要指定处置单位或处置人",
            "Dispatch needs a unit or an assignee",
        ),
        "unit_not_found": ("单位不存在：{code}", "No such unit: {code}"),
        "case_assignee_invalid": (
            "处置人不存在或不在工单所在区域",
            "The assignee does not exist or is out of area",
        ),
        "case_unit_already_lead": ("该单位已是主办单位", "That unit already leads the case"),
        "case_reopen_window_passed": (
            "办结已超过 {days} 天，不能重新打开，请重新上报",
            "More than {days} days since resolution; file a new report instead",
        ),
        "case_contact_forbidden": ("您的角色无权查看联系方式", "Your role may not see contact details"),
        "case_escalation_top": ("已升级到最高层级", "Already escalated to the top level"),
        # Notifications
        "notice.case_dispatched.subject": ("新工单 {number}：{category}", "New case {number}: {category}"),
        "notice.case_dispatched.body": (
            "{grid} · {category}（{priority}）\n{description}\n请于 {due} 前签收。",
            "{grid} · {category} ({priority})\n{description}\nAccept by {due}.",
        ),
        "notice.case_resolved.subject": ("您的工单 {number} 已办结", "Your case {number} is resolved"),
        "notice.case_resolved.body": (
            "处理结果：{note}\n请为本次服务评分（1–5 分），{hours} 小时内未评价将自动关闭。",
            "Outcome: {note}\nPlease rate the service (1–5); without a rating it closes in {hours} h.",
        ),
        "notice.case_escalated.subject": (
            "督办：工单 {number} {reason}",
            "Supervision: case {number} {reason}",
        ),
        "notice.case_escalated.body": (
            "{grid} · {category}（{priority}），处置单位：{unit}。已升级至{area}（第 {level} 级）。",
            "{grid} · {category} ({priority}), unit: {unit}. Escalated to {area} (level {level}).",
        ),
        "notice.case_returned.subject": (
            "退单待改派：工单 {number}",
            "Returned, needs re-routing: case {number}",
        ),
        "notice.case_returned.body": ("{unit} 退回工单，理由：{note}", "{unit} returned the case: {note}"),
        "notice.case_reopened.subject": ("工单 {number} 被重新打开", "Case {number} was reopened"),
        "notice.case_reopened.body": ("居民不满意：{note}", "The reporter is not satisfied: {note}"),
        "escalation_reason.accept": ("超时未签收", "not accepted in time"),
        "escalation_reason.resolve": ("超时未办结", "not resolved in time"),
        "escalation_reason.manual": ("领导督办", "supervisor escalation"),
        "system_actor": ("系统", "System"),
        "category_code_taken": ("类别编码已存在：{category}", "Category code already exists: {category}"),
        "category_attributes_invalid": (
            "补充问题格式有误：每项需要唯一的 code，选择题需要选项",
            "Invalid extra questions: each needs a unique code; list questions need values",
        ),
        "sla_override_incomplete": (
            "时限需同时给出数值和单位",
            "A clock override needs both amount and unit",
        ),
        "sla_unit_invalid": ("未知的时限单位：{unit}", "Unknown clock unit: {unit}"),
        "sla_priority_unknown": ("未知的优先级：{priority}", "Unknown priority: {priority}"),
        "calendar_day_not_found": ("{day} 没有特别安排", "No special arrangement on {day}"),
    }
)

# Resident reporting: photos, follow-up, moderation (the reports helper).
ACTION_LABELS_REPORTS = {
    "hide_text": ("屏蔽不当描述", "Hide abusive text"),
    "show_text": ("恢复描述", "Restore text"),
    "hide_photo": ("屏蔽照片", "Hide photo"),
    "show_photo": ("恢复照片", "Restore photo"),
    "add_photo": ("补充照片", "Add photo"),
}
register({f"case_action.{k}": v for k, v in ACTION_LABELS_REPORTS.items()})
register(
    {
        "media_empty": ("照片文件为空", "The photo file is empty"),
        "media_too_large": ("照片太大，单张不能超过 {max_mb} MB", "Photo too large: at most {max_mb} MB each"),
        "media_type_invalid": (
            "只接受 JPEG、PNG 或 WebP 格式的真实图片",
            "Only real JPEG, PNG or WebP images are accepted",
        ),
        "media_too_many_pixels": (
            "图片像素过多（上限 {max_mp} 百万像素）",
            "Image has too many pixels (at most {max_mp} megapixels)",
        ),
        "media_too_many": ("每个工单最多 {max} 张照片", "At most {max} photos per case"),
        "media_not_found": ("照片不存在", "Photo not found"),
        "case_rating_fixed_required": ("请回答问题是否已解决", "Say whether the problem was fixed"),
        "moderation_forbidden": ("您无权屏蔽该工单的内容", "You may not moderate this case"),
        "moderation_reason_required": ("请填写屏蔽理由", "Give a reason for hiding it"),
        "moderation_reason_too_long": ("理由最多 {max} 字", "The reason may have at most {max} characters"),
        "subscription_target_invalid": ("无法关注该对象", "That cannot be followed"),
        "notice.case_status.subject": (
            "您关注的工单 {number}：{status}",
            "Case {number} you follow: {status}",
        ),
        "notice.case_status.body": (
            "{grid} · {category}\n{description}\n当前状态：{status}。{note}",
            "{grid} · {category}\n{description}\nNow: {status}. {note}",
        ),
        "category_attribute_code_invalid": (
            "补充问题编码无效：{code}（小写字母开头，仅含小写字母、数字、下划线，最长 40）",
            "Invalid question code: {code} (lower-case letter first, then a-z 0-9 _, at most 40)",
        ),
        "category_attribute_duplicate": ("补充问题编码重复：{code}", "Duplicate question code: {code}"),
        "category_attribute_datatype": (
            "补充问题 {code} 的类型无效：{datatype}",
            "Question {code} has an invalid datatype: {datatype}",
        ),
        "category_attribute_label": (
            "补充问题 {code} 需要中文问题文字（最长 200）",
            "Question {code} needs its Chinese wording (at most 200 characters)",
        ),
        "category_attribute_values": (
            "选择题 {code} 需要 1–50 个选项，每个选项有唯一的 key 和名称",
            "List question {code} needs 1–50 values, each with a unique key and a name",
        ),
        "category_attribute_values_unexpected": (
            "只有选择题可以设置选项：{code}",
            "Only list questions take values: {code}",
        ),
        "category_attribute_order": ("补充问题 {code} 的顺序须为 0–1000", "Question {code}: order must be 0–1000"),
        "category_attribute_field": (
            "补充问题 {code} 含有未知字段：{field}",
            "Question {code} has an unknown field: {field}",
        ),
    }
)
