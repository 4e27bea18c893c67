"""What `gongzhi demo` prints (zh, en)."""

from gongzhi.i18n import register

register({
    "demo.reset_done": ("已删除旧的演示数据库：{path}", "Removed the old demo database: {path}"),
    "demo.reset_not_sqlite": (
        "--reset 只会删除 SQLite 数据库文件；PostgreSQL 请先自行清空数据库。",
        "--reset only deletes a SQLite database file; empty a PostgreSQL database yourself first.",
    ),
    "demo.stage.schema": ("准备数据库结构与基础数据", "Preparing the schema and reference data"),
    "demo.stage.district": ("建立示范街道、单位与账号", "Building the demo street, units and accounts"),
    "demo.stage.cases": ("模拟工单", "Simulating cases"),
    "demo.stage.cases_at": (
        "模拟工单：{date}，已受理 {cases} 件",
        "Simulating cases: {date}, {cases} reported",
    ),
    "demo.exists": (
        "演示街道已存在，未重新生成（需要重新生成请加 --reset）。",
        "The demo street already exists; nothing generated (add --reset to start over).",
    ),
    "demo.summary": (
        "已生成 {cases} 件工单（近 {days} 天），督办升级 {escalations} 次，"
        "超时未评价自动关闭 {auto_closed} 件，用时 {seconds} 秒。",
        "Generated {cases} cases over {days} days: {escalations} escalations, {auto_closed} closed without a "
        "rating; took {seconds} s.",
    ),
    "demo.failures": (
        "有 {count} 个模拟步骤被业务规则拒绝，例如：{first}",
        "{count} simulated steps were refused by the case rules, e.g. {first}",
    ),
    "demo.statuses": ("工单状态：{statuses}", "Case statuses: {statuses}"),
    "demo.logins_title": ("演示账号", "Demo accounts"),
    "demo.col.username": ("账号", "Username"),
    "demo.col.role": ("角色", "Role"),
    "demo.col.name": ("姓名", "Name"),
    "demo.col.area": ("区域/单位", "Area / unit"),
    "demo.col.try": ("试试看", "Try"),
    "demo.try.admin": (
        "/dashboard 综合看板，/pilots 试点前后对比，/households 住户登记",
        "/dashboard overview, /pilots before/after, /households register",
    ),
    "demo.try.street": ("/dashboard 满意度、响应时间、纠纷与告警；/monthly-report 月度报告",
                        "/dashboard satisfaction, response, disputes, alarms; /monthly-report"),
    "demo.try.community": (
        "/queue 处理退单改派、重新打开的工单",
        "/queue re-route returned and reopened cases",
    ),
    "demo.try.grid_worker": (
        "/queue 签收、处置、核实本网格工单",
        "/queue accept, handle and verify your grid's cases",
    ),
    "demo.try.dept_staff": ("/queue 签收、办结，或退单", "/queue accept, resolve, or return to dispatch"),
    "demo.try.resident": (
        "/report 随手拍上报，/my 给已办结的工单评价",
        "/report a problem, /my rate a resolved case",
    ),
    "demo.try.volunteer": ("/volunteers 排班、签到、巡查预警", "/volunteers shifts, check-in, patrol warnings"),
    "demo.try.mediator": ("/mediation 我的调解案件与首次联系倒计时", "/mediation your disputes and first-contact clocks"),
    "demo.try.doctor": ("/eldercare 养老值班台：确认告警、到场", "/eldercare duty board: acknowledge alarms"),
    "demo.try.council_member": ("/councils 议事会、会议议程与表决", "/councils council meetings, agendas and votes"),
    "demo.try.owner": ("/ballots 业主表决（民法典第二百七十八条）", "/ballots owners' ballot (Civil Code art. 278)"),
    "demo.stage.modules": ("各模块演示数据：{module}", "Module demo data: {module}"),
    "demo.more_accounts": (
        "更多账号：网格员 wgy01–wgy20，居民 jumin01–jumin60，社区领导 hemu / cuiyuan / qinghe / taoyuan，"
        "部门人员 shizheng1、chengguan1、huanwei1、minjing1、jiaojing1、wuye1 等。",
        "More accounts: grid workers wgy01–wgy20, residents jumin01–jumin60, community officials "
        "hemu / cuiyuan / qinghe / taoyuan, unit staff shizheng1, chengguan1, huanwei1, minjing1, "
        "jiaojing1, wuye1 and more.",
    ),
    "demo.password": (
        "所有演示账号的密码都是 {password}（这是演示数据，切勿在真实环境中使用）。",
        "Every demo account's password is {password} (demo data: never use it for real).",
    ),
    "demo.webhooks": (
        "单位群机器人地址是占位符（*.invalid），请在单位设置中换成真实的企业微信/钉钉机器人地址。",
        "Unit robot webhooks are placeholders (*.invalid); replace them with real WeCom/DingTalk robot URLs.",
    ),
    "demo.serve": (
        "启动服务：gongzhi serve，然后打开 {url}",
        "Start the server with gongzhi serve, then open {url}",
    ),
})
