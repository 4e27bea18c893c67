"""Elderly-care messages (zh, en)."""

from gongzhi.i18n import register

ALARM_KIND_LABELS = {
    "fall": ("跌倒", "Fall"),
    "sos": ("SOS 呼救", "SOS button"),
    "vitals": ("生命体征异常", "Abnormal vital signs"),
    "baseline": ("心率偏离个人基线", "Pulse off the elder's own baseline"),
    "inactivity": ("日间长时间无活动", "No activity in the daytime"),
    "silence": ("手环失联", "Wearable silent"),
    "low_battery": ("手环电量低", "Wearable battery low"),
}
ALARM_STATE_LABELS = {
    "active": ("待响应", "Active"),
    "acknowledged": ("已响应", "Acknowledged"),
    "on_scene": ("已到场", "On scene"),
    "resolved": ("已处置", "Resolved"),
    "false_alarm": ("误报", "False alarm"),
}
CALL_ROLE_LABELS = {
    "doctor": ("社区医生", "Community doctor"),
    "family": ("家属", "Family"),
    "buddy": ("志愿者结对", "Volunteer buddy"),
    "grid_worker": ("网格员", "Grid worker"),
    "emergency": ("急救 120", "Emergency 120"),
}
BAND_LABELS = {
    "low": ("低风险", "Low"),
    "low_medium": ("低-中风险", "Low-medium"),
    "medium": ("中风险", "Medium"),
    "high": ("高风险", "High"),
}

register({f"eldercare.kind.{k}": v for k, v in ALARM_KIND_LABELS.items()})
register({f"eldercare.state.{k}": v for k, v in ALARM_STATE_LABELS.items()})
register({f"eldercare.role.{k}": v for k, v in CALL_ROLE_LABELS.items()})
register({f"eldercare.band.{k}": v for k, v in BAND_LABELS.items()})

