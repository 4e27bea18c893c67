"""Open311 messages (zh, en)."""

from __future__ import annotations

from gongzhi.i18n import register

register(
    {
        "open311_key_missing": (
            "缺少 api_key：提交请求需要街道发放的 API key",
            "api_key is missing: filing a request needs an API key issued by the street",
        ),
        "open311_key_invalid": ("api_key 无效或已吊销", "The api_key is unknown or has been revoked"),
        "open311_key_too_short": ("API key 至少 20 个字符", "An API key needs at least 20 characters"),
        "open311_key_taken": ("该 API key 已被使用", "This API key is already in use"),
        "open311_rate_limited": (
            "该 API key 每小时最多提交 {limit} 个请求，请稍后再试",
            "This API key may file at most {limit} requests per hour; please try again later",
        ),
        "open311_client_name_invalid": (
            "客户端应用名称不能为空，且不超过 100 个字符",
            "The client application name must be 1 to 100 characters",
        ),
        "open311_client_invalid": (
            "联系人不超过 200 个字符，限额不能为负数",
            "The contact is at most 200 characters and the limit cannot be negative",
        ),
        "open311_client_not_found": ("没有编号为 {id} 的客户端应用", "No client application with id {id}"),
        "open311_client_already_revoked": (
            "客户端应用 {id} 的 API key 已吊销",
            "The API key of client application {id} is already revoked",
        ),
        "open311_jurisdiction_unknown": (
            "未知的 jurisdiction_id：{jurisdiction}",
            "Unknown jurisdiction_id: {jurisdiction}",
        ),
        "open311_service_code_required": ("缺少 service_code", "service_code is missing"),
        "open311_service_unknown": ("未知的 service_code：{code}", "Unknown service_code: {code}"),
        "open311_service_not_found": ("没有该服务：{code}", "No such service: {code}"),
        "open311_request_not_found": ("没有该请求：{id}", "No such service request: {id}"),
        "open311_token_not_found": ("没有该 token", "No such token"),
        "open311_description_too_long": (
            "描述最多 {max} 个字符",
            "The description may be at most {max} characters",
        ),
        "open311_field_too_long": ("{field} 最多 {max} 个字符", "{field} may be at most {max} characters"),
        "open311_bad_coordinates": (
            "lat / long 须为有效的 WGS84 经纬度数值",
            "lat / long must be valid WGS84 coordinates",
        ),
        "open311_location_outside": (
            "该位置不在本街道任何网格内（服务范围约 {bounds}，WGS84）",
            "That location is not inside any grid served here (roughly {bounds}, WGS84)",
        ),
        "open311_location_required": (
            "请提供位置：lat 和 long，或 address_id（网格编号），或 address_string",
            "Give a location: lat and long, or address_id (a grid code), or address_string",
        ),
        "open311_address_id_unknown": (
            "未知的 address_id：{address_id}（应为网格编号）",
            "Unknown address_id: {address_id} (it is a grid code)",
        ),
        "open311_address_unplaced": (
            "无法根据 address_string 确定所在网格，请同时提供 lat 和 long",
            "The address_string does not place the report in a grid; please also send lat and long",
        ),
        "open311_bad_email": ("email 格式不正确", "The email address is not valid"),
        "open311_bad_phone": (
            "phone 只能包含数字、+、- 和空格，最多 32 位",
            "phone may contain only digits, +, - and spaces (at most 32)",
        ),
        "open311_bad_media_url": (
            "media_url 须为 http 或 https 链接",
            "media_url must be an http or https link",
        ),
        "open311_too_many_media": ("最多上传 {max} 个文件", "At most {max} files may be uploaded"),
        "open311_bad_date": (
            "{field} 不是有效的 ISO 8601 时间：{value}",
            "{field} is not a valid ISO 8601 datetime: {value}",
        ),
        "open311_date_range_reversed": (
            "end_date 早于 start_date",
            "end_date is earlier than start_date",
        ),
        "open311_date_range_too_long": (
            "start_date 与 end_date 最多相隔 {days} 天",
            "start_date and end_date may be at most {days} days apart",
        ),
        "open311_bad_status": (
            "status 只能是 open 或 closed（可用逗号分隔）：{status}",
            "status must be open or closed (comma separated): {status}",
        ),
        "open311_too_many_ids": (
            "service_request_id 最多 {max} 个",
            "At most {max} service_request_id values",
        ),
        "open311_unknown_format": (
            "不支持的格式，请使用 .json 或 .xml",
            "Unsupported format; use .json or .xml",
        ),
        "open311_not_found": ("没有该 Open311 资源", "No such Open311 resource"),
        "open311_bad_form": ("请求体无法解析：{detail}", "The request body cannot be read: {detail}"),
        "open311_contact": (
            "本接口由街道网格化管理中心提供；jurisdiction_id：{jurisdictions}（可省略）",
            "Run by the street's grid management centre; jurisdiction_id: {jurisdictions} (optional)",
        ),
        "open311_key_service": (
            "API key 由街道管理员为每个客户端应用发放（gongzhi open311 key add）",
            "API keys are issued per client application by the street's administrator "
            "(gongzhi open311 key add)",
        ),
        "open311_service_notice": (
            "通常 {accept}内签收，{resolve}内办结",
            "Usually accepted within {accept} and resolved within {resolve}",
        ),
        "open311_duplicate_of": (
            "与 {number} 重复，请关注该请求",
            "Duplicate of {number}; follow that request",
        ),
        "open311_text_hidden": (
            "（该描述因违反社区规范已被屏蔽）",
            "(This description was hidden by a moderator)",
        ),
        "open311_minutes": ("{n} 分钟", "{n} minutes"),
        "open311_hours": ("{n} 小时", "{n} hours"),
        "open311_days": ("{n} 天", "{n} days"),
        "open311_working_days": ("{n} 个工作日", "{n} working days"),
        "open311_datatype.string": ("单行文字", "A line of text"),
        "open311_datatype.text": ("多行文字", "Text, may span several lines"),
        "open311_datatype.number": ("数字", "A number"),
        "open311_datatype.datetime": (
            "ISO 8601 时间，如 2026-11-23T10:00:00+08:00",
            "An ISO 8601 datetime, e.g. 2026-11-23T10:00:00+08:00",
        ),
        "open311_datatype.singlevaluelist": ("从 values 中选一个 key", "One key from values"),
        "open311_datatype.multivaluelist": (
            "从 values 中选一个或多个 key（attribute[CODE][]）",
            "One or more keys from values (attribute[CODE][])",
        ),
        "open311_group.municipal": ("市政设施", "Municipal facilities"),
        "open311_group.water": ("供水", "Water supply"),
        "open311_group.sanitation": ("环境卫生", "Sanitation"),
        "open311_group.traffic_police": ("交通", "Traffic"),
        "open311_group.urban_mgmt": ("城市管理", "Urban management"),
        "open311_group.police": ("治安", "Public security"),
        "open311_group.property": ("物业", "Property management"),
        "open311_group.fire": ("消防", "Fire safety"),
        "open311_group.greening": ("园林绿化", "Parks and greenery"),
        "open311_group.street_office": ("街道综合", "Street office"),
        "cli_open311_key_added": (
            "已创建客户端应用 {name}（编号 {id}）。API key 只显示这一次，请妥善保存：",
            "Client application {name} created (id {id}). The API key is shown only this once:",
        ),
        "cli_open311_key_revoked": ("已吊销客户端应用 {id} 的 API key", "Revoked the API key of client {id}"),
        "cli_open311_no_clients": ("还没有客户端应用", "No client applications yet"),
    }
)
