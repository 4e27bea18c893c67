"""Generator of the high-risk detector's corpus: red-flag clauses vs. look-alike harmless ones.

The dispute corpus (`corpus.jsonl`) teaches type and tier from whole dispute texts, but its
red-flag clauses come from a small set of skeletons, so a phrasing outside them ("说再来就扎死我",
"头被开了瓢") is missed. This corpus is built for recall: each red-flag *family* is a slot
vocabulary (who × verb × object × condition × intensifier, dialect and typo variants) composed
into many phrasings; the negatives are the same words in harmless or negated use (砍树, 刀削面,
打了电话, 没动手, 人没事 …) and scuffles that stay medium. Clauses are set into the corpus' own
non-high dispute texts, so the detector learns the clause, not the dispute around it.

Deterministic (seed below); generated in memory when the model is trained
(`gongzhi.mediation.triage.train`). `python -m gongzhi.mediation.data.build_redflag` prints counts
and samples.
"""

from __future__ import annotations

import random
from collections import Counter

SEED = 20261125

ACTORS = (
    "他", "她", "对方", "那人", "那个人", "老板", "包工头", "隔壁的", "隔壁那男的", "她男人", "我老公", "楼上那男的",
    "他儿子", "他家老大", "拆迁的人", "物业的人", "保安", "债主", "催收的", "那家人", "对面的", "村主任家的",
    "他们", "那帮人", "她前夫", "我前夫", "欠钱的", "开发商找来的人", "他小舅子", "放贷的", "那个司机", "他家亲戚",
)
OBJECTS = (
    "我", "你", "我全家", "我们", "你全家", "他", "她", "我儿子", "我闺女", "我老婆", "你家里人", "我们一家",
    "俺", "俺家", "我爸", "我妈", "我们几个", "你们",
)
CONDITIONS = (
    "再来", "再闹", "再来要钱", "敢报警", "敢去告", "不签字", "再拦", "再找他", "敢去上面告", "再种", "再吵",
    "不搬", "再要账", "不撤诉", "再往前一步", "再说一句", "敢去劳动局", "再去他家", "不把钱拿出来", "不给钱",
    "再敢来", "再拖", "敢动那块地", "再投诉",
)
INTENS = ("", "", "", "一定", "迟早", "早晚", "非得", "真的", "肯定", "当场", "马上")
SAY = ("说", "扬言", "放话", "撂下话", "嚷嚷着", "喊着", "在群里说", "发语音说", "打电话说", "当着大家面说", "指着我说", "骂着说")

# Threat verbs: {o} is the object.
THREAT_VERBS = (
    "弄死{o}", "整死{o}", "搞死{o}", "打死{o}", "砍死{o}", "捅死{o}", "扎死{o}", "戳死{o}", "剁了{o}", "宰了{o}",
    "埋了{o}", "把{o}埋了", "把{o}活埋了", "废了{o}", "把{o}弄残", "打残{o}", "打断{o}的腿", "卸{o}一条腿", "烧了{o}家",
    "一把火点了{o}家", "放火烧{o}家房子", "炸了{o}家", "毒死{o}", "撞死{o}", "掐死{o}", "弄死{o}全家", "做掉{o}",
    "灭了{o}", "找人收拾{o}", "找人修理{o}", "找人教训{o}", "让{o}好看", "不让{o}好过", "让{o}出不了这个门",
    "让{o}横着出去", "给{o}放放血", "给{o}开瓢", "让{o}见红", "跟{o}同归于尽", "跟{o}拼命", "跟{o}拼了",
    "要{o}的命", "要了{o}的命", "让{o}活不成", "让{o}在村里待不下去", "叫人来打{o}", "带人来砸{o}家",
    "砸了{o}的店", "把{o}家门砸了", "泼{o}一身汽油", "往{o}家泼油漆", "让{o}后悔一辈子", "让{o}吃不了兜着走",
    "弄似{o}", "打si{o}", "nong死{o}", "让{o}家断子绝孙", "下回就轮到{o}", "下次就不是这样了",
    # What the victim will end up like, not what will be done: 躺着出去, 进医院, 下不了床.
    "给{o}点颜色看看", "让{o}偿命", "让{o}家鸡犬不宁", "拿命来抵", "看好{o}家孩子",
    "让{o}躺着出去", "让{o}进医院", "让{o}去医院躺着", "让{o}下半辈子下不了床", "让{o}在床上躺半年", "让{o}拄拐",
)
THREAT_TEMPLATES = (
    "{a}{say}{c}就{i}{v}", "{a}{say}要{i}{v}", "{a}{say}{v}", "{c}就{v}，这是{a}原话", "{a}{say}{c}的话{v}",
    "{a}天天{say}要{v}", "{a}喝了酒{say}{v}", "{a}{say}迟早{v}", "{a}堵着门{say}{c}就{v}",
)
HARASS = (
    "在我家门上喷了欠债还钱", "往我家锁眼里灌胶水", "往我家门口泼红油漆", "往我家门口泼粪", "在我家门口烧纸",
    "给我家寄了个花圈", "P了我的遗照发到亲戚群", "天天跟踪我闺女放学", "半夜往我家扔石头", "把我家玻璃全砸了",
    "拿砖头砸了我家窗户", "把死猫挂在我家门上", "在我家门口摆了花圈", "天天半夜来砸门", "把我家车胎全扎了",
    "往我家院里扔死老鼠", "往我家井里倒了东西", "在我孩子学校门口堵他",
    # Stalking: following someone, letting them know where they live.
    "天天跟着我下班", "天天跟踪我闺女", "一路尾随我回家", "发消息说知道我住哪", "说知道我孩子在哪上学",
    "天天在我家楼下蹲着", "半夜在我窗户外面转", "跟着我到单位门口", "给我发我家门口的照片",
)

