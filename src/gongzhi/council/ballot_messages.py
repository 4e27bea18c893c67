"""i18n keys of owners' ballots (业主表决) and the art. 278 evaluation."""

from __future__ import annotations

from gongzhi.i18n import register

MATTER_NAMES: dict[str, tuple[str, str]] = {
    "rules_of_procedure": ("制定和修改业主大会议事规则", "Rules of procedure of the owners' assembly"),
    "management_statute": ("制定和修改管理规约", "Management statute"),
    "elect_committee": ("选举业主委员会或者更换业主委员会成员", "Elect or replace the owners' committee"),
    "hire_property_manager": ("选聘和解聘物业服务企业或者其他管理人", "Hire or dismiss the property manager"),
    "use_maintenance_fund": ("使用建筑物及其附属设施的维修资金", "Use the maintenance fund"),
    "raise_maintenance_fund": ("筹集建筑物及其附属设施的维修资金", "Raise the maintenance fund"),
    "rebuild": ("改建、重建建筑物及其附属设施", "Rebuild or reconstruct buildings and facilities"),
    "change_common_use": ("改变共有部分的用途或者利用共有部分从事经营活动", "Change the use of common parts"),
    "other_major": ("有关共有和共同管理权利的其他重大事项", "Other major matters of common ownership"),
}

register({f"ballot.matter.{code}": names for code, names in MATTER_NAMES.items()})

