"""Synthetic Chinese text for the demo: names, places, case descriptions and handling notes.

Everything here is invented. Templates use str.format slots filled by casegen.py:
{spot} a place in the grid, {compound} the residential compound, {b} a building number,
{u} a unit (单元) number, {time} a "since when" phrase, {n} a small number, {plate} a plate,
{community} the community's name.
"""

from __future__ import annotations

from typing import Final

SURNAMES: Final = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "沈", "蒋", "蔡", "叶", "潘", "杜", "戴", "钱", "汪", "俞", "金", "陆", "姚", "方", "邵", "童",
)
GIVEN_CHARS: Final = (
    "建", "国", "华", "明", "丽", "芳", "伟", "强", "敏", "静", "军", "杰", "娟", "涛", "斌", "霞",
    "平", "刚", "燕", "辉", "玲", "桂", "英", "文", "晓", "红", "海", "林", "云", "志", "秀", "亮",
    "婷", "鹏", "飞", "雪", "琴", "波", "宁", "慧", "勇", "佳", "欣", "浩", "宇", "萍", "梅", "兰",
)
# Mainland mobile prefixes (format only; the numbers are random).
PHONE_PREFIXES: Final = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "158",
                         "159", "177", "186", "187", "188", "189", "199")
# Hangzhou district codes, for well-formed (checksummed) but invented ID numbers.
ID_REGIONS: Final = ("330102", "330105", "330106", "330108", "330110")
PLATE_LETTERS: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ"

TIME_PHRASES: Final = ("这两天", "从昨晚开始", "已经一周了", "最近几天", "今天早上起", "好几天了", "前天开始")
CLOSING_PHRASES: Final = (
    "麻烦尽快处理，谢谢！", "之前也反映过，希望这次能解决。", "附近居民都很有意见。", "", "", "谢谢！",
    "请相关部门重视。", "",
)

# Spots in a residential community / a village. {road2} is another road of the same community.
URBAN_SPOTS: Final = (
    "{compound}{b}幢楼下", "{compound}{b}幢{u}单元门口", "{compound}南门", "{compound}北门外",
    "{road}{num}号门口", "{road}与{road2}交叉口", "{compound}地下车库入口", "{compound}小广场",
    "{road}公交站旁", "{compound}东侧围墙边",
)
VILLAGE_SPOTS: Final = (
    "{compound}{num}号农居旁", "村文化礼堂前", "{road}{num}号", "村委会旁停车场", "{compound}晒场边",
    "{road}桥头", "{compound}老年活动室门口",
)