WEAPONS = (
    "菜刀", "砍刀", "剪刀", "剪子", "斧头", "斧子", "铁锹", "铁锨", "锄头", "镐头", "钢管", "铁棍", "木棍", "棍子",
    "扁担", "砖头", "半块砖", "石头", "擀面杖", "酒瓶子", "啤酒瓶", "改锥", "螺丝刀", "镰刀", "粪叉", "钢叉", "汽油",
    "一桶汽油", "打火机", "硫酸", "弹弓", "刀", "棒球棍", "扳手", "锤子", "榔头", "秤砣", "板凳", "椅子", "钢筋",
    "铁链子", "水果刀", "杀猪刀", "匕首", "甩棍", "电棍", "木棒", "铁管", "撬棍", "烟灰缸",
    "烧火棍", "火钳", "晾衣杆", "拐杖", "门闩", "钢钎", "铁锨把", "皮带",
)
HOLD = ("拿着", "拎着", "举着", "抄起", "抡起", "挥着", "掏出", "提着", "攥着", "操起", "扛着", "拿了", "握着", "拎了把", "拿了根", "抄起一把",
        "拎根", "抄根", "拎了根", "抓起")
WEAPON_ACTIONS = (
    "就往我身上招呼", "追着我跑", "冲过来要砍", "在门口转悠", "在我跟前比划", "指着我", "堵在我家门口", "就砸",
    "往我头上抡", "要跟我拼命", "冲进我家", "把我逼到墙角", "朝我爸打过去", "在楼道里转悠", "说谁敢过来就剁了谁",
    "把门砸烂了", "追着小孩", "朝我扔过来", "往我车上砸", "要往我身上泼", "说要点了我家房子",
    "出来抡着骂", "冲出来就抡", "满院子追着打", "劈头盖脸打下来",
)

SH_SUBJECTS = (
    "我", "我妈", "我爸", "我姐", "我妹", "我哥", "我弟", "我老婆", "我老公", "工友", "我家老人", "她", "他", "我表哥",
    "我婶子", "隔壁大姐", "我闺女", "我儿子", "俺娘", "俺爹", "老两口", "有个工友", "她儿子", "我舅",
)
SH_ACTS = (
    "不想活了", "活着没意思", "活着没啥意思", "不活了", "想一了百了", "要去死", "想死", "要寻死", "要跳楼",
    "要从楼上跳下去", "要跳河", "要跳江", "要跳下去", "要喝药", "要喝农药", "要喝敌敌畏", "要喝百草枯",
    "要吃安眠药", "要割腕", "要上吊", "要吊死在他家门口", "要撞死在他车前", "要死在他家门口", "要死给他们看",
    "要拿命换", "站在楼顶边上", "爬上屋顶不下来", "爬上塔吊不下来", "坐在窗台上不下来", "一个人在江堤上",
    "在河边站了一下午", "在家开了煤气", "在屋里烧炭", "绝食三天了", "把遗书都写好了", "在交代后事",
    "买了一瓶农药放在床头", "把安眠药攒了一瓶", "要抱着孩子一起跳", "跪在推土机前面不起来", "躺在挖掘机底下",
    "说要以死相逼", "天天说活不下去了", "说死了算了", "想不开要轻生", "不想活le", "要跳搂", "说要跳下曲",
    "在楼顶上哭", "拿刀比着自己脖子", "往自己身上浇汽油", "喝了半瓶药被救下来", "说这条命不要了",
)
SH_TEMPLATES = ("{s}说{c}就{act}", "{s}{act}", "{s}闹着{act}", "{s}天天说{act}", "{s}现在{act}", "{s}哭着说{act}", "{s}已经{act}")

VICTIMS = (
    "我", "我爸", "我妈", "我哥", "我弟", "我老婆", "我儿子", "我闺女", "孩子", "老人", "我们家老大", "工友", "大爷",
    "我表哥", "她", "他", "我姐", "隔壁大妈", "俺爹", "俺娘", "我舅", "我同事",
)
AGENTS = ("他", "对方", "他们", "那帮人", "保安", "老板找的人", "她老公", "邻居", "那个司机", "那人", "拆迁队的人", "他儿子")
HITS = ("打", "砸", "砍", "捅", "推", "踢", "撞", "咬", "踹", "扎", "划", "抽", "摔", "压", "扔", "烫", "烧", "绞", "电")
RESULTS = (
    "头破血流", "满脸是血", "流了好多血", "血流了一地", "骨折了", "断了两根肋骨", "缝了七针", "缝了十几针",
    "住进了医院", "晕过去了", "昏迷不醒", "胳膊抬不起来", "站不起来", "走不了路", "眼睛睁不开", "耳朵听不见了",
    "牙掉了两颗", "脸肿得老高", "青一块紫一块", "腰都直不起来", "腿都瘸了", "开了瓢", "脑震荡", "进了ICU",
    "到现在还没醒", "躺在床上动不了", "头上起了个大包", "手上划了一道口子", "背上全是血印子", "鼻梁断了",
    "肋骨断了", "大出血", "当场就晕了", "在医院抢救", "半边脸都紫了", "脸上都是雪", "流了一地学", "送去缝针",
    "手指头断了一截", "眼角都是紫的", "嘴都打裂了", "后脑勺磕了个口子",
    # Burns, scalds, machines, electricity, animals.
    "烫了一大片", "起了一片大泡", "烫伤了半条胳膊", "烧伤了", "手被绞进去了", "被电打晕了", "咬得鲜血直流",
)
INJ_TEMPLATES = (
    "{v}被{g}{h}得{r}", "{v}被{g}{h}了，{r}", "{g}把{v}{h}得{r}", "{v}{r}，是{g}{h}的", "{v}让{g}{h}伤了，{r}",
    "{v}被{h}倒在地，{r}", "{v}从架子上摔下来，{r}", "{v}被车{h}了，{r}", "{v}被机器{h}了，{r}",
)

