"""Auth module messages (zh, en).

`unit_not_found` and `area_not_found` are shared with other modules (cases, geo); the text
here is identical to theirs, and keys another module registered first are left alone so the
import order never matters. Their parameters are `area` and `code`/`unit` (auth raises
unit_not_found with both, since `code` cannot be passed to AppError as a keyword).
"""

from gongzhi.i18n import has, register

ROLE_LABELS = {
    "resident": ("居民", "Resident"),
    "grid_worker": ("网格员", "Grid worker"),
    "mediator": ("调解员", "Mediator"),
    "doctor": ("社区医生", "Community doctor"),
    "volunteer": ("志愿者", "Volunteer"),
    "council_member": ("议事委员", "Council member"),
    "dept_staff": ("部门人员", "Department staff"),
    "admin": ("管理员", "Administrator"),
    "official": ("领导", "Official"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    "password_hash_invalid": (
        "密码哈希无效（需为 Argon2 哈希，且不能同时给出密码）",
        "Invalid password hash (an Argon2 hash, without a password)",
    ),
    # Login, tokens, sessions
    "login_failed": ("用户名或密码错误", "Wrong username or password"),
    "login_locked": (
        "登录失败次数过多，请 {minutes} 分钟后再试",
        "Too many failed logins; try again in {minutes} minutes",
    ),
    "token_invalid": ("登录已失效，请重新登录", "Your login has expired; please log in again"),
    # Accounts
    "user_not_found": ("用户不存在或无权查看", "User not found"),
    "user_role_invalid": ("无效的角色：{role}", "Invalid role: {role}"),
    "username_invalid": (
        "用户名须为 3–64 位字母、数字或 _ . -",
        "A username is 3–64 letters, digits or _ . -",
    ),
    "username_taken": ("用户名已被占用：{username}", "Username already taken: {username}"),
    "password_too_short": ("密码至少需要 {min} 位", "A password needs at least {min} characters"),
    "password_too_long": ("密码不能超过 {max} 位", "A password may not exceed {max} characters"),
    "area_required": ("该角色必须指定所属区域", "This role needs an area"),
    "unit_required": ("部门人员必须指定所属单位", "Department staff need a unit"),
    "phone_invalid": ("电话号码格式不正确", "Invalid phone number"),
    "id_number_invalid": ("身份证号码无效", "Invalid ID card number"),
    "email_invalid": ("电子邮箱格式不正确", "Invalid email address"),
    "language_invalid": ("不支持的语言：{language}", "Unsupported language: {language}"),
    "field_too_long": ("“{field}”不能超过 {max} 个字符", "{field} may not exceed {max} characters"),
    "area_out_of_scope": ("只能管理本人辖区内的账号", "You can only manage accounts within your own area"),
    # Shared with other modules (same text as theirs).
    "area_not_found": ("区域不存在：{area}", "No such area: {area}"),
    "unit_not_found": ("单位不存在：{code}", "No such unit: {code}"),
    # Units
    "unit_code_invalid": (
        "单位编号须为 1–40 位字母、数字或 _ . -",
        "A unit code is 1–40 letters, digits or _ . -",
    ),
    "unit_code_taken": ("单位编号已存在：{unit}", "Unit code already exists: {unit}"),
    "unit_name_required": ("请填写单位名称", "Give the unit a name"),
    "unit_kind_invalid": (
        "单位类型须为 1–32 位小写字母、数字或 _",
        "A unit kind is 1–32 lowercase letters, digits or _",
    ),
    "webhook_url_invalid": (
        "回调地址须以 http:// 或 https:// 开头",
        "A webhook URL starts with http:// or https://",
    ),
    # Command line
    "cli_user_created": (
        "已创建账号 {username}（{role}），编号 {id}",
        "Created account {username} ({role}), id {id}",
    ),
    "cli_unit_created": ("已创建单位 {code}（{name}），编号 {id}", "Created unit {code} ({name}), id {id}"),
    "cli_no_users": ("暂无账号", "No accounts yet"),
    "cli_no_units": ("暂无单位", "No units yet"),
}

_ALL = {**{f"role.{k}": v for k, v in ROLE_LABELS.items()}, **MESSAGES}
register({k: v for k, v in _ALL.items() if not has(k)})
