"""Sensing messages (zh, en)."""

from gongzhi.i18n import register

register(
    {
        "sensing.crowd.title": ("深夜异常聚集：{place}", "Unusual late-night crowd: {place}"),
        "sensing.crowd.description": (
            "设备 {device} 于 {at} 计数 {count} 人，该时段通常约 {expected} 人（{model}，历史 {history} 条），"
            "出现该计数的概率约 {probability}。请网格员核查。",
            "Device {device} counted {count} people at {at}; usually about {expected} at this hour "
            "({model}, {history} readings); the chance of such a count is about {probability}. Please check.",
        ),
        "sensing.crowd.again": (
            "再次检测到异常聚集：{at} 计数 {count} 人（通常约 {expected} 人）",
            "Crowd again: {count} people at {at} (usually about {expected})",
        ),
        "sensing.smoke.title": ("烟雾报警：{place}", "Smoke alarm: {place}"),
        "sensing.gas.title": ("燃气泄漏报警：{place}", "Gas alarm: {place}"),
        "sensing.alarm.description": (
            "设备 {device}（{kind}）于 {at} 报警，读数 {field}={value}。请立即到场处置。",
            "Device {device} ({kind}) raised an alarm at {at}: {field}={value}. Go now.",
        ),
        "sensing.alarm.again": (
            "设备再次报警：{at}，读数 {field}={value}（本次报警第 {count} 次）",
            "The device alarmed again at {at}: {field}={value} (repeat {count})",
        ),
        "sensing.door_forced.subject": ("门禁被强行打开：{place}", "Door forced open: {place}"),
        "sensing.door_open.subject": ("夜间门禁长时间未关：{place}", "Door left open at night: {place}"),
        "sensing.door.body": (
            "设备 {device} 于 {at} 上报 {field}={value}，请网格员核查。",
            "Device {device} reported {field}={value} at {at}; please check.",
        ),
        "sensing.kind.smoke_detector": ("烟雾报警器", "smoke detector"),
        "sensing.kind.gas_detector": ("燃气报警器", "gas detector"),
        "sensing.level.free": ("畅通", "free flow"),
        "sensing.level.slow": ("缓行", "slow"),
        "sensing.level.congested": ("拥堵", "congested"),
        "sensing.level.severe": ("严重拥堵", "severely congested"),
        "sensing.level.unknown": ("无数据", "no data"),
        "sensing.advisory.subject": (
            "绕行提示：{segment} 预计 {at} 前后{level}", "Detour advice: {segment} expected {level} around {at}",
        ),
        "sensing.advisory.body": (
            "{segment}（{grid}）当前{level_now}，预计 30 分钟后{level}（流量约为通行能力的 {percent}%）。"
            "建议绕行：{alternative}",
            "{segment} ({grid}) is {level_now} now and expected {level} in 30 minutes (about {percent}% of "
            "capacity). Suggested detour: {alternative}",
        ),
        "sensing.advisory.no_alternative": ("请错峰出行", "travel later if you can"),
        "sensing.segment_code_invalid": ("路段编号无效（1-64 位字母、数字、._-）", "Invalid segment code (1-64 letters, digits, ._-)"),
        "sensing.cli.segment_added": ("已登记路段 {code}（{name}），检测器 {detectors}",
                                      "Segment {code} ({name}) registered over {detectors}"),
        "sensing.cli.no_segments": ("还没有登记路段", "No road segments yet"),
        "sensing.cli.col.code": ("编号", "Code"),
        "sensing.cli.col.name": ("名称", "Name"),
        "sensing.cli.col.grid": ("网格", "Grid"),
        "sensing.cli.col.detectors": ("检测器", "Detectors"),
        "sensing.cli.col.capacity": ("通行能力（辆/5分钟）", "Capacity (veh/5 min)"),
        "sensing.cli.col.levels": ("当前 / 30 分钟后", "Now / +30 min"),
        "sensing.cli.col.alternative": ("绕行建议", "Detour"),
        "sensing.segment_code_taken": ("路段编号 {code} 已存在", "Segment code {code} already exists"),
        "sensing.segment_name_invalid": ("路段名称必填，且不超过 100 字", "A segment name is required (at most 100 characters)"),
        "sensing.segment_capacity_invalid": ("通行能力须为正数（辆/5分钟）", "Capacity must be positive (vehicles per 5 minutes)"),
        "sensing.segment_alternative_too_long": ("绕行建议不超过 300 字", "The detour text is at most 300 characters"),
        "sensing.segment_no_detectors": ("路段至少需要一个交通检测器", "A segment needs at least one traffic detector"),
        "sensing.segment_detector_invalid": (
            "设备 {code} 不存在或不是交通检测器", "Device {code} does not exist or is not a traffic detector",
        ),
        "sensing.segment_grid_invalid": ("网格不存在", "No such grid"),
        "sensing.model.poisson": ("泊松分布", "Poisson"),
        "sensing.model.negative_binomial": ("负二项分布", "negative binomial"),
    }
)