CROWD_N = ("十几", "二十多", "三十多", "几十", "上百", "好几十", "一百多", "十来", "二三十", "四五十", "好几百", "15", "20多", "30",
           "两百多", "三百多", "几百")
CROWD_UNIT = ("个人", "号人", "户", "个工人", "个村民", "户业主", "个家属", "个亲戚", "个工友", "家")
CROWD_ACTS = (
    "堵在门口不走", "围在他家门口", "约好了明天一起去堵", "要去拦推土机", "聚在大厅里不走", "去项目部门口蹲着",
    "在医院闹", "围住了办公室", "堵了路", "要一起去讨说法", "在厂门口堵着", "把交警队门口堵了", "跟对方对峙",
    "抄着家伙来了", "要去他家里堵他", "在群里约着去闹", "去售楼处闹", "在村委会门口坐着",
)
CROWD_FIXED = (
    "对方叫了一帮人在门口等着我", "他家来了一车人把我围在中间", "他叫了一伙人来堵我", "两拨人在村口对峙",
    "全村的人都去了", "整个小区都去了物业", "他们家族的人全来了", "来了一群纹身的在门口转", "对方摇了一车人来",
    "两家各叫了一帮人要打群架", "他找了一帮社会青年天天在村里转悠", "一大群人冲进了厂里", "一帮人把我们围住了",
    "家属一大帮人在医院闹", "几十号人拿着家伙",
)
PETITION = (
    "要去市里上访", "要去省里上访", "要去北京上访", "要进京", "准备拉横幅", "拉着横幅去了街道", "约好了联名告他",
    "要集体去镇政府讨说法", "要去区政府门口静坐", "说要找媒体曝光", "要发抖音曝光", "要上热搜", "准备去信访局",
    "要去政府门口跪着", "带着横幅要去开发商那里", "要去市政府门口拉条幅", "说要把尸体抬到厂门口",
    "要在医院设灵堂", "在厂门口摆了花圈", "要一起去县里闹",
)
VULN = (
    "老人", "我家老母亲", "九十岁的老娘", "八十多的老爹", "瘫痪的老爷子", "孕妇", "三岁的孩子", "小孩", "残疾的弟弟",
    "卧床的婆婆", "独居的老太太", "七十多的老两口", "刚满月的孩子", "怀孕七个月的媳妇", "智障的儿子",
    "李奶奶", "张大爷", "留守的孩子", "有心脏病的老爹", "她八十多了一个人住",
    "我和我妈", "我们娘俩", "一家老小", "我放学的时候", "上小学的儿子",
)
DANGER: tuple[str, ...] = (
    "被断了水好几天", "家里断电了好几天", "好几天没饭吃", "冻得睡不着觉", "被锁在屋里", "被赶出了家门",
    "一个人在家没人管", "被打了", "被推倒在地", "被车撞了", "差点被石头砸到", "被狗咬了", "吓得犯了病",
    "病了没人送医院", "被撵到棚子里住", "晚上摸黑过日子", "连口热水都喝不上", "被关在门外冻了一夜",
    "被人追着撵", "摔倒了没人扶", "被饿得直哭", "被掐了脖子", "被扔在路边", "被停了药", "大冬天没有暖气冻病了",
    "被大狗追着咬", "被狗扑倒了", "被狗咬破了裤子", "今晚没地方住", "被锁在门外", "东西都被锁在里面", "只能睡在大街上",
)
# Danger told through symptoms or circumstances, not a violent word (a child gasping, alone for days).
DANGER_SYMPTOMS = (
    "喘得上不来气", "半夜送了急诊", "烧到四十度没人管", "饿得没力气", "一个人在家好几天了", "家里就剩半袋方便面",
    "在楼道里坐了一宿", "外头零下好几度还在外面", "叫都叫不醒", "嘴唇都发紫了", "吐了一地起不来", "掉进河里了",
    "走丢了一天还没找到", "浑身发抖说胡话", "好几天没吃上饭", "脱水了还在发烧",
)
DANGER = (*DANGER, *DANGER_SYMPTOMS)
VULN_TEMPLATES = ("{v}{d}", "{v}现在{d}", "家里的{v}{d}", "{v}已经{d}", "我们楼的{v}{d}")