# category -> [(title suffix, description template)]
TEMPLATES: Final[dict[str, list[tuple[str, str]]]] = {
    "streetlight": [
        ("路灯不亮", "{spot}的路灯{time}不亮了，晚上路过一片漆黑，老人小孩走路不安全，请尽快修理。"),
        ("路灯闪烁", "{spot}有{n}盏路灯坏了，一直闪烁，晚上影响通行。"),
        ("路灯白天常亮", "{spot}的路灯白天也亮着，浪费电，麻烦检查一下。"),
        ("灯杆倾斜", "{spot}的路灯灯罩掉了，灯杆有点歪，担心砸到人。"),
    ],
    "road_damage": [
        ("路面坑洼", "{spot}路面有一个大坑，约{n}0厘米宽，电动车经过很危险。"),
        ("地砖松动", "{spot}人行道地砖松动翘起，{time}有老人差点绊倒。"),
        ("路面沉降", "{spot}路面开裂下沉，下雨后积水，车辆经过溅水。"),
    ],
    "manhole": [
        ("井盖缺失", "{spot}的井盖不见了，只剩一个黑洞，非常危险，请马上处理！"),
        ("井盖破损", "{spot}井盖破损塌陷，车压上去哐当响，怕有人掉下去。"),
        ("井盖错位", "{spot}雨水井盖错位翘起，晚上看不清容易绊倒。"),
    ],
    "waterlogging": [
        ("道路积水", "{spot}下雨后积水很深，约{n}0厘米，行人过不去，车辆熄火。"),
        ("雨水口堵塞", "{spot}雨水口被树叶堵住，{time}开始积水一直不退。"),
    ],
    "water_pipe": [
        ("水管爆裂", "{spot}地下有水管爆裂，水一直往外冒，路面都淹了。"),
        ("水管漏水", "{spot}的自来水管漏水，已经流了{time}，浪费严重。"),
        ("管道破损", "{spot}路边冒水，怀疑供水管道破损，地面已经松软。"),
    ],
    "garbage": [
        ("垃圾堆积", "{spot}堆了很多生活垃圾，{time}没人清运，气味很大，招苍蝇。"),
        ("建筑垃圾乱倒", "{spot}有人乱倒建筑垃圾，堆了{n}0多袋装修垃圾，占了通道。"),
        ("垃圾桶满溢", "{spot}垃圾桶满溢，垃圾散落一地，请安排清运。"),
        ("大件垃圾乱扔", "{spot}有大件家具（旧沙发、床垫）乱扔，{time}一直没人处理。"),
    ],
    "illegal_parking": [
        ("占用消防通道", "{spot}有车辆长期乱停，堵住消防通道，车牌{plate}。"),
        ("人行道停车", "{spot}人行道上停满了车，行人只能走到机动车道上。"),
        ("堵塞出入口", "{spot}有辆车{time}一直停在出入口，影响进出，车牌{plate}。"),
    ],
    "street_vending": [
        ("流动摊贩占道", "{spot}有流动摊贩占道经营，{time}摆到人行道上，油烟很大。"),
        ("水果摊占道", "{spot}水果摊把货摆到马路上，早高峰堵得厉害。"),
        ("夜宵摊占道", "{spot}夜宵摊占道经营到凌晨，桌椅摆满人行道。"),
    ],
    "illegal_construction": [
        ("楼顶违建", "{compound}{b}幢有住户在楼顶搭建彩钢板房，{time}还在施工。"),
        ("私自扩建", "{spot}一楼住户私自扩建院子，占用公共绿地。"),
        ("公共区域搭棚", "{spot}有人在公共区域搭建棚子堆放杂物。"),
    ],
    "noise": [
        ("夜间施工", "{spot}的工地{time}晚上还在施工，噪声很大，严重影响休息。"),
        ("广场舞音响扰民", "{spot}有广场舞音响声音太大，持续到晚上十点以后。"),
        ("深夜装修", "{compound}{b}幢楼上住户深夜装修敲打，已经持续{n}天了。"),
        ("排风机噪声", "{spot}的饭店排风机噪声很大，日夜不停。"),
    ],
    "elevator": [
        ("电梯停运", "{compound}{b}幢电梯故障停运，{time}没人来修，老人上下楼困难。"),
        ("电梯异响", "{compound}{b}幢电梯运行时有异响，还会突然抖动，担心安全。"),
    ],
    "suspicious": [
        ("可疑人员", "{spot}{time}有陌生人挨家挨户敲门推销，形迹可疑。"),
        ("深夜徘徊", "{spot}有人深夜在车辆旁徘徊，拉车门把手，怀疑偷窃。"),
        ("可疑物品", "{spot}发现一个无人认领的可疑包裹，放了很久了。"),
    ],
    "fire_hazard": [
        ("楼道堆物", "{compound}{b}幢楼道里堆满杂物，堵住了消防通道。"),
        ("飞线充电", "{spot}有电动车在楼道里充电，飞线拉到楼下，很危险。"),
        ("消防设施失效", "{compound}{b}幢消防栓没有水，灭火器也过期了。"),
    ],
    "green_space": [
        ("绿地毁种", "{spot}的绿化带被人毁坏，种上了蔬菜。"),
        ("树枝断裂", "{spot}有大树枝条断裂悬挂，随时可能掉下来砸到人。"),
        ("草坪碾压", "{spot}草坪被车辆碾压，成了泥地。"),
    ],
    "advice": [
        ("增设座椅建议", "建议在{spot}增设几张休息座椅，方便老人歇脚。"),
        ("老年食堂咨询", "想咨询一下{community}老年食堂的开放时间和报名方式。"),
        ("非机动车停放建议", "建议{spot}增加非机动车停放点，现在电动车到处停。"),
        ("体检咨询", "请问{community}什么时候组织老年人免费体检？"),
    ],
    "other": [
        ("宣传栏破损", "{spot}的公共宣传栏玻璃碎了，边角很锋利。"),
        ("流浪狗聚集", "{spot}有流浪狗聚集，晚上经常吠叫，担心咬人。"),
        ("公厕未开放", "{spot}的公共厕所{time}一直锁着，附近居民很不方便。"),
    ],
}
ELEVATOR_TRAPPED: Final = ("电梯困人", "{compound}{b}幢{u}单元电梯困人！有人被困在电梯里，请马上来救援！")