register(
    {
        # errors
        "eldercare_news2_invalid": ("生命体征数值有误：{detail}", "Invalid vital sign: {detail}"),
        "eldercare_news2_empty": ("请至少填写一项生命体征", "Give at least one vital sign"),
        "eldercare_elder_not_found": ("未找到该老人档案", "Elder not found"),
        "eldercare_alarm_not_found": ("未找到该告警", "Alarm not found"),
        "eldercare_id_number_invalid": ("身份证号码无效", "Invalid ID number"),
        "eldercare_id_number_fixed": ("身份证号码不能修改", "The ID number cannot be changed"),
        "eldercare_id_number_taken": ("该身份证号码已登记", "This ID number is already registered"),
        "eldercare_phone_invalid": ("电话号码无效：{phone}", "Invalid phone number: {phone}"),
        "eldercare_grid_not_found": ("未找到网格：{code}", "Grid not found: {code}"),
        "eldercare_grid_out_of_scope": ("该网格不在您的管辖范围内", "That grid is outside your area"),
        "eldercare_user_not_found": ("未找到用户：{username}", "User not found: {username}"),
        "eldercare_user_wrong_role": (
            "用户 {username} 不是{role}", "User {username} is not a {role}"
        ),
        "eldercare_device_taken": ("手环 {code} 已绑定其他老人", "Wearable {code} is bound to another elder"),
        "eldercare_bad_transition": (
            "告警当前状态为“{status}”，不能执行该操作", "The alarm is {status}; that action is not possible"
        ),
        "eldercare_not_responder": ("您不是该告警的响应人员", "You are not a responder for this alarm"),
        "eldercare_ack_link_invalid": (
            "确认链接无效或已使用", "The acknowledgement link is invalid or has been used"
        ),
        "eldercare_import_invalid": (
            "导入文件有 {count} 行错误，未导入任何数据", "{count} rows have errors; nothing was imported"
        ),
        "eldercare_import_not_xlsx": ("无法读取 Excel 文件：{detail}", "Cannot read the Excel file: {detail}"),
        "eldercare_import_header": ("表头缺少列：{columns}", "Header is missing columns: {columns}"),
        "eldercare_config_invalid": ("配置有误：{detail}", "Invalid setting: {detail}"),
        # notifications
        "eldercare.notice.subject": (
            "【养老告警】{elder}：{kind}", "[Elder alarm] {elder}: {kind}"
        ),
        "eldercare.notice.body": (
            "{elder}（{grid}）发生{kind}告警，{detail}。请在 {minutes} 分钟内确认：{link}",
            "{elder} ({grid}): {kind}. {detail}. Please acknowledge within {minutes} min: {link}",
        ),
        "eldercare.notice.emergency_subject": (
            "【120 急救联动】{elder}：{kind}", "[120 emergency] {elder}: {kind}"
        ),
        "eldercare.notice.emergency_body": (
            "{elder}，{age}岁，地址：{address}（{grid}），{kind}，{detail}。社区医生已同步通知。",
            "{elder}, age {age}, at {address} ({grid}): {kind}, {detail}. The community doctor has been told.",
        ),
        "eldercare.detail.news2": ("NEWS2 评分 {total}（{band}）", "NEWS2 score {total} ({band})"),
        "eldercare.detail.fall_flag": ("手环跌倒检测触发", "the band's fall detector fired"),
        "eldercare.detail.fall_acc": ("加速度冲击后静止", "an impact, then lying still"),
        "eldercare.detail.sos": ("按下了 SOS 键", "the SOS button was pressed"),
        "eldercare.detail.battery": ("电量 {percent}%", "battery at {percent}%"),
        "eldercare.detail.baseline": (
            "心率 {pulse}，本人中位数 {median}", "pulse {pulse}, the elder's median {median}"
        ),
        "eldercare.detail.inactivity": ("{minutes} 分钟无步数", "no steps for {minutes} min"),
        "eldercare.detail.silence": ("手环长时间无数据", "no data from the band"),
        # pages
        # For the lead: nav_for() in web/render.py links /eldercare under this key.
        "web.nav.eldercare": ("养老值班", "Elder care"),
        "eldercare.board.title": ("养老值班台", "Elder-care duty board"),
        "eldercare.board.empty": ("当前没有未处置的告警", "No open alarms"),
        "eldercare.board.next": ("距下一级升级", "Next escalation in"),
        "eldercare.board.exhausted": ("呼叫链已用尽，仍无人响应", "Chain exhausted, nobody answered"),
        "eldercare.board.called": ("已呼叫", "Called"),
        "eldercare.board.answered": ("已应答", "Answered"),
        "eldercare.board.no_answer": ("未应答", "No answer"),
        "eldercare.action.ack": ("确认响应", "Acknowledge"),
        "eldercare.action.on_scene": ("已到场", "On scene"),
        "eldercare.action.resolve": ("处置完毕", "Resolve"),
        "eldercare.action.false_alarm": ("误报", "False alarm"),
        "eldercare.action.visit": ("派单上门", "Send a visit"),
        "web.flash.eldercare_ack": ("已确认响应，呼叫链已停止", "Acknowledged; the chain has stopped"),
        "web.flash.eldercare_on_scene": ("已记录到场", "On scene recorded"),
        "web.flash.eldercare_closed": ("告警已关闭", "Alarm closed"),
        "web.flash.eldercare_imported": ("已导入 {count} 位老人", "Imported {count} elders"),
        "eldercare.register.export": ("导出登记表（Excel）", "Export the register (Excel)"),
        "eldercare.register.import": ("导入登记表", "Import the register"),
        "eldercare.register.import_hint": (
            "首行为表头（姓名、身份证号、网格编码为必填）；任何一行有错则全部不导入。",
            "First row is the header (姓名, 身份证号, 网格编码 required); one bad row and nothing is imported.",
        ),
        "web.flash.eldercare_registered": ("已登记", "Registered"),
        "eldercare.new.title": ("登记老人", "Register an elder"),
        "eldercare.new.submit": ("登记", "Register"),
        "eldercare.new.choose": ("请选择", "Choose"),
        "eldercare.new.none": ("暂无", "None yet"),
        "eldercare.new.list_hint": ("多项用顿号或逗号分隔", "Separate several with 、 or commas"),
        "eldercare.new.contact": ("联系人 {n}（按呼叫顺序）", "Contact {n} (in call order)"),
        "eldercare.col.name": ("姓名", "Name"),
        "eldercare.col.gender": ("性别", "Gender"),
        "eldercare.col.grid": ("网格", "Grid"),
        "eldercare.col.relation": ("关系", "Relation"),
        "eldercare.col.spo2_scale2": (
            "医生已确认高碳酸血症呼吸衰竭（SpO2 量表 2）", "Hypercapnic respiratory failure confirmed (SpO2 scale 2)"
        ),
        "eldercare.col.band": ("手环编号", "Band code"),
        "web.flash.eldercare_visit": ("已派发上门工单 {number}", "Visit case {number} created"),
        "eldercare.elder.title": ("老人档案", "Elder"),
        "eldercare.elders.title": ("老人登记", "Elder register"),
        "eldercare.coverage.title": ("服务覆盖率", "Service coverage"),
        "eldercare.ack.title": ("确认养老告警", "Acknowledge elder alarm"),
        "eldercare.ack.done": ("已确认，感谢您的响应", "Acknowledged — thank you"),
        "eldercare.col.elder": ("老人", "Elder"),
        "eldercare.col.kind": ("类型", "Type"),
        "eldercare.col.status": ("状态", "Status"),
        "eldercare.col.raised": ("发生时间", "Raised"),
        "eldercare.col.repeats": ("次数", "Repeats"),
        "eldercare.col.chain": ("呼叫记录", "Calls"),
        "eldercare.col.actions": ("操作", "Actions"),
        "eldercare.col.community": ("社区", "Community"),
        "eldercare.col.registered": ("登记老人", "Registered"),
        "eldercare.col.covered": ("有在线手环且有签约医生", "Working wearable and a doctor"),
        "eldercare.col.rate": ("覆盖率", "Coverage"),
        "eldercare.col.age": ("年龄", "Age"),
        "eldercare.col.alone": ("独居", "Lives alone"),
        "eldercare.col.doctor": ("签约医生", "Doctor"),
        "eldercare.col.buddy": ("结对志愿者", "Buddy"),
        "eldercare.col.phone": ("电话", "Phone"),
        "eldercare.col.id_number": ("身份证号", "ID number"),
        "eldercare.col.address": ("地址", "Address"),
        "eldercare.col.conditions": ("慢病", "Conditions"),
        "eldercare.col.medications": ("用药", "Medications"),
        "eldercare.col.contacts": ("紧急联系人", "Contacts"),
        "eldercare.col.wearables": ("手环", "Wearables"),
        "eldercare.col.vitals": ("生命体征", "Vital signs"),
        "eldercare.col.alarms": ("告警记录", "Alarms"),
        "eldercare.col.visits": ("上门工单", "Visits"),
        "eldercare.age_years": ("{age} 岁", "age {age}"),
        "eldercare.response.title": ("告警响应（近 30 天）", "Alarm response (last 30 days)"),
        "eldercare.response.alarms": ("告警数", "Alarms"),
        "eldercare.response.ack": ("发生→确认", "Raised → acknowledged"),
        "eldercare.response.scene": ("发生→到场", "Raised → on scene"),
        "eldercare.response.median": ("中位数", "Median"),
        "eldercare.response.p90": ("90 分位", "90th percentile"),
        "eldercare.response.within": ("10 分钟内到场占比", "On scene within 10 min"),
        "eldercare.yes": ("是", "Yes"),
        "eldercare.no": ("否", "No"),
    }
)

register(
    {
        "eldercare_cli_user": ("用户不存在或已停用：{username}", "No active user {username}"),
        "eldercare_cli_import_done": ("已导入 {count} 位老人", "Imported {count} elders"),
        "eldercare_cli_export_done": ("已导出 {count} 行到 {path}", "Exported {count} rows to {path}"),
        "eldercare_cli_row": ("第 {row} 行：{message}", "Row {row}: {message}"),
    }
)