# ---- negatives ----------------------------------------------------------------------------
HARMLESS = (
    # Round 6: harmless twins of words blind15/16 showed the detector over-reading.
    "大伯把我家锁换了 我回来进不了门", "房东把锁换了 我进不了屋", "物业把我家电停了说我欠费", "工伤认定下来了 厂里不赔",
    "工伤鉴定做完了 在等结果", "住院结算多扣了钱", "住院押金还没退", "孩子把我车划了一道", "孩子踢球把玻璃砸了",
    "牛喝了脏水死了两头", "玉米淹死了一片", "鸡吃了老鼠药死了几只", "有人冒用我身份证办了卡", "身份证被人借去办了贷款",
    "喝了酒的把我家门面撞坏了", "车撞坏了我家院墙", "诊所开的药吃了拉肚子", "吃了药有点过敏", "护士把假牙弄丢了",
    "两个戏班子争档期吵起来了", "为悔棋吵起来了", "两家为了车位吵起来了",
    "他打了好几个电话来催", "我打了12345没人管", "他拿着合同来找我", "说要砍价", "去山上砍了几棵树", "中午吃的刀削面",
    "切菜的刀坏了找他换", "手机死机了", "气死我了", "累死了", "笑死人", "烦死了", "热死了", "要命的是他不认",
    "拼命干活也没拿到钱", "他跳槽走了", "家里跳闸了", "闹着玩的", "养的鸡死了几只", "鱼塘的鱼死了", "几十块钱的事",
    "上百块钱的东西", "剪了个头发", "给孩子打了疫苗", "去医院体检", "住院费还没报销", "在医院排了三个小时队",
    "老人家腿脚不好", "孩子在上学", "我们几个邻居商量了一下", "业主群里在讨论", "打了欠条", "打了官司",
    "上个月打了款", "刀口恢复得还行", "做了个小手术", "打针打了一个礼拜", "一群鸭子跑到我家地里", "两个人吵了几句",
    "说话很难听", "骂了几句就走了", "态度很差", "拉黑了我", "不接电话", "电话关机", "威胁说要扣工资",
    "说要去法院起诉", "说要找律师", "说要去消协投诉", "说要打12315", "放了一串鞭炮", "点了个外卖", "石头挡在路上",
    "铁锹被他借走了没还", "锄头放在他家", "剪刀是他家的", "菜刀是在他店里买的", "死活不承认", "拼死拼活干了一年",
    "老娘身体还好", "孩子没事", "人没事", "车坏了人没事", "没伤着人", "没有人受伤", "幸好没人在家",
)
NEGATED = (
    "没动手", "没打人", "没有动手", "也没打起来", "没有威胁我", "没说要砍人", "也没拿刀", "没有受伤", "人没事",
    "没人受伤", "没到那个地步", "不至于闹出事", "没有要闹的意思", "没想不开", "不会做傻事的", "没说要上访",
    "没有聚集", "没几个人", "就我们两家", "刀倒是没拿", "动手是没有的", "没有见血", "没伤着", "没去医院",
    "没说要跳", "没叫人", "也没砸东西", "不会去闹", "没有打架", "没有喝药",
)
MEDIUM = (
    "踹了我车门两脚", "把电视砸了 没打人", "喝了酒就摔东西", "往我家院子扔了石头 人没事", "吵起来了 差点动手",
    "推了我一把", "吵得很凶", "差点打起来", "拉扯了几下", "两个人推搡起来", "被他拽了一下", "扯了几下衣服",
    "说了好几次了", "三家人一起找过他", "闹了好几回", "吵到派出所调解过一次", "吵了一架",
)


# Structure-matched negatives: the same frames as the red-flag families (who says what, who was
# done what to), filled with harmless content, so the frame itself (说…就…, 被…得…, 拿着…) carries
# no weight and only the red-flag content does.
MILD_VERBS = (
    "报警", "去法院告{o}", "找律师", "去劳动局投诉{o}", "不让{o}干了", "扣{o}工资", "把{o}拉黑", "不理{o}了",
    "找{o}家里人说理", "去派出所", "找村里评理", "让{o}赔钱", "不借给{o}了", "把合同撕了", "跟{o}断绝关系", "搬走",
    "起诉{o}", "去仲裁", "找街道调解", "打12345", "去消协投诉", "申请劳动仲裁", "找媒体问问政策", "去社区反映",
    "让{o}搬出去", "把{o}的东西扔出去", "不给{o}开门", "把押金扣了", "换个师傅", "找{o}单位领导", "发朋友圈说{o}",
)
MILD_HELD = ("合同", "借条", "欠条", "手机", "发票", "照片", "收据", "录音", "病历", "钥匙", "一沓单子", "卷尺", "图纸", "收款码")
MILD_HELD_ACTS = ("来找我", "在门口等着", "要我签字", "给大家看", "去了派出所", "来对账", "找村干部评理", "在楼下喊我")
MILD_STATES = (
    "气得睡不着", "天天哭", "急得吃不下饭", "身体不好", "血压高了", "愁得头发都白了", "心里难受", "说不想再管了",
    "不想跟他过了", "想离婚", "想回老家", "说要去打官司", "憋屈得很", "整天唉声叹气", "说这日子没法过了",
    "去医院看了几次", "感冒了好几天", "晚上睡不好", "心情很差", "跟他吵了一架",
)
MILD_DONE = ("骂", "说", "吼", "冤枉", "欺负", "辞退", "扣钱", "挤兑", "笑话", "数落", "坑", "骗")
MILD_RESULTS = ("哭了", "睡不着", "抬不起头", "没面子", "很委屈", "一肚子火", "好几天吃不下饭", "不敢出门见人", "血压都高了")
SMALL_CROWD = ("两三个人", "三四家", "我们两家", "几个同事", "三个工友", "我跟我哥", "楼上楼下几户", "两个邻居")
SMALL_CROWD_ACTS = ("一起去找他", "商量着去仲裁", "想找人调解", "在群里说了说", "去居委会问了问", "都有意见")
MILD_VULN = (
    "身体不太好", "腿脚不方便", "住在养老院", "要人照顾", "每天要吃药", "在上学", "上幼儿园", "跟我们住",
    "在老家", "平时我们轮流照顾", "住在楼上", "刚出院在家养着",
)