RESOLVE_NOTES: Final[dict[str, tuple[str, ...]]] = {
    "streetlight": ("已更换灯具并修复线路，路灯恢复正常照明。", "经检查为线路老化，已更换电缆，现已正常。"),
    "road_damage": ("已对破损路面进行修补，恢复通行。", "已更换松动地砖并压实。"),
    "manhole": ("已更换新井盖并加装防坠网。", "已设置警示并完成井盖复位加固。"),
    "waterlogging": ("已清理雨水口杂物，积水已排净。", "已调派排涝泵车抽排，积水消退。"),
    "water_pipe": ("已关阀抢修，更换破损管段，恢复供水。", "已完成管道修复，路面已清理。"),
    "garbage": ("已安排环卫车辆清运完毕，并对周边进行了清洗消杀。", "已清运垃圾，并对乱倒人员进行了教育。"),
    "illegal_parking": ("已对违停车辆贴单并联系车主挪车。", "已现场劝离违停车辆，并加强该路段巡查。"),
    "street_vending": (
        "已对占道摊贩劝导规范，引导进入便民疏导点经营。",
        "已依法暂扣占道物品，后续加强巡查。",
    ),
    "illegal_construction": (
        "已下达限期拆除通知书，当事人已自行拆除。",
        "已联合社区约谈当事人，违建已拆除恢复原状。",
    ),
    "noise": ("已到现场责令停止夜间施工，并告知允许施工时间。", "已对当事人进行劝导，音量已降低。"),
    "elevator": (
        "维保单位已到场维修，更换故障部件，电梯恢复运行。",
        "已解救被困人员，电梯检修完毕恢复运行。",
    ),
    "suspicious": (
        "民警已到场核查，系外来推销人员，已劝离。",
        "已调取监控核查，未发现违法情况，已加强巡逻。",
    ),
    "fire_hazard": ("已清理楼道堆放物，并对住户开展消防安全宣传。", "已拆除飞线，督促住户到集中充电点充电。"),
    "green_space": ("已修剪断枝并补种绿植。", "已恢复被毁绿地，设置提示牌。"),
    "advice": ("已答复居民，建议已转相关科室研究采纳。", "已电话回复咨询内容，居民表示满意。"),
    "other": ("已协调相关单位处理完毕。", "已安排人员现场处理，问题已解决。"),
}

# 退单: category -> (unit kind it really belongs to, the returning unit's reason).
RETURNS: Final[dict[str, tuple[str, str]]] = {
    "road_damage": ("property", "经现场查看，该路段为小区内部道路，属物业管理范围，请改派物业。"),
    "streetlight": ("property", "该路灯为小区内部照明设施，不属市政路灯，请改派物业。"),
    "garbage": ("property", "垃圾位于小区红线内，应由物业负责清运，申请退单。"),
    "illegal_parking": ("property", "车辆停在小区内部道路，不属交警管辖，请物业处理。"),
    "green_space": ("property", "该绿地为小区内部绿化，由物业负责养护，申请退单。"),
    "water_pipe": ("property", "经查为小区内部管道，属物业维修范围，请改派。"),
    "noise": ("urban_mgmt", "系建筑工地施工噪声，属城管执法范围，请改派城管。"),
    "waterlogging": ("property", "积水点位于小区内，请物业疏通。"),
    "fire_hazard": ("property", "楼道堆物属物业日常管理范围，请先由物业清理。"),
}
REROUTE_NOTE: Final = "经研判，该问题属{unit}职责，改派处理。"

# 协办: category -> the unit kind brought in to help.
CO_UNITS: Final[dict[str, str]] = {
    "waterlogging": "water",
    "water_pipe": "municipal",
    "fire_hazard": "property",
    "illegal_construction": "street_office",
    "street_vending": "sanitation",
    "noise": "urban_mgmt",
    "garbage": "urban_mgmt",
    "suspicious": "property",
    "elevator": "fire",
}
CO_UNIT_NOTES: Final = ("需要贵单位配合现场处置。", "涉及多部门职责，请协同办理。")
CO_COMMENTS: Final = ("已派员配合现场处置。", "已到场协助，相关情况已反馈主办单位。")
WORKER_COMMENTS: Final = ("已到现场核实，情况属实，已拍照取证。", "已联系反映人了解详细情况。",
                          "已在现场设置临时警示，等待部门处置。")
START_NOTES: Final = ("", "已到达现场。", "", "正在处置。")

REJECT_NOTES: Final = (
    "经网格员现场核实，反映的问题不存在。",
    "反映地点不在本街道辖区，已告知居民向属地反映。",
    "该问题已由当事人自行处理完毕，不再派单。",
    "属于民事纠纷，已引导当事人通过人民调解途径解决。",
)
DUPLICATE_NOTE: Final = "与工单 {number} 反映同一问题，合并处理。"
REOPEN_NOTES: Final = (
    "问题没有彻底解决，{time}又出现了。",
    "去现场看了，并没有处理好。",
    "处理后没两天又坏了，希望彻底解决。",
)
CLOSE_NOTES: Final = ("已电话回访，问题已解决。", "网格员复核，现场已整改到位。", "")
RATING_COMMENTS: Final[dict[int, tuple[str, ...]]] = {
    5: ("处理很及时，点赞！", "网格员和工作人员都很负责，谢谢！", "速度快，效果好。", ""),
    4: ("处理了，还算满意。", "解决了，就是等得有点久。", ""),
    3: ("一般，花了好几天。", "问题解决了，但沟通不太及时。"),
    2: ("处理太慢了。", "只是临时处理，没有根本解决。"),
    1: ("根本没有解决，很不满意。", "打了好几次电话才有人管。"),
}
