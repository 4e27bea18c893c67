"""Device messages (zh, en)."""

from __future__ import annotations

from gongzhi.i18n import register

register(
    {
        "device_token_invalid": ("设备令牌无效", "Unknown device access token"),
        "device_disabled": ("设备已停用，不接收数据", "The device is disabled and accepts no data"),
        "device_not_found": ("未找到设备 {code}", "Device {code} not found"),
        "device_code_taken": ("设备编号 {code} 已存在", "Device code {code} is already registered"),
        "device_code_invalid": (
            "设备编号只能由 1–64 个字母、数字、下划线、点或短横线组成",
            "A device code is 1–64 letters, digits, underscores, dots or hyphens",
        ),
        "device_kind_invalid": ("未知的设备类型 {kind}", "Unknown device kind {kind}"),
        "device_interval_invalid": (
            "上报间隔须在 10 秒到 7 天之间",
            "The expected reporting interval must be between 10 seconds and 7 days",
        ),
        "device_grid_not_grid": ("{code} 不是网格", "{code} is not a grid"),
        "device_location_invalid": ("经纬度无效", "Invalid latitude/longitude"),
        "device_field_too_long": ("{field} 过长（最多 {max} 个字符）", "{field} is too long (at most {max} characters)"),
        "device_out_of_scope": ("该设备不在您的管辖范围内", "This device is outside your area"),
        "telemetry_not_json": ("数据不是合法的 JSON：{detail}", "The body is not valid JSON: {detail}"),
        "telemetry_too_large": (
            "数据过大（上限 {limit} 字节）",
            "The body is too large (limit {limit} bytes)",
        ),
        "telemetry_too_many": (
            "一次最多提交 {limit} 条读数",
            "At most {limit} readings per request",
        ),
        "telemetry_empty": ("没有读数", "No readings in the body"),
        "telemetry_bad_shape": (
            "数据格式错误：{detail}（应为 {{\"键\": 数值}}、{{\"ts\": 毫秒, \"values\": {{…}}}} 或它们的数组）",
            'Wrong shape: {detail} (expected {{"key": value}}, {{"ts": ms, "values": {{…}}}} or a list of them)',
        ),
        "telemetry_bad_key": ("读数名称无效：{name}", "Invalid telemetry key: {name}"),
        "telemetry_not_numeric": (
            "{name} 的值必须是数字（布尔值按 0/1 记），收到：{value}",
            "The value of {name} must be a number (booleans count as 0/1), got: {value}",
        ),
        "telemetry_bad_ts": ("时间戳必须是毫秒整数：{value}", "The timestamp must be an integer in milliseconds: {value}"),
        "telemetry_future": (
            "时间戳 {ts} 晚于服务器时间超过 {skew} 秒",
            "Timestamp {ts} is more than {skew} s ahead of the server clock",
        ),
        "telemetry_ancient": (
            "时间戳 {ts} 早于数据保留期（{days} 天）",
            "Timestamp {ts} is older than the retention period ({days} days)",
        ),
        "device_silent": ("设备 {code} 已超过 {minutes} 分钟未上报", "Device {code} has been silent for {minutes} minutes"),
    }
)