PLACES = ("在我家门口", "在他家门口", "在门口", "在屋里", "在楼道里", "在村口", "在院子里", "在楼下", "在小区里", "在地头", "在厂里", "在工地上", "在医院", "在大厅里")
PLACE_ACTS = (
    "停车", "堆东西", "晒被子", "说闲话", "抽烟", "放了个鞋柜", "拉屎", "转来转去", "打电话", "吵吵嚷嚷", "跳广场舞", "晾衣服",
    "等了一下午", "排队", "摆摊", "放了张破沙发", "打牌", "说了几句难听的", "把路堵了", "遛狗", "烧秸秆", "贴了张通知",
    "骂", "骂人", "等我", "喊我名字", "说难听话", "哭", "抽烟", "看热闹",
)
TIMES = ("现在", "到现在", "这几天", "昨天", "今天", "半夜", "天天", "前几天", "一直")


def _structured_negative(rng: random.Random) -> str:
    k = rng.randrange(8)
    if k >= 6:
        # Standing, sitting, waiting somewhere is no danger by itself (站在门口骂).
        posture = _pick(rng, ("", "", "站", "坐", "蹲", "跑"))
        return _pick(rng, ACTORS) + _pick(rng, TIMES) + posture + _pick(rng, PLACES) + _pick(rng, PLACE_ACTS)
    if k == 0:
        v = _pick(rng, MILD_VERBS).format(o=_pick(rng, OBJECTS))
        return _pick(rng, THREAT_TEMPLATES).format(a=_pick(rng, ACTORS), say=_pick(rng, SAY), c=_pick(rng, CONDITIONS), i=_pick(rng, INTENS), v=v)
    if k == 1:
        return _pick(rng, ACTORS) + _pick(rng, HOLD[:3]) + _pick(rng, MILD_HELD) + _pick(rng, MILD_HELD_ACTS)
    if k == 2:
        return _pick(rng, SH_SUBJECTS) + _pick(rng, ("", "现在", "天天", "这几天")) + _pick(rng, MILD_STATES)
    if k == 3:
        return _pick(rng, VICTIMS) + "被" + _pick(rng, AGENTS) + _pick(rng, MILD_DONE) + "得" + _pick(rng, MILD_RESULTS)
    if k == 4:
        return _pick(rng, SMALL_CROWD) + _pick(rng, SMALL_CROWD_ACTS)
    return _pick(rng, VULN) + _pick(rng, MILD_VULN)


MILD_PETITION = (
    "要去法院起诉", "要去申请仲裁", "去街道申请调解", "打12345反映", "找律师咨询了", "去消协投诉", "去社区问问政策",
    "写了个情况说明", "去镇上司法所咨询", "在业主群里投票", "找村委会评理", "想请调解员来",
)
SMALL_N = ("两", "三", "两三", "三四", "四五", "2", "3", "几")


# Veiled threats: "I know where you are" × "something will happen", no violent verb.
VEILED_KNOW = (
    "记住你车牌了", "记住你家门牌了", "知道你孩子在哪上学", "知道你家住哪", "认得你家的车", "知道你每天几点下班",
    "知道你闺女在哪个学校", "你家在哪我们都清楚", "你老婆在哪上班我知道", "你家房子可是木头的", "你家就一个儿子吧",
)
VEILED_WARN = (
    "以后出门小心点", "晚上睡觉警醒点", "走夜路当心点", "你们一个都跑不了", "这事没完", "你给我等着", "后果自负",
    "别怪我不客气", "迟早有你受的", "让你家不得安宁", "早晚收拾你", "别让我在路上碰见你", "你自己掂量掂量",
)
VEILED_HARMLESS_KNOW = (
    "记下你电话了", "知道你家在哪个小区", "加了你微信了", "认得你了", "记住你说的话了", "知道你每天几点下班",
    "你家在哪我们都清楚", "知道你孩子在哪上学",
)
VEILED_HARMLESS = ("回头再联系", "有事再商量", "改天再来谈", "明天把单子送过来", "等调解员来了再说", "到时候一起对账")


def _veiled(rng: random.Random) -> tuple[str, str]:
    a, say = _pick(rng, ACTORS), _pick(rng, SAY)
    sep = _pick(rng, (" ", "，", ""))
    # The twin keeps the same speaker and, half the time, the same "I know …" half: the warning decides.
    know = _pick(rng, VEILED_KNOW)
    twin_know = know if rng.random() < 0.5 else _pick(rng, VEILED_HARMLESS_KNOW)
    return a + say + know + sep + _pick(rng, VEILED_WARN), a + say + twin_know + sep + _pick(rng, VEILED_HARMLESS)


def _pick(rng: random.Random, xs: tuple[str, ...]) -> str:
    return xs[rng.randrange(len(xs))]


# Each family builds a red-flag clause and, from the same random frame (who, where, the words
# around it), its harmless twin: frame n-grams then occur equally in both classes and weigh
# nothing, only the red-flag content does.