register(
    {
        # rules.py (evaluate_owner_ballot)
        "ballot_matter_unknown": ("未知的表决事项：{matter}", "Unknown ballot matter: {matter}"),
        "ballot_choice_unknown": (
            "第 {index} 票的选择无效：{choice}（应为 yes、no 或 abstain）",
            "Vote {index} has an unknown choice: {choice} (use yes, no or abstain)",
        ),
        "ballot_area_invalid": ("{what} 不是有效的面积：{value}", "{what} is not a valid area: {value}"),
        "ballot_area_negative": ("{what} 不能为负数：{value}", "{what} must not be negative: {value}"),
        "ballot_total_area_invalid": ("总面积必须大于零", "The total area must be greater than zero"),
        "ballot_total_owners_invalid": (
            "业主总人数必须是正整数：{value}",
            "The total number of owners must be a positive whole number: {value}",
        ),
        "ballot_vote_malformed": (
            "第 {index} 票格式有误，应为（面积, 选择）",
            "Vote {index} is malformed; expected (area, choice)",
        ),
        "ballot_votes_exceed_owners": (
            "参与表决的业主数（{count}）超过业主总人数（{total}）",
            "More owners voted ({count}) than there are owners ({total})",
        ),
        "ballot_votes_exceed_area": (
            "参与表决的面积（{area}）超过总面积（{total}）",
            "The voting area ({area}) exceeds the total area ({total})",
        ),
        # condition names and choices
        "ballot.cond.participation_area": ("参与表决的专有部分面积", "Participating floor area"),
        "ballot.cond.participation_owners": ("参与表决的业主人数", "Participating owners"),
        "ballot.cond.approval_area": ("同意的面积（占参与表决面积）", "Yes by area (of participating area)"),
        "ballot.cond.approval_owners": ("同意的人数（占参与表决人数）", "Yes by owners (of participating owners)"),
        "ballot.choice.yes": ("同意", "Yes"),
        "ballot.choice.no": ("反对", "No"),
        "ballot.choice.abstain": ("弃权", "Abstain"),
        "ballot.op.inclusive": ("以上（含本数）", "or more (boundary included)"),
        "ballot.op.exclusive": ("过半数（不含本数）", "more than (boundary excluded)"),
        # services (ballots.py)
        "ballot_estate_not_found": ("未找到该小区", "Estate not found"),
        "ballot_estate_code_taken": ("小区编码已存在：{code}", "Estate code already exists: {code}"),
        "ballot_building_not_found": ("未找到该楼栋", "Building not found"),
        "ballot_building_taken": ("该小区已有同名楼栋：{name}", "The estate already has building {name}"),
        "ballot_unit_taken": ("该楼栋已有此房号：{number}", "The building already has unit {number}"),
        "ballot_unit_not_found": ("未找到该房屋", "Unit not found"),
        "ballot_unit_area_invalid": (
            "房屋面积必须大于零，最多两位小数：{value}",
            "A unit's floor area must be positive with at most two decimals: {value}",
        ),
        "ballot_owner_not_found": ("未找到该业主", "Owner not found"),
        "ballot_owner_user_taken": (
            "该居民账号已关联本小区的另一位业主",
            "This resident account is already linked to another owner of the estate",
        ),
        "ballot_owner_user_not_resident": ("只能关联居民账号", "Only a resident account can be linked"),
        "ballot_not_found": ("未找到该表决", "Ballot not found"),
        "ballot_no_owners": ("该小区还没有登记业主和房屋面积", "The estate has no registered owners with floor area"),
        "ballot_not_open": ("表决当前不在投票期（状态：{status}）", "The ballot is not open for votes (status: {status})"),
        "ballot_not_draft": ("只有草稿状态的表决可以开启", "Only a draft ballot can be opened"),
        "ballot_already_closed": ("表决已结束", "The ballot is already closed"),
        "ballot_not_an_owner": ("您不是该小区登记的业主", "You are not a registered owner of this estate"),
        "ballot_already_voted": (
            "该业主已投票（{channel}），如需更正请由工作人员办理",
            "This owner has already voted ({channel}); staff can correct it",
        ),
        "ballot_no_vote_to_correct": ("该业主尚未投票，无需更正", "This owner has not voted; nothing to correct"),
        "ballot_correction_reason_required": ("更正票需要填写原因", "A correction needs a reason"),
        "ballot_paper_ref_required": ("纸质票需要填写票据编号", "A paper vote needs the ballot paper number"),
        "ballot_title_invalid": ("表决标题不能为空，最多 200 字", "The title must be 1–200 characters"),
        "ballot_window_invalid": ("截止时间必须晚于开始时间", "The closing time must be after the opening time"),
        "ballot_scope_forbidden": ("该小区不在您的管辖范围内", "This estate is outside your area"),
        "ballot.channel.online": ("网上投票", "online"),
        "ballot.channel.paper": ("纸质票", "paper"),
        "ballot.status.draft": ("草稿", "Draft"),
        "ballot.status.open": ("投票中", "Open"),
        "ballot.status.closed": ("已结束", "Closed"),
        "ballot.result.passed": ("通过", "Passed"),
        "ballot.result.failed": ("未通过", "Not passed"),
        "ballot_register_file_invalid": ("无法读取该文件，请上传 .xlsx 表格", "Cannot read the file; upload an .xlsx sheet"),
        "ballot_register_too_long": ("表格超过 {max} 行", "The sheet has more than {max} rows"),
        "ballot_register_row_invalid": (
            "有 {count} 行有误，整个表格未导入：{rows}",
            "{count} row(s) are invalid; nothing was imported: {rows}",
        ),
        "ballot_register_row_item": ("第 {row} 行：{reason}", "row {row}: {reason}"),
        "ballot_register_reason.unit": ("楼栋或房号为空或过长", "building or unit number missing or too long"),
        "ballot_register_reason.owner": ("业主姓名为空或过长", "owner name missing or too long"),
        "ballot_register_reason.phone": ("电话“{value}”不是有效号码", "phone \"{value}\" is not a valid number"),
        "ballot_register_reason.area": ("面积“{value}”无效（平方米，最多两位小数）",
                                        "area \"{value}\" is invalid (m², at most two decimals)"),
        "ballot_register_reason.duplicate": ("房号 {unit} 重复", "unit {unit} is listed twice or exists already"),
        "ballot_register_reason.account": ("账号“{value}”不存在或不是居民账号",
                                           "account \"{value}\" does not exist or is not a resident"),
        "ballot_estate_area_not_community": (
            "小区只能建在社区或村下",
            "An estate belongs to a community or village",
        ),
        "notice.ballot_opened.subject": ("业主表决开始：{title}", "Owners' ballot open: {title}"),
        "notice.ballot_opened.body": (
            "{estate}的业主表决「{title}」（{matter}）已开始，请登录平台投票。",
            "The owners' ballot \"{title}\" ({matter}) of {estate} is open; log in to vote.",
        ),
        "notice.ballot_closed.subject": ("业主表决结果：{title} {result}", "Ballot result: {title} {result}"),
        "notice.ballot_closed.body": (
            "{estate}的业主表决「{title}」（{matter}）已结束，结果：{result}。",
            "The owners' ballot \"{title}\" ({matter}) of {estate} has closed: {result}.",
        ),
    }
)
