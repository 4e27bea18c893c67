"""Messages of the geo module (zh first, en for every key)."""

from __future__ import annotations

from gongzhi.i18n import has, register

LEVEL_LABEL_KEYS = {
    "district": "area_level.district",
    "street": "area_level.street",
    "community": "area_level.community",
    "village": "area_level.village",
    "grid": "area_level.grid",
}

register(
    {
        # Level names (for lists and the CLI).
        "area_level.district": ("区/县", "District"),
        "area_level.street": ("街道/乡镇", "Street"),
        "area_level.community": ("社区", "Community"),
        "area_level.village": ("村", "Village"),
        "area_level.grid": ("网格", "Grid"),
        # Service errors.
        "area_code_taken": ("区域编码 {area} 已被使用", "Area code {area} is already taken"),
        "area_code_invalid": (
            "区域编码不能为空，不超过 32 个字符，且不能含空白或“/”",
            "An area code must be 1-32 characters with no whitespace or '/'",
        ),
        "area_name_invalid": (
            "区域名称不能为空，且不超过 100 个字符",
            "An area name must be 1-100 characters",
        ),
        "area_name_en_invalid": (
            "英文名称不能超过 100 个字符",
            "The English name must be at most 100 characters",
        ),
        "area_households_invalid": (
            "户数必须是不小于 0 的整数",
            "Households must be a whole number, 0 or more",
        ),
        "area_level_unknown": (
            "未知的区域层级：{level}（可选 district、street、community、village、grid）",
            "Unknown area level: {level} (use district, street, community, village or grid)",
        ),
        "area_level_immutable": (
            "区域 {area} 的层级不能从 {old} 改为 {new}",
            "The level of area {area} cannot change from {old} to {new}",
        ),
        "area_parent_not_found": ("未找到上级区域 {parent}", "Parent area {parent} not found"),
        "area_parent_required": (
            "社区、村和网格必须指定上级区域（只有区或街道可以作为顶级区域）",
            "Communities, villages and grids need a parent area (only a district or street can be a root)",
        ),
        "area_parent_level_district": (
            "区/县是最高层级，不能有上级区域",
            "A district cannot have a parent area",
        ),
        "area_parent_level_street": (
            "街道/乡镇的上级必须是区/县，而 {parent} 不是",
            "A street's parent must be a district; {parent} is not",
        ),
        "area_parent_level_community": (
            "社区/村的上级必须是街道/乡镇，而 {parent} 不是",
            "A community's or village's parent must be a street; {parent} is not",
        ),
        "area_parent_level_village": (
            "社区/村的上级必须是街道/乡镇，而 {parent} 不是",
            "A community's or village's parent must be a street; {parent} is not",
        ),
        "area_parent_level_grid": (
            "网格的上级必须是社区或村，而 {parent} 不是",
            "A grid's parent must be a community or village; {parent} is not",
        ),
        "area_geometry_invalid": (
            "区域边界无效（须为 WGS84 经纬度的有效 Polygon 或 MultiPolygon）：{reason}",
            "Invalid area boundary (must be a valid WGS84 Polygon or MultiPolygon): {reason}",
        ),
        "area_point_invalid": (
            "坐标超出范围：纬度须在 -90 到 90 之间，经度须在 -180 到 180 之间",
            "Coordinates out of range: latitude must be within -90..90 and longitude within -180..180",
        ),
        # GeoJSON import.
        "area_import_not_collection": (
            "导入内容必须是 GeoJSON FeatureCollection（含 features 数组）",
            "The import must be a GeoJSON FeatureCollection with a features array",
        ),
        "area_import_invalid": (
            "要素 features[{index}]（编码 {area}）有误：{reason}；共 {count} 处错误，未写入任何数据",
            "features[{index}] (code {area}) is invalid: {reason}; {count} problem(s), nothing was written",
        ),
        "area_import_feature_malformed": (
            "要素必须是 type 为 Feature 且带 properties 对象的 GeoJSON 要素",
            "Each feature must be a GeoJSON Feature with a properties object",
        ),
        "area_import_property": (
            "属性 {field} 缺失或类型不对",
            "Property {field} is missing or has the wrong type",
        ),
        "area_import_duplicate_code": (
            "编码 {area} 在文件中重复（features[{first}] 已使用）",
            "Code {area} appears twice in the file (first at features[{first}])",
        ),
        # CLI.
        "area_cli_file_unreadable": ("无法读取文件 {path}：{reason}", "Cannot read {path}: {reason}"),
        "area_cli_bad_json": ("文件不是有效的 JSON：{reason}", "The file is not valid JSON: {reason}"),
        "area_cli_import_done": (
            "导入完成：新增 {created} 个，更新 {updated} 个，未变 {unchanged} 个区域",
            "Import done: {created} created, {updated} updated, {unchanged} unchanged",
        ),
        "area_cli_import_failed": (
            "导入失败：共 {count} 处错误，未写入任何数据",
            "Import failed: {count} problem(s), nothing was written",
        ),
        "area_cli_problem": (
            "features[{index}]（编码 {area}）：{reason}",
            "features[{index}] (code {area}): {reason}",
        ),
        "area_cli_list_title": ("区域列表（共 {count} 个）", "Areas ({count})"),
        "area_cli_list_empty": ("暂无区域", "No areas"),
        "area_cli_col_code": ("编码", "Code"),
        "area_cli_col_name": ("名称", "Name"),
        "area_cli_col_level": ("层级", "Level"),
        "area_cli_col_parent": ("上级", "Parent"),
        "area_cli_col_households": ("户数", "Households"),
        "area_cli_col_geometry": ("边界", "Boundary"),
    }
)

# Shared with auth and cases: whoever imports first registers it; the text must stay the same
# everywhere (the parameter is `area`, since `code` is AppError's own first argument).
if not has("area_not_found"):
    register({"area_not_found": ("区域不存在：{area}", "No such area: {area}")})