def _threat(rng: random.Random) -> tuple[str, str]:
    a = _pick(rng, ACTORS)
    if rng.random() < 0.15:
        t = _pick(rng, ("", "天天", "半夜", "昨天"))
        return a + t + _pick(rng, HARASS), a + t + _pick(rng, PLACES) + _pick(rng, PLACE_ACTS)
    o = _pick(rng, OBJECTS)
    tpl = _pick(rng, THREAT_TEMPLATES)
    kw = {"a": a, "say": _pick(rng, SAY), "c": _pick(rng, CONDITIONS), "i": _pick(rng, INTENS)}
    return tpl.format(v=_pick(rng, THREAT_VERBS).format(o=o), **kw), tpl.format(v=_pick(rng, MILD_VERBS).format(o=o), **kw)


# Round 6: a tool in the hands of someone working is no weapon; the same tool swung at a person is.
WORK_TOOLS = ("扳手", "锤子", "榔头", "铁锹", "铁锨", "锄头", "镰刀", "斧头", "钢管", "扁担", "撬棍", "螺丝刀", "改锥", "电锯", "剪刀")
WORK_ACTS = (
    "在修车 头都没抬", "在地里干活", "在院里劈柴", "在修水管", "在装修", "在修电动车", "在棚里收拾东西", "在工地上干活",
    "在剪树枝", "在修门", "干完活回来",
)


def _weapon(rng: random.Random) -> tuple[str, str]:
    a, h, act = _pick(rng, ACTORS), _pick(rng, (*HOLD[:3], "攥着", "握着")), _pick(rng, WEAPON_ACTIONS)
    if rng.random() < 0.25:
        tool = _pick(rng, WORK_TOOLS)
        return a + h + tool + act, a + h + tool + _pick(rng, WORK_ACTS)
    h = _pick(rng, HOLD)
    # Half the twins keep the action (拿着合同在门口转悠): only the weapon makes it dangerous.
    twin_act = act if rng.random() < 0.5 else _pick(rng, MILD_HELD_ACTS)
    return a + h + _pick(rng, WEAPONS) + act, a + h + _pick(rng, MILD_HELD) + twin_act


def _self_harm(rng: random.Random) -> tuple[str, str]:
    tpl = _pick(rng, SH_TEMPLATES)
    kw = {"s": _pick(rng, SH_SUBJECTS), "c": _pick(rng, CONDITIONS)}
    return tpl.format(act=_pick(rng, SH_ACTS), **kw), tpl.format(act=_pick(rng, MILD_STATES), **kw)


def _injury(rng: random.Random) -> tuple[str, str]:
    v, g = _pick(rng, VICTIMS), _pick(rng, AGENTS)
    pos = _pick(rng, INJ_TEMPLATES).format(v=v, g=g, h=_pick(rng, HITS), r=_pick(rng, RESULTS))
    neg = _pick(rng, INJ_TEMPLATES[:5]).format(v=v, g=g, h=_pick(rng, MILD_DONE), r=_pick(rng, MILD_RESULTS))
    return pos, neg


CROWD_CALM = (
    "在旁边看热闹", "围着看下棋", "在群里登记金额", "签了名交上去了", "都没拿到工资 在等说法", "在跳广场舞",
    "在排队办手续", "的钱都还没结", "在维权群里", "都受了影响", "联名投诉过 在等答复", "都在等补偿款",
)


