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
        "sensing.model.poisson": ("泊松分布", "Poisson"),
        "sensing.model.negative_binomial": ("负二项分布", "negative binomial"),
    }
)
