"""Red-flag rules for dispute risk: cue words per family, negation scope, facts read from text.

Rules can only raise the tier. A cue preceded (within a short window, inside the same clause)
by a negator — 没动手, 没有威胁, 不会打人, 并没有拿刀 — does not count, and neither does one
followed by a clause-final denial (刀倒是没拿, 动手是没有的).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

TIERS = ("low", "medium", "high")
TIER_RANK = {t: i for i, t in enumerate(TIERS)}

# family -> Chinese name (for reasons) and cue patterns. Longer cues first inside each family.
FAMILY_NAMES = {
    "threat": "暴力威胁",
    "weapon": "凶器",
    "self_harm": "自伤自杀",
    "injury": "伤人",
    "crowd": "群体性（十人以上）",
    "petition": "集体上访",
    "vulnerable": "弱势人员处境危险",
    "scuffle": "肢体冲突（未见伤情）",
    "confined": "限制人身自由",
    "crowd_size": "涉及人数多（未见聚集行动）",
}
# What each family raises the tier to.
FAMILY_TIER = {f: ("medium" if f in ("scuffle", "crowd_size") else "high") for f in FAMILY_NAMES}

_CUES: dict[str, tuple[str, ...]] = {
    "threat": (
        "要弄死", "弄死", "整死", "搞死", "打死", "杀了", "杀人", "杀他", "杀你", "宰了", "砍死", "砍人",
        "砍他", "砍你", "要砍", "砍了他", "砍了你", "砍了人", "捅死", "捅了", "同归于尽", "要他命", "要他的命", "要你命",
        "要你的命", "让他好看", "让你好看", "废了他", "废了你", "弄残", "打残", "放火", "烧了他", "烧他家",
        "烧了你", "点了他家", "炸了", "报复", "威胁", "恐吓", "扬言", "不放过", "不会放过", "找人收拾", "来收拾", "收拾我", "收拾你", "收拾他", "出了人命", "人命",
        "找人来打", "叫人来打", "喊人来打", "叫了人来", "拼命", "拼了", "见血", "出人命", "闹出人命",
        "血溅", "动刀子", "要打人", "要打死", "掐脖子", "卡脖子", "往死里打", "弄你", "等着瞧", "走着瞧",
        "灭了你", "灭了他", "卸你", "打断你的腿", "打断他的腿", "打断腿", "让你后悔", "不得好死",
        "吃不了兜着走", "好果子吃", "修理你", "修理他", "找人弄", "叫兄弟", "喊兄弟", "黑社会", "社会上的人",
        "纹身的", "混社会", "放火", "点火", "点了", "烧房子", "烧了房子", "鱼死网破", "一命换一命", "血债",
        "打砸", "砸店", "砸门", "砸窗户", "泼油漆", "泼红油漆", "泼粪", "绑我", "绑他", "绑架", "绑走",
        "追着打", "追着砍", "追着我打", "下毒", "投毒",
    ),
    # Physical contact without injury: a scuffle, which the design puts at medium.
    "scuffle": (
        "动手", "动了手", "推搡", "推了", "推我", "推他", "打架", "打起来", "扭打", "厮打", "撕扯", "拉扯",
        "打人", "打了", "打我", "打他", "殴打", "揍", "扇了", "耳光", "巴掌", "踹了", "踢了", "抓伤",
        "抽我", "抽他", "抽她", "掐我", "掐她", "撕打", "按在地上", "围着我", "围着他", "堵着我",
        "砸东西", "摔东西", "砸家具", "摔碗",
    ),
    "weapon": (
        "菜刀", "砍刀", "水果刀", "杀猪刀", "西瓜刀", "匕首", "刀子", "拿刀", "持刀", "提刀", "刀",
        "木棍", "铁棍", "棍子", "棍棒", "棒子", "钢管", "铁管", "铁锹", "锄头", "斧头", "斧子", "镰刀",
        "汽油", "柴油", "硫酸", "枪", "炸药", "雷管", "榔头", "锤子", "砖头", "酒瓶", "扳手", "方向盘锁",
        "电棍", "甩棍", "弩", "铁链", "铁棒", "钢筋", "皮带抽", "拐棍", "扁担", "石头砸", "板凳砸", "凳子砸",
        "刀具", "管制刀具",
    ),
    "self_harm": (
        "跳楼", "跳下去", "跳河", "跳江", "跳井", "跳水库", "投河", "卧轨", "跳湖", "跳桥", "喝农药", "喝药", "吃农药", "吃安眠药", "安眠药", "服毒",
        "吞药", "自杀", "轻生", "寻死", "寻短见", "不想活", "活不下去", "活不成", "死给", "上吊", "割腕",
        "一死了之", "以死相逼", "撞死在", "死在他家", "死在你家", "死在这", "抹脖子", "自焚", "浇汽油",
        "活着没意思", "死了算了", "不活了", "撞墙", "绝食", "敌敌畏", "百草枯", "老鼠药", "想不开",
        "寻短", "从桥上跳", "从楼上跳", "轻身", "开煤气", "烧炭", "要跳", "就跳", "往下跳", "跳下", "产后抑郁", "抑郁症", "去死", "想死", "寻死觅活", "割脉", "吞安眠药", "活着干嘛",
    ),
    "injury": (
        "打伤", "砍伤", "捅伤", "刺伤", "咬伤", "烫伤", "打破", "头破血流", "流血", "出血", "见红",
        "受伤", "受了伤", "伤得很", "打得", "骨折", "缝针", "缝了", "打晕", "昏迷", "晕过去", "重伤",
        "轻伤", "鼻青脸肿", "住院", "送医院", "进医院", "进了医院", "抢救", "急救", "打掉",
        "拳打脚踢", "暴打", "围殴", "痛打", "送到医院", "送去医院", "送进医院", "拉到医院", "送医", "就医", "ICU", "重症监护", "青一块紫一块",
        "淤青", "伤痕", "满身是伤", "浑身是伤", "身上都是伤", "是伤", "脑震荡", "晕倒", "昏倒", "中毒",
        "死了", "没救过来", "人没了", "死亡", "身亡", "猝死", "出了人命", "打断了", "伤残",
    ),
    "crowd": (
        "几十个人", "几十号人", "几十人", "几十户", "几十家", "上百人", "上百号", "好几十",
        "群体", "全村", "全组", "全小区", "全体业主", "全体村民",
        "聚集", "围堵", "堵门", "去堵", "要去堵", "堵路", "堵大门", "围攻", "聚众", "打群架", "群殴", "拉帮结伙",
        "对峙", "械斗", "一车人", "一屋子人", "叫了一帮", "叫了好多人", "叫人过来", "叫了人", "还在叫人", "摇人", "几十号", "上百号", "成百", "全厂", "全体工人", "所有业主", "一大帮人", "一大群人",
    ),
    "petition": (
        "集体上访", "上访", "信访", "拉横幅", "拉条幅", "打横幅", "挂横幅", "横幅", "去市里", "到市里",
        "去省里", "到省里", "去北京", "到北京", "进京", "去区里闹", "去政府", "到政府", "堵政府",
        "政府门口", "静坐", "找媒体", "找记者", "曝光", "条幅", "请愿", "联名", "区政府", "市政府",
        "县政府", "省政府", "镇政府门口", "去区里", "到区里", "去县里", "到县里", "去镇上闹", "讨说法去",
        "集体讨薪", "一起去闹", "抬尸", "停尸", "遗体抬", "尸体抬", "抬到医院", "摆花圈", "设灵堂", "拉横额", "上网曝光", "发抖音曝光", "网上曝光",
    ),
}

_VULNERABLE: tuple[str, ...] = (
    "我和我妈", "我们娘俩", "放学", "小学", "老人", "老太太", "老太婆", "老头", "老奶奶", "老爷爷", "老母亲", "老父亲", "老娘", "老爹", "老两口",
    "独居老人", "留守儿童", "老奶奶", "六岁", "五岁", "四岁", "三岁", "两岁", "七岁", "八岁", "几岁",
    "八十多岁", "七十多岁", "九十多岁", "八十多", "七十多", "九十多", "八十岁", "九十岁", "瘫", "小孩", "孩子", "娃", "婴儿", "宝宝", "孕妇", "怀孕", "怀着",
    "残疾", "瘫痪", "智障", "精神病", "傻子", "病人", "卧床",
)
_DANGER: tuple[str, ...] = (
    "断电", "停电", "断了电", "断水", "停水", "断了水", "制氧机", "没水喝", "没饭吃", "没吃没喝", "差点被", "被压", "被撞", "被车撞", "被锁", "锁起来", "关起来", "进不了家", "有家不能回", "没地方住", "露宿", "锁换了", "换了锁", "病了没人管", "没人送", "追着打",
    "危险", "被打", "被他打", "被她打", "被人打", "被他们打", "打了好几下", "打了几下", "挨打", "打她", "打他", "打孩子", "打老人", "毒打", "殴打", "推倒", "锁在", "关在", "赶出", "撵出", "没饭吃", "不给饭", "饿",
    "冻", "不给吃", "没人管", "没人照顾", "断水断电", "停水停电", "虐待", "流落街头", "无家可归", "摔倒", "吓坏",
    "吓得", "吓的", "要打", "病危", "不给药", "掐", "踢她", "踢他", "踢孩子", "扔出", "拖出", "困在", "出事",
)

# Cues that need a pattern rather than a word (流了好多血, 磕破了头, 打进了医院).
_CUE_PATTERNS: dict[str, tuple[str, ...]] = {
    "injury": (
        r"流了[^，。,.!！?？\s]{0,3}血", r"(满脸|满头|一身|一脸|都)是血", r"(磕|撞|砸|打|砍|划)破了?(头|脑袋|脸|皮|手)",
        r"(打|砸|砍|捅|推|踢|撞)[得的]?(进|住)了?医院", r"(?<![0-9])120(?![0-9]|块|元|多|万|千|平)",
        r"砸(了|伤|破|在)?[^，。,\s]{0,2}(头|脑袋|脸|腿|胳膊)", r"(头|脸|额头|脑袋|嘴|鼻子)(摔|磕|撞|打)?(破|裂)了",
        r"(胳膊|腿|手|肋骨|鼻梁|手指)(被)?(打|撞|踢|砸|摔)?断了", "重症", "下不了床", "救护车", "睁不开", "看不见了", "没醒", "醒不过来", "熏倒", "打瘸", "瘸了", "肿得", "缺胳膊", "断腿", r"(人|他|她|我)(现在|还|已经|都)*(躺)?在医院(里)?(躺着|抢救|没醒)?", r"推下(了)?(楼|台阶|楼梯|河|水|坡|沟)", r"人(就|都|也|当场|已经)?(就)?没了", r"(打|砍|捅|踢|推)[得的]?(站不起来|动不了|不省人事)",
    ),
    "threat": (
        r"(弄|整|搞|打|砍|捅)死(你|他|她|我|你们|他们)", r"废了(我|你|他|她)", r"(砍|捅)(了|死)?(他|她|你|我|人)(?!们?[^，。,\s]{0,4}(棵|根|树|竹|枝|林))",
        r"要(打|揍|砍|捅|弄)(我|你|他|她|人)", r"让(我|你|他|她|你们|他们|我们)(好看|后悔|等着)",
        r"(拿|拎|举|抄|挥|掏|提|抡)(着|起|出)了?[^，。,.!！?？\s]{1,5}?(砸|打|砍|捅|追|冲|要|往)",
        r"(跑到|冲进|冲到|找到|跑来|上门)[^，。,.!！?？\s]{0,6}砸", r"(来|去|到)(我|他|你|她)[^，。,.!！?？\s]{0,4}砸",
    ),
    "crowd": (
        r"(一群|一帮|一伙|一大帮|一大群|好多)人?[^，。,.!！?？\s]{0,4}?(围|堵|冲|打|砸|闹|抢|来|聚)",
        r"(两|双)(边|方)[^，。,.!！?？\s]{0,3}(好几十|几十|上百)",
    ),
    "self_harm": (
        r"(喝|吃|服)了?[点瓶些]?(农药|老鼠药|安眠药|敌敌畏|百草枯)",
        r"(躺|睡|跪)在(挖掘机|推土机|铲车|车|车轮|门口)(前|下|底下)?",
        r"(站|爬|坐|蹲)(到|在|上)了?[^，。,.!！?？\s]{0,4}(楼顶|顶楼|阳台|天台|窗台|桥上|桥边|河边|江边|水库边)(上|边上|边|外)?",
        r"爬(到|上)了?[^，。,.!！?？\s]{0,4}(塔吊|楼顶|高压塔|电线杆|桥上|屋顶|烟囱|广告牌)",
        r"(死|吊死|撞死|饿死)[在再][^，。,.!！?？\s]{0,6}(门口|家里|家门|那里|这里|跟前|面前|办公室|大院|大厅)",
    ),
}
# Semantic families added as word lists (synonyms, dialect forms, common typos); each is
# merged into its family above, and every cue also matches in traditional characters.
_FAMILY_EXTRA: dict[str, tuple[str, ...]] = {
    "threat": (
        "扎死", "戳死", "剁了", "活埋", "做掉", "开瓢", "放血", "横着出去", "出不了这个门", "断子绝孙", "毒死",
        "掐死", "淹死", "弄似", "打si", "弄si", "整si", "砍si", "一把火", "拼个你死我活", "跟他拼了", "跟你拼了",
        "灌胶水", "喷欠债还钱", "寄花圈", "P了我的遗照", "遗照", "跟踪我", "堵我孩子",
        "跟踪", "尾随", "知道我住哪", "知道你住哪", "知道我家住哪", "知道你家在哪", "放狗咬",
    ),
    "self_harm": (
        "一了百了", "活着没意思", "活着没啥意思", "活着没什么意思", "这条命不要了", "遗书", "交代后事",
        "跳搂", "不想活le", "不想huo", "轻身", "死给他看", "死给你看", "死给他们看",
        # Told sideways: searching for a way, feeling a burden, saying goodbye.
        "怎么死", "死得不痛苦", "怎么自杀", "无痛死", "是累赘", "是个累赘", "拖累你们", "拖累大家", "不想拖累", "活着是负担",
        "活着就是受罪", "没脸活", "没脸见人活", "交代后事", "把存折都给了", "跟我告别", "最后一次见",
    ),
    "injury": (
        "开了瓢", "牙印", "血印", "骨科", "摔坏了", "压断", "压掉", "眼角都是紫", "都紫了", "肿了",
        "烫了一大片", "起大泡", "起了大泡", "一片大泡", "烧伤", "绞进去", "被电打", "失明", "瞎了", "抽搐",
        "烫起了泡", "烫出了泡", "烫起泡", "起了水泡", "一大片水泡", "烧着了手", "炸伤", "电伤",
    ),
    # Power tools and farm tools swung at a person.
    "weapon": ("电锯", "油锯", "链锯", "角磨机", "射钉枪", "钉枪", "割草机", "砍柴刀", "柴刀", "开山刀"),
    "crowd": ("一帮人", "一伙人", "一群人", "社会青年", "一帮社会"),
}
# Veiled threats: no violent verb, only a warning that the speaker knows where you are and that
# something will happen ("记住你车牌了 以后出门小心点", "一个都跑不了", "你家房子可是木头的").
_VEILED: tuple[str, ...] = (
    "一个都跑不了", "一个也跑不了", "谁也跑不了", "谁都跑不了", "跑不掉的", "跑得了和尚", "你跑不掉", "他跑不掉",
    "出门小心", "出门当心", "出门注意点", "走路小心点", "走夜路小心", "走夜路当心", "睡觉警醒", "睡觉小心", "睡觉别太死",
    "晚上小心点", "晚上当心点", "小心你的", "当心你的", "小心点你", "你小心点", "你当心点", "给我小心点", "给我当心点",
    "后果自负", "别怪我不客气", "别怪我们不客气", "别怪我翻脸", "没有好下场", "没好下场", "不会有好下场", "有你受的",
    "有你好受的", "你给我等着", "给我等着", "你等着瞧", "你们等着", "看我怎么收拾", "记住你了", "记住你车牌", "记住你的车",
    "记住你家", "记住你的脸", "认得你家", "认得你的车", "知道你孩子", "知道你娃", "知道你闺女", "知道你儿子",
    "孩子在哪上学", "娃在哪上学", "孩子在哪个学校", "知道你老婆", "房子是木头", "房子可是木头", "房子是木头的",
    "别让我碰见", "别让我在路上碰见", "别让我再看见", "见你一次打一次", "迟早收拾", "早晚收拾", "不会让你安生",
    "让你家不得安宁", "不得安宁", "这事没完", "这事不算完", "咱们走着看",
    # Dares and "I know people": 你再来试试, 我认识人, 道上有人.
    "你再来试试", "再来要试试", "你试试看", "你敢来试试", "你再说一遍试试", "我认识人", "我道上有人", "道上的朋友",
    "腿给你打折", "腿打折", "打折你的腿", "打瘸你", "手给你剁了", "给你放血",
)
_FAMILY_EXTRA["threat"] = (*_FAMILY_EXTRA["threat"], *_VEILED)
_CUE_PATTERNS_EXTRA: dict[str, tuple[str, ...]] = {
    "threat": (
        r"(把|将)?(我|你|他|她|俺)(们|全家|一起)?(一起|一块)?(给)?埋了", r"(就|下回|下次|下一个)(就)?轮到(我|你|他|她|俺)",
        r"不让(我|你|他|她|俺)(们|家)?好过", r"卸(我|你|他|她)?[^，。,\s]{0,2}(腿|胳膊)", r"就不是[^，。,\s]{1,4}了",
        # Something swung or thrown at a person: 把电锯朝我这边抡, 往他身上扔.
        r"(朝|冲|往|对着)(我|他|她|俺|人|我们|他们)(?![家院店车门窗屋地田墙])[^，。,\s]{0,4}(抡|挥|砸|捅|扎|砍|扔|泼|撞|开过来)",
        r"(腿|胳膊|手)(给|把)?(你|他|她)?(打|撅|掰)(折|断)",
    ),
    "weapon": (
        r"(拿|拎|举|抄|抡|挥|掏|提|攥|操|握|扛)(着|起|出|了)?(一把|把|一根|根|个|块|半块)?(剪刀|剪子|铁锨|镐头|粪叉|钢叉|擀面杖|秤砣|改锥|螺丝刀|撬棍|啤酒瓶|酒瓶子|弹弓|棒球棍|石头|板凳|椅子)",
        r"(剪刀|剪子|铁锨|镐头|粪叉|擀面杖|秤砣|改锥|螺丝刀|撬棍|石头|板凳)[^，。,\s]{0,4}(砸|打|捅|扎|划|戳|抡|比划|追|扔)",
    ),
    "injury": (
        r"缝了?[0-9一二三四五六七八九十几]+针", r"(腿|胳膊|手|肋骨|骨头|手指头?|牙|腰)(被)?[^，。,\s没不未]{0,3}断了?",
        r"被[^，。,\s]{0,5}咬(了|伤|破)", r"(抬|站|坐|爬)不起来", r"(躺|瘫)[在]?床上动不了", r"(晕|昏)(了|过去|倒)",
        r"起了?(一)?个?大?包", r"脸上都是(雪|学|血)", r"流了一地(雪|学|血)",
        r"(送|拉|抬|背)(去|到|进)了?[^，。,\s]{0,4}医院", r"眼睛[^，。,\s没不]{0,3}(看不见|瞎)",
    ),
    "crowd": (r"(家里|家族|亲戚)[^，。,\s]{0,4}(来了|叫了|喊了)[^，。,\s]{0,3}(一车|一帮|一群|好多|十几|几十)",),
    "self_harm": (r"(站|坐|蹲|躺|待)在(江堤|河堤|堤坝|大桥|桥)上", r"(从|往)[^，。,\s]{0,6}(窗户|楼上|屋顶|房顶)[^，。,\s]{0,2}跳"),
}
# Round 5: general causes behind blind14's misses (not its sentences).
_ROUND5_CUES: dict[str, tuple[str, ...]] = {
    # A person kept from leaving: locked in, phone taken, not let out.
    "confined": ("非法拘禁", "限制人身自由", "限制我人身自由", "囚禁", "软禁", "扣着人不放", "不放人", "扣人"),
    # Threats told as "you won't get out / don't even think of …"; doxxing.
    "threat": ("开盒", "被人肉", "人肉我", "人肉搜索", "人肉了"),
    "injury": ("骨裂", "尾椎骨", "颅内出血", "砸伤", "全是血", "缝合"),
    "self_harm": ("抱着农药", "攥着农药", "拿着农药瓶", "举着农药瓶", "抱着药瓶"),
    "vulnerable": (),
}
_ROUND5_PATTERNS: dict[str, tuple[str, ...]] = {
    "confined": (
        r"(把|将)(我|他|她|俺|娃|孩子|小孩|人|老人|保姆|我们|他们|她们|我爸|我妈|老爸|老妈|老人家)[^，。,.!！?？\s]{0,3}(反锁|锁|关|堵)(在|进)?[^，。,.!！?？\s]{0,5}(里|屋|房|间|家)",
        r"(我|他|她|俺|娃|孩子|小孩|人|老人)(被)(反锁|锁|关|堵)(在|进)[^，。,.!！?？\s]{0,5}(里|屋|房|间|家)",
        # "不让出去" alone is often a car at a barrier; a person must be named for 出去/出来.
        r"不(让|许|准)(我|他|她|俺|人|我们|他们|她们)(出门|离开|出来|出去|回家)(?!费|证|口)",
        r"不(让|许|准)(我|他|她|俺|我们|他们|她们)走(?=$|[，。,.!！?？\s]|了)",
        r"(?<!学校|老师|校长|班主)(收了|扣了|抢了|拿走了?|没收了?|夺了)(我|他|她|俺)的?手机",
        r"(?<!学校|老师|校长|班主)(把|将)(我|他|她|俺)的?[^，。,.!！?？\s]{0,5}手机[^，。,.!！?？\s]{0,2}(收|扣|抢|拿走|没收|夺)",
    ),
    # Left alone for days with no one tending (an old or sick person, a child).
    "vulnerable": (
        r"[两三四五六七八九几好]+天(了)?(都|也)?(无人|没人|没有人)(探望|照顾|照看|送饭|来看|去看)",
    ),
    "threat": (
        r"别想(活着|走出|走|出|离开|踏出|好好|安生|好过|囫囵)", r"(这辈子|永远|一辈子)(都)?别想再?见(到)?(她|他|孩子|娃|闺女|儿子)",
        r"(路上|出门|晚上|夜里)[^，。,.!！?？\s]{0,3}(可得|可要|最好|千万)(多)?注意(点)?安全",
        r"(走|出)不(出|了)(这个|这道|这|今天这个|我家|你家)(门|村|院|屋|小区|楼)",
        r"(住址|家庭住址|住哪|身份证号?)[^，。,.!！?？\s]{0,6}(挂|发|贴|曝|公布)(到|在|上)?了?[^，。,.!！?？\s]{0,3}(网上|网|抖音)",
    ),
    "crowd": (
        r"(集合|约好|约了|组织|号召|召集|大伙|大家伙|全体|一起|一块儿?)[^，。,.!！?？]{0,12}(去|到|把)[^，。,.!！?？]{0,10}(围了|围住|围起来|包围|围堵|堵了|堵住|堵上|砸了)",
        r"(今晚|今天晚上|明天|明早|晚上|下午|中午)[^，。,.!！?？\s]{0,8}集合[^，。,.!！?？]{0,12}(去|到)",
    ),
    "injury": (
        r"(头|额头|脑袋|脸|嘴)[^，。,.!！?？\s]{0,6}(破了|出血了|流血了|开了口子)", r"(拉|送|抬)(到)?医院",
        r"疼[得的](起不来|站不起来|直不起|动不了)", r"卡在(驾驶室|车里|车底|车下|机器里)",
    ),
}
# A vulnerable person (pregnant, a child, someone old or ill) in acute distress or deprived of
# water, power, food, heat or medicine; someone shut in a lift.
_ROUND5_VULN = (
    "老太", "老汉", "老爷子", "老人家", "大肚子", "有身孕", "高血压", "心脏病", "糖尿病", "心梗", "脑梗", "哮喘",
    "身体不好", "有病", "生病", "残疾人",
)
_ROUND5_DANGER = (
    "没水没电", "没水也没电", "水电都断", "水电全断", "水电被断", "水电给断", "水电都停", "断了水电", "停了水电",
    "无人探望", "没人探望", "没人来看", "没人去看", "没人过问", "三天没人", "几天没人", "好几天没人",
    "药都吃完", "药吃完了", "没药了", "没药吃", "断药", "没暖气", "暖气停", "暖气断", "不给暖气", "挨饿", "饿着",
    "饿了", "冻着", "没给饭", "不给饭", "没给吃的", "肚子疼", "肚子痛", "肚子疼得", "疼得厉害", "痛得厉害",
    "困在电梯", "卡在电梯", "关在电梯", "电梯里出不来", "被困", "呼吸急", "呼吸有点急", "呼吸急促", "喘得厉害",
    "推了她一把", "推了她", "扔楼下", "吐了两", "吐了好几", "血铅", "扔到楼下", "不知道去哪", "没地方去",
    "哭到现在", "一直哭", "哭了一下午", "哭了一上午", "哭了一晚上", "哭哑了", "敲门没人应", "锁屋里", "锁家里",
)
_VULN_AGE = r"(?<![0-9])[6-9][0-9]岁|(?<![0-9])1[0-1][0-9]岁|[六七八九]十[一二三四五六七八九]?岁"

for _fam, _extra in _ROUND5_CUES.items():
    _FAMILY_EXTRA[_fam] = (*_FAMILY_EXTRA.get(_fam, ()), *_extra)
for _fam, _pats in _ROUND5_PATTERNS.items():
    _CUE_PATTERNS_EXTRA[_fam] = (*_CUE_PATTERNS_EXTRA.get(_fam, ()), *_pats)
_VULNERABLE = (*_VULNERABLE, *_ROUND5_VULN)

# Acute danger described through what is seen (a child who cannot breathe, hungry for days, out in the frost).
_DANGER_SYMPTOMS = (
    "喘不上气", "上不来气", "喘不过气", "呼吸困难", "急诊", "高烧", "烧到四十", "发烧到", "抽风", "口吐白沫", "吐白沫",
    "嘴唇发紫", "脸都紫了", "脱水", "饿得", "饿了好几天", "没吃东西", "一个人在家", "一个人在屋",
    "零下", "冻了一夜", "坐了一宿", "在外面过夜", "楼道里过夜", "楼道里坐", "没人照看", "没大人", "叫不醒", "昏睡",
    "吐血", "便血", "烧得说胡话", "浑身发抖", "直打哆嗦", "掉进河", "掉河里", "掉进水", "掉水里", "掉进井", "掉进塘",
    "落水", "溺水", "走丢",
)
_DANGER_EXTRA: tuple[str, ...] = (*_DANGER_SYMPTOMS, *_ROUND5_DANGER, "被狗追", "被大狗", "冲出来追", "咬破", "没地方住", "锁在门外", "睡大街", "睡在大街", "掐了电", "电给掐了", "把电掐了", "没电", "摸黑", "冻得", "犯了病", "直哆嗦", "撵", "差点砸到", "差点被砸", "冻病")

# Round 6: general causes behind blind15/16's misses, and their neighbours nobody has written yet.
_ROUND6_CUES: dict[str, tuple[str, ...]] = {
    "threat": (
        # "I know people" said of the other side; all-or-nothing vows (拼了, 一命抵一命, 豁出去).
        "他认识人", "她认识人", "对方认识人", "他说他认识人", "认识道上的", "认识社会上的", "道上有人", "社会上有人",
        "一命抵一命", "一命偿一命", "大不了一起死", "大不了同归于尽", "大不了都别活", "谁也别想好过", "都别想好过",
        "豁出这条命", "豁出命", "这条命不要了也要", "拼个鱼死网破", "跟他们拼了", "跟他拼命", "跟你拼命",
        "囫囵回去", "囫囵着回去", "全须全尾", "竖着进来横着出去", "横着出去",
        "给他点颜色", "给你点颜色", "给他们点颜色", "让你家鸡犬不宁", "让他家鸡犬不宁", "让他偿命", "让你偿命", "拿命来赔", "拿命来抵",
        "看好你家孩子", "看好你孩子", "看好你家娃", "柴火垛挺干", "草垛挺干", "一点就着",
    ),
    # Self-harm hinted at by settling affairs and giving things away.
    "self_harm": (
        "东西都送人了", "把东西都分了", "把东西都送人", "挨个打电话道别", "跟大家道别", "跟我们道别", "孩子就拜托你了",
        "以后就拜托你们了", "以后孩子拜托", "把后事交代", "银行卡密码都告诉", "把存折交给",
        "去陪我老伴", "下去陪他", "下去陪她", "想随他去", "想随她去",
    ),
    # Serious harm from treatment: something left inside, the wrong part cut, a vegetative state.
    "injury": ("植物人", "截肢", "截了肢", "切错了", "摘错了", "截错了", "留在肚子里", "落在肚子里", "忘在肚子里", "遗留在体内", "留在体内"),
}
_ROUND6_PATTERNS: dict[str, tuple[str, ...]] = {
    "threat": (
        # Dares: 你再来一趟试试, 你敢动我一下试试, 有种你再说一句试试.
        r"(你|你们|谁|有种)(要是|要|再|敢|还敢)+[^，。,.!！?？\s]{0,6}试试",
        # "see if you still get home in one piece".
        r"(还|还能|能)不能[^，。,.!！?？\s]{0,3}(囫囵|活着|站着|竖着|完整|全须全尾|好好)[^，。,.!！?？\s]{0,2}(回去|出去|离开|走|回家)",
        # Driven out of a place (not a trade: 在这一行混不下去 is a boss's bluster): 让我在这片混不下去.
        r"(让|叫)(我|你|他|她|俺)(们|家|全家)?在(这片|这一片|这一带|这块|村里|这村|镇上|这儿|这里|本地|这地方)[^，。,.!！?？\s]{0,2}(待|呆|混|活)不下去",
    ),
    # Kept in by a husband or an employer, told in the passive: 我姐被她老公锁家里, 手机也收了.
    "confined": (
        r"(我|他|她|俺|娃|孩子|小孩|人|老人|姐|妹|妈|爸|嫂|媳妇|老婆|闺女|儿子|女儿|保姆)被[^，。,.!！?？\s]{0,5}(反锁|锁|关|囚禁|软禁)(在|进)?[^，。,.!！?？\s]{0,3}(家|屋|房|里|间)",
        r"(锁|关|不让走|不让出门|扣着)[^。!！?？]{0,14}手机(也|都|还|给)?(被)?[^，。,\s]{0,3}(收|扣|抢|拿走|没收)",
    ),
    # A gathering called in a group chat: 群里接龙明早八点厂门口见, 业主群里喊大家今晚都去.
    "crowd": (
        r"(群里|业主群|微信群|工友群|家长群|村民群|老乡群)[^，。,.!！?？]{0,12}(接龙|约好|约了|号召|喊大家|叫大家|通知大家|发动)[^，。,.!！?？]{0,14}(去|到|集合|门口见|碰头|会合)",
    ),
    "weapon": (
        # Any stick, tool or blade held and swung: 拎根烧火棍出来抡着骂, 抄起晾衣杆就打.
        r"(拿|拎|举|抄|提|攥|握|扛|操|抓)(着|起|了|出)?(一)?(根|把|条|个)?[^，。,.!！?？\s]{0,3}(棍|棒|杖|杆|锹|锨|镐|斧|锤|叉|钎|刀)[^，。,.!！?？\s]{0,4}(抡|挥|砸|追|冲|比划|砍|打人|打我|打他)",
        r"抡(起|着|了)[^，。,.!！?？\s]{0,4}(棍|棒|杖|杆|锹|锨|镐|斧|锤|叉|凳|椅|砖|瓶)",
    ),
    "injury": (
        r"(成了|变成了?|导致|造成|落下了?|搞成了?|弄成了?)(终身)?(脑瘫|植物人|残疾|瘫痪|偏瘫|失明|截瘫)",
        r"(纱布|器械|钳子|剪刀|针头|棉球|棉花|引流管|止血钳|手术刀|针)[^，。,.!！?？\s]{0,4}(落|留|忘|遗留|缝)(在|进)?了?[^，。,.!！?？\s]{0,3}(肚子|体内|身体|腹腔|肚里|伤口)",
    ),
}
for _fam, _extra in _ROUND6_CUES.items():
    _FAMILY_EXTRA[_fam] = (*_FAMILY_EXTRA.get(_fam, ()), *_extra)
for _fam, _pats in _ROUND6_PATTERNS.items():
    _CUE_PATTERNS_EXTRA[_fam] = (*_CUE_PATTERNS_EXTRA.get(_fam, ()), *_pats)
# People living rough, in the cold (a homeless man in one thin coat as the temperature drops).
_VULNERABLE = (*_VULNERABLE, "流浪汉", "流浪的", "拾荒", "捡破烂的", "乞讨", "要饭的", "露宿的", "独居", "孤寡", "五保户", "空巢")
_DANGER_EXTRA = (
    *_DANGER_EXTRA, "单衣", "衣服单薄", "穿得单薄", "穿得很少", "没穿棉", "没有棉衣", "没棉衣", "没被子", "没有被子",
    "降温", "寒潮", "大雪天", "下大雪", "下雪天", "睡在外面", "睡桥洞", "桥洞里", "睡在路边", "冻坏",
    # A child or elder harmed by what they were exposed to (polluted water, fumes, a bad meal).
    # (A rash after an injection is a complaint: 起疹子 alone is not danger.)
    "皮肤溃烂", "身上溃烂", "烂了一片皮", "拉得脱水", "铅超标", "中了毒",
    # Someone living alone not seen for days: 敲门不应, 屋里有股怪味.
    "敲门不应", "敲门没反应", "敲门没人开", "叫不应", "喊不醒", "好几天没出门", "好几天没见人", "好几天没见着", "屋里有股怪味", "屋里有怪味",
)

_T2S_PAIRS = "殺杀傷伤農农藥药樓楼醫医院院兇凶槍枪燒烧綁绑嚇吓棄弃墜坠車车頭头腦脑斷断骨骨針针縫缝醒醒報报復复滅灭廢废髮发鬧闹橫横幅幅訪访眾众圍围聚聚門门"


def _traditional(cue: str) -> str:
    table = {s2: t for t, s2 in zip(_T2S_PAIRS[0::2], _T2S_PAIRS[1::2], strict=True) if t != s2}
    return "".join(table.get(ch, ch) for ch in cue)


for _fam, _extra in _FAMILY_EXTRA.items():
    _CUES[_fam] = (*_CUES.get(_fam, ()), *_extra)
for _fam, _pats in _CUE_PATTERNS_EXTRA.items():
    _CUE_PATTERNS[_fam] = (*_CUE_PATTERNS.get(_fam, ()), *_pats)
for _fam, _cues in list(_CUES.items()):
    _CUES[_fam] = (*_cues, *sorted({_traditional(c) for c in _cues} - set(_cues)))
_DANGER = (*_DANGER, *_DANGER_EXTRA)

_FAMILY_PATTERNS: dict[str, re.Pattern[str]] = {
    fam: re.compile(
        "|".join([*_CUE_PATTERNS.get(fam, ()), *(re.escape(c) for c in sorted(cues, key=len, reverse=True))])
    )
    for fam, cues in _CUES.items()
}
_VULN_RE = re.compile("|".join([_VULN_AGE, *(re.escape(c) for c in sorted(_VULNERABLE, key=len, reverse=True))]))
_DANGER_RE = re.compile("|".join(re.escape(c) for c in sorted(_DANGER, key=len, reverse=True)))

# A cue inside these words is not a red flag (surgery, a knife in a shop, a past petition office …).
_FALSE_CONTEXTS = (
    "开刀", "刀口", "手术刀", "刀疤", "动了刀", "刀削面", "枪手",
    "打了电话", "打了个电话", "打了几次电话", "打了好几次电话", "打了12345", "打了110", "打了官司",
    "打了欠条", "打了借条", "打了收条", "打了条子", "打了招呼", "打了卡", "打了折", "打了水漂",
    "打了疫苗", "打了针", "打了一针", "打了两针", "打了几针", "打针", "打了吊瓶", "打了石膏", "打了点滴", "打了报告", "打了款", "打了钱", "打我电话", "打他电话",
    "打我手机", "打他手机", "揍性", "伤了感情", "伤了和气", "伤心", "伤透", "群体性", "拼命干活", "想死你", "忙得想死", "笑得要死", "作废", "报废", "有没人管", "有没有人管", "有没有人", "打了好几个电话", "没聚集",
    "吵死了", "烦死了", "气死了", "累死了", "热死了", "冷死了", "臭死了", "笑死了", "急死了", "困死了", "忙死了",
    "难受死了", "熏死了", "吓死了", "疼死了", "闷死了", "馋死了", "晒死了", "渴死了", "去世后", "去世以后",
    "死了以后", "死了之后", "死了后", "鸡死了", "鱼死了", "猪死了", "树死了", "庄稼死了", "苗死了", "死光了",
    "菜死了", "羊死了", "牛死了", "鸭死了", "狗死了", "猫死了", "死了一大片", "死了一大半", "死了一半",
    "砸了锅", "点了外卖", "点了菜", "点了个", "点了头", "点了名",
    "开门杀", "开了一刀", "开一刀", "刀把", "刀刃", "刃口", "刀具套装", "一刀切",
    "拼命工作", "拼了命干", "流血流汗", "出血本", "住院费", "住院部", "报复性", "打了几个电话",
    # Round 6: a petition signed and handed in is no protest; a hospital bill is no injury.
    "联名投诉", "联名举报", "签了联名信", "联名信递", "联名信交", "联名写了", "联名写信",
    "住院结算", "住院押金", "住院报销", "住院发票", "住院清单", "住院病历", "住院手续", "住院证明", "住院医保", "住院账单",
)

_NEGATORS = re.compile(r"(并没有|并没|从来没有|从来没|从没有|从没|从未|没有|没再|没|未曾|未|不会|不敢|不曾|不至于|绝不|毫无|无|别|不要|不)")
# Words that start like a negator but do not negate what follows.
_NOT_NEGATORS = re.compile(
    r"(受不了|忍不了|不了|没想到|没料到|没办法|没法|没完没了|没日没夜|没人管|没钱|不料|不仅|不但|不光|不停|不断|不少|不管|"
    r"不顾|不得不|不然|要不是|不行|不服|不给|不还|不让|不肯|不理|不讲理|不讲道理|不依不饶|不听|"
    r"不同意|不满|不对|不知道|不清楚|不到|不住|不起|不过|不是说|无缘无故|无理|无赖|无奈|不在家|不在|不再家)"
)
# Clause boundaries: punctuation, spaces and turning words end a negator's scope.
_BOUNDARY = re.compile(r"[，,。．.!！?？;；:：、\s~～…]|但是|但|可是|不过|结果|后来|然后|却|而且|还说|又说|就")
_SCOPE_BREAKERS = re.compile(r"就|才|便|否则|要是|如果|还要|还说|又")
# A one-character negator (不, 没) binds to the next word; it reaches further only through these
# (没跟他动手, 没说要去上访, 没真的打) — "不拆对方说要打死我" is not a denial of 打死.
_NEW_SUBJECT = ("我", "你", "他", "她", "俺", "咱", "对方", "人家", "老板", "孩子")
_SHORT_REACH = ("什么", "啥", "人员", "任何", "多大", "说", "对", "跟", "和", "向", "把", "被", "去", "敢", "真", "再", "有", "让", "拿", "带", "受", "给", "想", "要", "打算", "准备", "至于")
_NEG_WINDOW = 4
_POST_DENIAL = re.compile(r"^(倒是|倒|也|都|是|还|可|那倒)?(并没有|并没|没有|没|未|不)[拿动打带有伤过]?(过|的|了|啦|呢)?$")
# In unpunctuated text the clause runs on: "刀倒是没拿求解决". A denial verb right after the cue still counts.
_POST_DENIAL_PREFIX = re.compile(r"^(倒是|倒|也|都|是|还|可|那倒)?(并没有|并没|没有|没)(拿|动|带|用|掏|伤|打|出)")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}

_NUM = r"[0-9.]+|[零〇一二两俩三四五六七八九十百千万亿]+"
_MONEY_RE = re.compile(
    rf"({_NUM})\s*(多|来|几)?\s*(万|千|百|w|W|k|K)?\s*(多|来|几)?\s*(块钱|块|元|rmb|RMB|钱)"
    rf"|({_NUM})\s*(多|来|几)?\s*(万|千)(多|来)?(?![人户家名个])"
)
_PEOPLE_RE = re.compile(
    rf"({_NUM}|几十|十几|二十几|三十几|好几十|上百)\s*(多|来|几|余)?\s*(个|号|户|名|位|家)?\s*"
    r"(人|村民|工人|业主|住户|农民工|居民|家长|老人|群众|员工|户|亲戚|家属|兄弟|乡亲|学生|保安|小伙子|老乡|社员|摊贩|商户|司机)"
)


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), collapse whitespace; case kept (rules do not care)."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", text).strip()


def cn_number(s: str) -> Decimal | None:
    """'3' '2.5' '三' '十二' '三千五' '两万' → value; None if unreadable."""
    s = s.strip()
    if not s:
        return None
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", s):
        return Decimal(s)
    total = Decimal(0)
    section = Decimal(0)
    digit: int | None = None
    last_unit = 1
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit >= 10_000:
                section = (section + (digit or 0)) * unit
                total += section
                section = Decimal(0)
            else:
                section += (1 if digit is None else digit) * unit
            last_unit = unit
            digit = None
        else:
            return None
    if digit is not None:
        # 三千五 = 3500: a trailing digit counts in the unit below the last one.
        section += digit * (last_unit // 10 if last_unit >= 100 and last_unit < 10_000 else 1)
    return total + section


_CN_OR_DIGIT = {**{str(i): i for i in range(10)}, **_CN_DIGITS}
_WAN_TAIL = re.compile(r"([0-9]+|[一二两三四五六七八九十]+)万([0-9一二两三四五六七八九])千?(?![0-9百十])")
_SCALE = {"万": 10_000, "w": 10_000, "W": 10_000, "千": 1000, "k": 1000, "K": 1000, "百": 100}


def money_in_text(text: str) -> Decimal | None:
    """The largest sum of money the text mentions (元), e.g. '欠了我三万多块' → 30000."""
    best: Decimal | None = None
    # 2万5 / 两万五 = 25000: fold the trailing digit into the number before matching.
    text = _WAN_TAIL.sub(lambda m: str(int((cn_number(m.group(1)) or 0) * 10_000 + _CN_OR_DIGIT[m.group(2)] * 1000)) + "元", text)
    for m in _MONEY_RE.finditer(text):
        num = m.group(1) or m.group(6)
        scale = m.group(3) or m.group(8)
        value = cn_number(num)
        if value is None:
            continue
        if scale:
            value *= _SCALE[scale]
        if best is None or value > best:
            best = value
    return best


def people_in_text(text: str) -> int | None:
    """The largest head count the text mentions ('十几个工人' → 10, '二十多户' → 20)."""
    best: int | None = None
    for m in _PEOPLE_RE.finditer(text):
        raw = m.group(1)
        if raw in ("几十", "好几十"):
            n = 20
        elif raw == "十几":
            n = 10
        elif raw == "上百":
            n = 100
        elif raw.endswith("几"):
            base = cn_number(raw[:-1])
            n = int(base) if base is not None else 0
        else:
            value = cn_number(raw)
            if value is None:
                continue
            n = int(value)
        if best is None or n > best:
            best = n
    return best


@dataclass(frozen=True)
class Flag:
    family: str
    cue: str
    start: int
    end: int
    negated: bool
    negator: str = ""


def _clause_span(text: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for b in _BOUNDARY.finditer(text, 0, start):
        left = b.end()
    nxt = _BOUNDARY.search(text, end)
    right = nxt.start() if nxt else len(text)
    return left, right


_SENTENCE_END = re.compile(r"[。．.!！?？;；\n]")
_VULN_REACH = 24


def _sentence_window(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max(0, start - _VULN_REACH)
    for b in _SENTENCE_END.finditer(text, lo, start):
        lo = b.end()
    hi = min(len(text), end + _VULN_REACH)
    nxt = _SENTENCE_END.search(text, end, hi)
    return lo, (nxt.start() if nxt else hi)


def _negator_before(text: str, start: int, clause_start: int, *, tight: bool = False) -> str:
    """The negator governing the cue at `start`, or '' if none is in scope."""
    lo = max(clause_start, start - _NEG_WINDOW - 4)
    window = text[lo:start]
    found = ""
    for m in _NEGATORS.finditer(window):
        abs_start = lo + m.start()
        # Not a negation: a longer non-negating word starts here (没想到, 不停, 不给钱就…).
        if _NOT_NEGATORS.match(text, abs_start):
            continue
        gap = text[lo + m.end():start]
        if len(gap) > _NEG_WINDOW or _SCOPE_BREAKERS.search(gap):
            continue
        if len(m.group(0)) == 1 and len(gap) > 1 and not gap.startswith(_SHORT_REACH):
            continue
        # Head counts: only a negator right before the number denies it ("没有几十个人");
        # "他不修几十个人堵在门口" is about 修.
        if tight and gap:
            continue
        # "补偿都没有我弟喝了农药": in run-on text a new subject after the negator starts a new clause.
        if gap.startswith(_NEW_SUBJECT):
            continue
        # A-not-A question (会不会打起来) is a worry, not a denial.
        if m.group(0).startswith("不") and 0 < abs_start < len(text) - 1 and text[abs_start - 1] == text[abs_start + 1]:
            continue
        found = m.group(0)
    return found


def _denied_after(text: str, end: int, clause_end: int) -> bool:
    rest = text[end:clause_end]
    return bool(_POST_DENIAL.match(rest) or _POST_DENIAL_PREFIX.match(rest))


_FALSE_RE = re.compile(
    r"(庄稼|苗|树|鱼|鸡|鸭|鹅|猪|牛|羊|菜|花|草|蜂|虾|蟹|禽|畜|狗|猫|宠物|鸟|兔)[^，。,\s人]{0,8}死"
    # 打 … 针 is an injection unless a stitch (缝) stands between: "打得缝了七针" is an injury.
    r"|打了?(?:(?!缝)[^，。,\s]){0,4}(电话|官司|欠条|借条|收条|招呼|针|疫苗|点滴|报告|款|卡|水漂|游戏|麻将|牌|零工|听)"
    # A knife as merchandise (买的菜刀质量差), not as a weapon.
    r"|(买|卖|网购|换|退|定做|订)[^，。,\s]{0,6}(刀具|刀)|(刀具|刀)[^，。,\s]{0,6}(质量|退货|换货|不给换|不给退|坏了|断了|生锈|有缺)"
    # A trip to the county or city for an errand is not a petition.
    r"|(去|到)(县|市|省|区|镇)(里|上)(旅游|玩|看病|住院|开会|办事|上班|打工|读书|上学|买|培训|参观|体检)"
    # Round 6: crops and plants die too (玉米淹死一片); knives and tools lent, sold, laid out on a stall or used in the kitchen.
    r"|(玉米|稻|麦|秧|棉花|果树|果苗|瓜|豆|作物|林子|竹子|花生|蚕|蜜蜂|苗木|蔬菜|葡萄|茶树|烟叶|秧苗|韭菜)[^，。,\s人]{0,6}死"
    r"|(借|还回|还给|磨|摆|批发|卖)[^，。,\s]{0,6}(菜刀|剪刀|剪子|扳手|锤子|锄头|铁锹|斧头|刀具|刀)"
    r"|(刀具|刀|剪子|剪刀|扳手|锤子|锄头|铁锹)[^，。,\s]{0,4}(一排排|一排|摆着|摆了|挂着|陈列|剁排骨|剁肉|切菜|切肉|做饭|卷刃|卷了)"
)


def _in_false_context(text: str, start: int, end: int) -> bool:
    """True if a harmless word (开刀, 打了电话 …) overlaps the cue."""
    for fm in _FALSE_RE.finditer(text, max(0, start - 8), min(len(text), end + 8)):
        if fm.start() < end and fm.end() > start:
            return True
    for ctx in _FALSE_CONTEXTS:
        idx = text.find(ctx, max(0, start - len(ctx) + 1), end + len(ctx) - 1)
        while idx != -1 and idx < end:
            if idx + len(ctx) > start:
                return True
            idx = text.find(ctx, idx + 1, end + len(ctx) - 1)
    return False


_RESOLVED = re.compile(
    r"(后来|已经|已|现在|最后)[^，。,.!！?？]{0,8}(找回来|找到了|找着了|送回来|送回家|接回|救出来|救下来|平安|没事了|脱险|没大碍|出院了)"
)


def find_flags(text: str) -> list[Flag]:
    """Every red-flag cue in `text` (already normalized), each marked negated or not."""
    flags: list[Flag] = []
    for family, pattern in _FAMILY_PATTERNS.items():
        for m in pattern.finditer(text):
            if _in_false_context(text, m.start(), m.end()):
                continue
            cl, cr = _clause_span(text, m.start(), m.end())
            neg = _negator_before(text, m.start(), cl, tight=family == "crowd")
            denied = not neg and _denied_after(text, m.end(), cr)
            flags.append(Flag(family, m.group(0), m.start(), m.end(), bool(neg) or denied, neg or ("后置否定" if denied else "")))
    # Vulnerable person in danger: both inside one clause, the danger not negated.
    for m in _VULN_RE.finditer(text):
        # Same sentence, within a few words either way: "我公公八十多了 瘫在床上 被锁在屋里".
        lo, hi = _sentence_window(text, m.start(), m.end())
        for d in _DANGER_RE.finditer(text, lo, hi):
            if _in_false_context(text, d.start(), d.end()) or (d.start() < m.end() and d.end() > m.start()):
                continue
            neg = _negator_before(text, d.start(), _clause_span(text, d.start(), d.end())[0])
            if not neg and _RESOLVED.search(text, d.end(), min(len(text), hi + 16)):
                # Told as over: 走丢的老太太后来找回来了, 被困的孩子已经救出来了.
                neg = "后置否定"
            a, b = min(m.start(), d.start()), max(m.end(), d.end())
            flags.append(Flag("vulnerable", f"{m.group(0)}…{d.group(0)}", a, b, bool(neg), neg))
            if not neg:
                break
    # Head counts written as numbers: 十几个工人, 30多户 → the crowd family.
    for m in _PEOPLE_RE.finditer(text):
        n = people_in_text(m.group(0))
        if n is not None and n >= 10:
            cl, _cr = _clause_span(text, m.start(), m.end())
            neg = _negator_before(text, m.start(), cl, tight=True)
            flags.append(Flag("crowd", m.group(0), m.start(), m.end(), bool(neg), neg))
    flags = [_crowd_size(text, f) if f.family == "crowd" else f for f in flags]
    flags = [f for f in flags if not (f.family == "weapon" and _tool_at_work(text, f))]
    flags.sort(key=lambda f: (f.start, f.family))
    return flags


# Round 6: many people *affected* (几十个工人被欠薪, 维权群里两百多人, 几十户签了联名信) is a
# medium case; a crowd becomes a red flag when it acts together — gathers, blocks, surrounds, is
# on its way somewhere (约好明天去管委会) — not when it goes through legal channels.
_CROWD_COUNT_CUES = frozenset({
    "几十个人", "几十号人", "几十人", "几十户", "几十家", "上百人", "上百号", "好几十", "几十号", "成百",
    "全村", "全组", "全小区", "全体业主", "全体村民", "全厂", "全体工人", "所有业主", "一伙人", "一群人",
})
_CROWD_ACT = re.compile(
    r"堵|围|去闹|来闹|在闹|闹事|大闹|闹到|冲进|冲到|冲过来|砸|抢|拦|对峙|静坐|坐着不走|坐着要|坐在[^，。]{0,6}(门口|大厅|办公室|售楼处|项目部)|"
    r"蹲着|蹲在|守着|守在|躺在|跪|横幅|条幅|上访|信访|讨说法|要说法|讨个说法|要个说法|要工资|讨薪|讨工资|讨钱|要钱|退钱|不走|不让走|"
    r"不让[^，。]{0,4}(进|出)|约好|约了|商量好|说好了|集合|一起去|一块去|一块儿|都去|准备去|要去|明天去|明早|今天去|今晚|"
    r"去(他|她|老板|公司|厂|项目部|工地|政府|镇|县|区|市|省|教育局|管委会|住建|信访|医院|村委)|"
    r"打群架|打起来|家伙|抄着|扛着|举着|花圈|扔石头|来了|上门|门口|转悠|械斗|口号|推倒|叫了|喊了|摇了|召集|挖断|封路|拔了"
)
# Onlookers and pastimes: 一群人在旁边看热闹, 十几个老头围着看下棋, 几十个人在跳广场舞.
_ONLOOKERS = re.compile(r"[^，。,.!！?？]{0,6}(看热闹|围观|在旁边看|看下棋|下棋|打牌|跳舞|广场舞|排队|开会|吃饭|喝喜酒|看戏|听戏|签名)")
_CROWD_REACH = 16
_LEGAL = re.compile(r"仲裁|法院|起诉|律师|投诉|举报|咨询|登记|12345|热线|网上|调解")


def _crowd_size(text: str, f: Flag) -> Flag:
    """A head count without collective action is a medium-tier fact, not a red flag."""
    if f.negated or not (f.cue in _CROWD_COUNT_CUES or _PEOPLE_RE.fullmatch(f.cue)):
        return f
    if _ONLOOKERS.match(text, f.end):
        return Flag("crowd_size", f.cue, f.start, f.end, False, "")
    lo, hi = _sentence_window(text, f.start, f.end)
    for m in _CROWD_ACT.finditer(text, max(lo, f.start - _CROWD_REACH), hi):
        if f.start <= m.start() < f.end:
            continue
        if m.start() > f.end + _CROWD_REACH:
            break
        if not _LEGAL.search(text, max(0, m.start() - 6), min(len(text), m.end() + 8)):
            return f
    return Flag("crowd_size", f.cue, f.start, f.end, False, "")


# A tool in someone's hands at work (他正修车 手里攥着扳手) is no weapon unless it is swung or aimed.
_TOOLS = frozenset({
    "扳手", "锤子", "榔头", "锄头", "铁锹", "铁锨", "钢管", "铁管", "钢筋", "扁担", "镰刀", "斧头", "斧子", "木棍",
    "棍子", "电锯", "油锯", "链锯", "角磨机", "割草机", "射钉枪", "钉枪", "砍柴刀", "柴刀", "铁棒", "铁链", "刀",
})
_WORK = re.compile(r"修[^，。,\s]{0,3}(车|机|管|房|灯|门|路|理|东西)|维修|干活|干农活|锄地|挖地|种地|下地|装修|施工|上工|砌墙|搬砖|砍柴|劈柴|割草|修东西|修房|盖房|剁排骨|切菜|做饭|杀鱼|杀鸡")
_HOSTILE = re.compile(r"砸|抡|挥|追|冲过来|冲着|冲我|比划|指着|砍|捅|朝(我|他|她|人)|往(我|他|她|人)|威胁|吓唬|拼命|要打|打我|打他|打人|举起|[拍打弄整砍捅剁]死|谁(敢|拦|来|过来)|扎|带着[^，。]{0,4}来")


def _tool_at_work(text: str, f: Flag) -> bool:
    if f.cue not in _TOOLS:
        return False
    lo, hi = _sentence_window(text, f.start, f.end)
    return bool(_WORK.search(text, lo, hi)) and not _HOSTILE.search(text, lo, hi)


def strip_negated(text: str, flags: list[Flag]) -> str:
    """The text without negated cues and their negators, so the learned model cannot see them."""
    spans = sorted(
        ((max(0, f.start - _NEG_WINDOW - 3) if f.negator != "后置否定" else f.start, f.end if f.negator != "后置否定" else len(text)) for f in flags if f.negated),
    )
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for a, b in spans:
        if a > pos:
            out.append(text[pos:a])
        pos = max(pos, b)
    out.append(text[pos:])
    return " ".join(out)