def _crowd(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        # Same head count, no collective action: the count alone is not the danger.
        who, unit = _pick(rng, ("我们", "他们", "工地上", "村里", "小区", "群里")), _pick(rng, CROWD_UNIT)
        n = _pick(rng, CROWD_N)
        return who + n + unit + _pick(rng, CROWD_ACTS), who + n + unit + _pick(rng, CROWD_CALM)
    if rng.random() < 0.35:
        return _pick(rng, CROWD_FIXED), _pick(rng, SMALL_CROWD) + _pick(rng, SMALL_CROWD_ACTS)
    who, unit, act = _pick(rng, ("我们", "他们", "对方", "工地上", "村里", "小区")), _pick(rng, CROWD_UNIT), _pick(rng, CROWD_ACTS)
    return who + _pick(rng, CROWD_N) + unit + act, who + _pick(rng, SMALL_N) + unit + _pick(rng, SMALL_CROWD_ACTS + CROWD_ACTS[:2])


def _petition(rng: random.Random) -> tuple[str, str]:
    who = _pick(rng, ("我们", "大家", "村里人", "业主们", "工友们", "家属", "他们", "我们几户")) + _pick(rng, ("", "说", "商量好了", "已经"))
    return who + _pick(rng, PETITION), who + _pick(rng, MILD_PETITION)


# Round 6: the same hardship befalling an able adult (locked out, water cut) is a medium case; the
# vulnerable person is what makes it dangerous, so some twins keep the hardship and swap the person.
VULN_ADULT = ("我", "我哥", "我们两口子", "我表弟", "租户", "他", "我跟我老公", "我们")
SHARED_HARDSHIP = (
    "家里的锁被换了进不了门", "被断了水好几天", "家里断电了好几天", "东西都被锁在里面了", "进不了家门",
    "只能在车里过夜", "房子被人占了 身份证都在里头",
)


def _vulnerable(rng: random.Random) -> tuple[str, str]:
    tpl, v = _pick(rng, VULN_TEMPLATES), _pick(rng, VULN)
    if rng.random() < 0.3:
        d = _pick(rng, SHARED_HARDSHIP)
        return tpl.format(v=v, d=d), tpl.format(v=_pick(rng, VULN_ADULT), d=d)
    return tpl.format(v=v, d=_pick(rng, DANGER)), tpl.format(v=v, d=_pick(rng, MILD_VULN))


# Round 5 (general causes behind blind14's misses). Each twin keeps the frame and swaps the
# dangerous half for an everyday one, so "锁", "手机", "集合", "电梯", "别想" weigh nothing alone.
CONF_WHO = ("我", "我妈", "我婆婆", "保姆", "我爸", "孩子", "老人", "我老婆", "工人", "她", "他")
CONF_BY = ("雇主", "老板", "他们", "讨债的", "她老公", "婆家人", "包工头", "那帮人", "房东", "对方")
CONF_ACTS = (
    "把{w}锁在屋里不让走", "把{w}关在后院不让出来", "收了{w}的手机不让出门", "把{w}锁在保姆间里",
    "把{w}堵在家里好几天不让出门", "把{w}手机身份证都扣了不准走", "把{w}反锁在房间里", "把{w}关起来了",
)
CONF_TWINS = (
    "把{w}的工资扣了不给", "跟{w}吵了一架", "把{w}的钥匙拿走了", "让{w}先回去等消息", "不让{w}进会议室",
    "把{w}的东西放门口了", "说{w}干活不仔细", "把{w}的微信删了",
)
GATHER_WHO = ("业主群里有人说", "村里人商量好", "工友们约好", "大伙说", "群里在号召", "家属们说", "有人组织",
              "群里接龙", "工友群里喊大家", "村民群里通知", "家长群里约好")
GATHER_WHEN = ("今晚", "明天早上", "晚上八点", "周六", "下午", "明早七点")
GATHER_ACTS = (
    "集合一起去把物业办公室围了", "在村口集合去把工地大门堵了", "一起去把厂门口堵住", "集合去把路堵上",
    "一块儿去把村委会围起来", "集合去把老板家围了", "一起去把售楼处砸了",
)
GATHER_TWINS = (
    "集合一起去居委会反映", "在村口集合去开会", "一起去物业办公室交材料", "集合去跳广场舞",
    "一块儿去司法所咨询", "集合在楼下投票", "一起去找调解员", "接龙团购水果", "一起去做核酸",
)
DEPRIVED_WHO = ("八十多岁的老太太", "九十岁的老人", "怀孕七个月的媳妇", "三岁的娃", "瘫在床上的老爷子", "我那有心脏病的老爸", "孕妇", "六岁的孩子")
DEPRIVED = (
    "屋里断水断电好几天了", "只留了两袋馒头 三天没人去看", "被困在电梯里说肚子疼", "没暖气冻得直哆嗦",
    "药都吃完了 人出不去", "被锁在屋里哭到现在", "饿了两天没给饭", "呼吸急促 嘴唇发紫", "疼得起不来",
)
DEPRIVED_TWINS = (
    "屋里停了一会儿电 很快来了", "嫌馒头不好吃", "等电梯等了半天", "嫌暖气不够热",
    "药费报销不了", "在屋里看电视", "吃饭挑食", "有点咳嗽 在吃药", "嫌楼道灯太暗",
)
DARE_SAY = ("他撂下一句", "她男人说", "对方放话", "他哥指着我说", "催债的说", "那人在群里说", "他喝了酒说")
DARE_COND = ("你敢跟我争", "你敢去告", "钱不还", "你要敢分房子", "再来闹", "敢报警")
DARE: tuple[str, ...] = (
    "就别想走出这个门", "就别想活着回去", "你别想出这个村", "你就走不出这个院子", "别想好好过日子",
    "我把你住址挂网上 让人上门找你", "就人肉你 让大家上门去看看你",
)
DARE = (
    *DARE,
    "你再来一趟试试 看还能不能囫囵回去", "你敢动一下试试", "有种你再说一句试试", "看你还能不能站着出去",
    "让你在这片混不下去", "让你在村里待不下去", "我跟你一命抵一命", "大不了一起死",
)
DARE_TWINS = (
    "就别想拿到一分钱", "就别想我签字", "你别想占便宜", "就别想再找我帮忙", "别想太多 明天再谈",
    "我把合同拍照发群里", "就找律师跟你谈",
    "你再来一趟 把单子带上", "你先试试这个办法", "有空你再来说说", "看还能不能商量着来",
    "让你在这片找个活干", "让你在村里住得舒服点", "我跟你一笔一笔对账", "大不了一起去法院",
)


def _confined(rng: random.Random) -> tuple[str, str]:
    by, w = _pick(rng, CONF_BY), _pick(rng, CONF_WHO)
    return by + _pick(rng, CONF_ACTS).format(w=w), by + _pick(rng, CONF_TWINS).format(w=w)


def _gathering(rng: random.Random) -> tuple[str, str]:
    who, when = _pick(rng, GATHER_WHO), _pick(rng, GATHER_WHEN)
    return who + when + _pick(rng, GATHER_ACTS), who + when + _pick(rng, GATHER_TWINS)


def _deprived(rng: random.Random) -> tuple[str, str]:
    who = _pick(rng, DEPRIVED_WHO)
    return who + _pick(rng, DEPRIVED), who + _pick(rng, DEPRIVED_TWINS)


def _dare(rng: random.Random) -> tuple[str, str]:
    say, cond = _pick(rng, DARE_SAY), _pick(rng, DARE_COND)
    return say + " " + cond + " " + _pick(rng, DARE), say + " " + cond + " " + _pick(rng, DARE_TWINS)


MED_WHO = ("我妈", "我爸", "我老婆", "孩子", "我", "我媳妇", "老人", "我姐")
# Each harm comes with a twin on the same treatment (剖腹产, 麻醉, 手术), so the procedure words weigh
# nothing and only what went wrong does.
MED_PAIRS = (
    ("剖腹产把纱布落在肚子里了", "剖腹产以后伤口恢复得慢"), ("手术把钳子留在肚子里了", "手术用的钳子多收了钱"),
    ("做手术把好的那只眼睛摘错了", "做眼睛手术排了半个月"), ("做完手术成了植物人", "做完手术在家养着"),
    ("手术切错了地方 又开了一刀", "手术的时间改了好几回"), ("麻醉以后一直没醒过来", "麻醉费没跟我们说清楚"),
    ("输错了血 人进了ICU", "输液的单子开错了 重新开了"), ("打了一针腿就瘫了", "打了一针 收了两百"),
)
ROUGH_WHO = ("流浪汉", "捡破烂的老头", "要饭的老太太", "独居的大爷", "五保户老人")
ROUGH = (
    "睡在桥洞里 这两天降温了就一件单衣", "大雪天睡在路边", "好几天没出门了 敲门不应", "屋里有股怪味 敲门没反应",
    "冻得直哆嗦 晚上睡在外面",
)
ROUGH_TWINS = (
    "被送去了救助站 社区给了棉被", "在桥洞边收废品 占了人行道", "好几天没交水费了", "屋里堆了一堆纸箱",
    "在小区门口晒太阳",
)
FAREWELL_WHO = ("我爸", "我妈", "我老公", "我哥", "工友", "我姐", "她")
FAREWELL = (
    "把东西都送人了 挨个打电话道别", "说孩子就拜托你了 把存折交给我", "把银行卡密码都告诉我了 说以后就拜托你们了",
    "把后事都交代好了", "说想去陪我老伴了", "说活够了想下去陪他",
)
FAREWELL_TWINS = (
    "把旧衣服都送人了 说搬家用不上", "说孩子放学拜托你接一下", "把银行卡密码告诉我让我去取钱", "把家里的事都安排好了去外地打工",
)


def _med_harm(rng: random.Random) -> tuple[str, str]:
    who = _pick(rng, MED_WHO) + _pick(rng, ("在县医院", "在诊所", "", "在镇卫生院"))
    harm, twin = MED_PAIRS[rng.randrange(len(MED_PAIRS))]
    return who + harm, who + twin


def _rough(rng: random.Random) -> tuple[str, str]:
    who = _pick(rng, ROUGH_WHO)
    return who + _pick(rng, ROUGH), who + _pick(rng, ROUGH_TWINS)


def _farewell(rng: random.Random) -> tuple[str, str]:
    who = _pick(rng, FAREWELL_WHO) + _pick(rng, ("最近", "这几天", "突然", ""))
    return who + _pick(rng, FAREWELL), who + _pick(rng, FAREWELL_TWINS)


FAMILIES = {
    "threat": _threat, "weapon": _weapon, "self_harm": _self_harm, "injury": _injury,
    "crowd": _crowd, "petition": _petition, "vulnerable": _vulnerable, "veiled_threat": _veiled,
    "confined": _confined, "gathering": _gathering, "deprived": _deprived, "dare_threat": _dare,
    "med_harm": _med_harm, "rough_sleeper": _rough, "farewell": _farewell,
}


def _join(rng: random.Random, context: str, clause: str, sep: str, before: bool) -> str:
    if not context:
        return clause
    return context + sep + clause if before else clause + sep + context


def generate(contexts: list[str], *, per_family: int = 900, negatives: int = 2000, seed: int = SEED) -> list[tuple[str, bool, str]]:
    """(text, is_high, family) rows. `contexts` are non-high dispute texts to set clauses into."""
    rng = random.Random(seed)
    rows: list[tuple[str, bool, str]] = []
    seen: set[str] = set()
    ctxs = tuple(contexts)

    def add(text: str, high: bool, fam: str) -> None:
        if text not in seen:
            seen.add(text)
            rows.append((text, high, fam))

    for fam, make in FAMILIES.items():
        for _ in range(per_family):
            ctx = _pick(rng, ctxs) if ctxs and rng.random() < 0.7 else ""
            sep, before = _pick(rng, (" ", "，", "", " ", "。")), rng.random() < 0.75
            pos, neg = make(rng)
            text = _join(rng, ctx, pos, sep, before)
            if text not in seen:
                # Pairs stay whole (a twin may repeat): dropping repeated twins alone would leave
                # the frames more often on the positive side and make them read as danger.
                add(text, True, fam)
                rows.append((_join(rng, ctx, neg, sep, before), False, fam + "_twin"))
    for i in range(negatives):
        ctx = _pick(rng, ctxs) if ctxs and rng.random() < 0.8 else ""
        kind = i % 4
        clause = _structured_negative(rng) if kind == 3 else _pick(rng, (HARMLESS, NEGATED, MEDIUM)[kind])
        if kind == 1 and rng.random() < 0.5:
            clause = _pick(rng, ("他", "对方", "我们", "两边")) + clause
        add(_join(rng, ctx, clause, _pick(rng, (" ", "，", "")), rng.random() < 0.75), False, ("harmless", "negated", "medium", "structured")[kind])
    return rows


def main() -> None:
    from gongzhi.mediation.triage import CORPUS_PATH, load_examples

    ctx = [e.text for e in load_examples(CORPUS_PATH) if e.risk != "high" and e.source == "generated"]
    rows = generate(ctx)
    print(Counter(f for _, _, f in rows))
    rng = random.Random(1)
    for text, high, fam in rng.sample(rows, 20):
        print(int(high), fam, text)


if __name__ == "__main__":
    main()
