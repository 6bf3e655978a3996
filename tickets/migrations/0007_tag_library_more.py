"""More surface forms for the tag library: how customers actually say it.

Safety said indirectly (糊味 from a charger, 插头发黑, 电手, 鼓起来, 打火, 臭鸡蛋味, 熔了),
basic use lost in more words (不动了, 到一半停了, 进不去桌面, 进不去门, 照片不见了),
escalation synonyms (网上发帖, 找领导, 消费者热线, 退一赔三, 给我退了), degradation said in
general words that fit any product (比以前, 越来越, 弱了, 声音特别大), installers' damage,
service failures and suggestions phrased as complaints (下一代能不能…, 为啥不设计成…).

Only keywords change: each listed tag keeps its keywords and gains these (idempotent; a
keyword already there is not repeated). REPLACED swaps a keyword for a narrower form of it.
A tag an admin has deleted is left alone. Reversing is a no-op.
Keyword syntax (see Tag.keywords): 'a+b' both in one sentence, '!x' unless the sentence has x,
're:' a regular expression for one word, 'rx:' one for a clause's text.
"""

from django.db import migrations

FOOD = "!饭!粥!锅底!菜!米!煮!炒!烤红薯!炸!面包!肉!鸡翅!薯条!锅巴!蛋糕"

# fmt: off
ADDED = {
    # 安全隐患
    "safety-leakage": "电手 打手 漏电感 电击感 麻酥 被电了 电了我一下",
    "safety-burning-smell": f"糊味{FOOD} 焦糊{FOOD} 烧焦{FOOD} 烤焦{FOOD} 焦臭 烧塑料 胶皮的味 电线的味 橡胶味 电线烧 烧线 rx:(烧|焦|糊)的?(塑料|胶皮|橡胶|电线)的?味 rx:(塑料|胶皮|橡胶|电线|线皮)(烧焦|烧糊|烧着|烧化|焦糊) rx:(熔|融)(化|了|掉|穿|坏)!冰!雪!冻!冰淇淋!雪糕!黄油!巧克力!奶酪 rx:烧(化|穿|熔) rx:(烫|烤|烧)(得|的)?(发黄|发黑|变黄|变黑|焦黄|焦了)",
    "safety-fire": "打火!打不着!不打火!打火针!点火!灶!热水器!打火机 打火花 电弧 拉弧 rx:闪.{0,2}蓝光 rx:蓝光.{0,2}闪 rx:(噼啪|噼里啪啦|啪啪).{0,6}(火|光|电)",
    "safety-explosion": "rx:(啪|嘣)的一声 rx:(砰|嘭|啪)的?一声.{0,6}(炸|爆)",
    "safety-gas-leak": "臭鸡蛋味 rx:臭鸡蛋.{0,3}味 rx:(燃气|煤气|天然气|液化气).{0,4}(味道|臭味|气味)",
    "safety-battery-swelling": "鼓起 鼓起来 电池鼓了 顶开 顶起来 被顶起 后盖顶开 撑开了",
    "safety-plug-overheat": "插头+发黑 插座+发黑 插头+变黑 插座+变黑 插线板+发黑 接头+发黑 接口+发黑 插头+熔 接头+熔 插头+烫手 插座+烫手 充电器+烫手 接头+烫手 插头+烧黑 充电器+烫得 插头+烫得 充电器+发黑 插座+黑了 插头+黑了 插线板+黑了 插座+烧了 插头+烧了",
    "safety-water-electric": "漏到插座 流到插座 rx:水.{0,3}(漏|流|渗|滴|溅|洒|淌|顺着).{0,10}(插座|插线板|排插|插排|接线板|电源|电线|电路板|主板|电闸)",
    "safety-falling": "往前倾 要掉下来 会掉下来 rx:(挂架|支架|吊架|外机|电视).{0,12}(倾|歪|斜).{0,8}(掉|砸|倒)",
    "safety-injury": "烫到孩子 烫到人 差点烫到 电到孩子 伤到孩子 rx:差点(烫|烧|砸|夹|电)(到|伤)",
    # 质量故障
    "fault-no-start": "没画面 没有画面 无画面 没图像 没有图像 全灭 灯全灭 指示灯灭 插上+没反应 插电+没反应 接通+没反应 rx:(啥|什么|一点|任何)(反应|动静)(都|也)?没 rx:(开关|电源键|开机键|按钮).{0,6}(完全)?没(有)?(反应|动静)",
    "fault-no-cooling": "不至冷 不制令 不致冷 不治冷 rx:(冷冻|冷藏|冰箱|冰柜)(室|里|里面)?的?(东西|肉|菜|食物|食材).{0,4}(全化|化了|化掉|都化|坏了|臭了|酸了|馊了|变质|成水|成了水) rx:(肉|菜|冰淇淋|雪糕|冻品|食物|食材|饺子|海鲜|牛奶).{0,4}(全化|化了|化掉|都化|臭了|酸了|馊了|变质|成水|成了水)",
    "fault-weak-cooling": "不怎么凉 不怎么冷 rx:结了.{0,4}(霜|冰) rx:(制冷|制热)(得|的)?(很|特别)?慢",
    "fault-no-heating": "一点都不热 完全不热 rx:(完全|一点)(都|也)?不热",
    "fault-slow-heating": "不太热 不怎么热 一边热一边",
    "fault-stopped": "不动了 停住了 停下来了 完全上不了网 上不了网 rx:(洗|烤|煮|炸|运行|转|用|打印|充|播放|工作)到一半.{0,6}(停|不动|关机|断电|没反应) rx:完全.{0,3}(用不了|上不了|没法|不能|打不|开不)",
    "fault-data-loss": "rx:(照片|相片|相册|数据|文件|资料|聊天记录|通讯录|视频|录音).{0,8}(不见了|没了|丢了|全丢|消失|找不到了|清空) rx:(十|几|好几)?年的?(照片|资料|数据|文件).{0,4}(全)?在(里面|里头)",
    "fault-locked": "进不去桌面 进不了桌面 进不去门 进不了家 进不了门 开不了门 rx:进不(去|了)(家|门|屋|系统|桌面|主页) rx:(门锁|锁).{0,6}(打不开|开不了|开不开|失灵)",
    "fault-noise": "吵得睡不着 吵得 睡不着!失眠 嘎吱 电流声 滋滋 吱吱响 轰轰 rx:(声音|噪音|噪声|响声|风扇|电机|马达)(也|都|很|特别|非常|比以前|越来越)?[^不没，,]{0,4}(大|响|吵)!一点点!一点儿!有点!有一点",
    "fault-leak": "漏出 流出来 rx:(漏|渗|滴)了?一?(地|柜子|大片)",
    "fault-error-code": "re:^(e|f|er|err|h|p|c)\\d{1,3}$",
    "fault-screen": "黑斑 亮斑 白斑 暗斑 黑块 rx:屏幕?.{0,6}(一|几)?条(绿|红|白|黑|彩|亮)?线",
    "fault-battery": "用不了多久 就没电 不经用 电池不行 掉电 续航+半天 rx:续航.{0,6}(只|就|才|不到|剩) rx:充电.{0,4}(很|特别|太|非常)?慢 rx:充满.{0,4}要.{0,6}(小时|个钟) rx:(两|几|一)次就没电",
    "fault-signal": "断断续续 时断时续 掉线 断网 经常断 信号+一格 穿墙+差 网速慢 网很慢 rx:(信号|网速|wifi|网络|蓝牙).{0,6}(差|弱|慢|不好|一格|不稳)",
    "fault-malfunction": "键+没反应 按下去没反应 锁舌 对不上",
    "fault-no-charge": "充不进点 充不上电 充不进去 充不了点 冲不进电 冲不上电",
    "fault-robot": "出不来 卡在 rx:卡在.{0,6}(下面|底下|里面|角落)",
    "fault-degraded": "比以前!一点点!一点儿 越来越 弱了 变弱 变小 小了很多 慢了很多 大不如 rx:比.{0,8}(时候|以前|之前|刚买).{0,4}(弱|小|差|慢|短|少|低)!一点点!一点儿",
    "fault-cosmetic": "涂层+掉 起泡 膜起泡 显示不全 缺笔画 缺一段 小划痕 rx:(颜色|色).{0,6}(不一样|不一致|有差)",
    # 烹饪
    "cooking-uneven": "rx:一半.{0,3}(焦|熟|生|硬|软|糊).{0,6}一半",
    "cooking-flame": "rx:(火苗|火焰|火力)(很|特别|太|非常|有点)?(小|弱|不够|不足)",
    # 安装
    "install-nonstandard": "没有固定 没固定 没拧紧 没装牢 没装紧 rx:(螺丝|膨胀螺丝|固定螺丝).{0,4}(没|少|松) rx:装(好|完|上)(以后|后|之后)?.{0,10}(歪|斜|不平|渗水|漏水|滴水|卡|关不|松|晃|用力|对不上) rx:(安装|装机)的?(师傅|人员|工人).{0,12}(弄|搞|打|装|砸|钻)(漏|坏|裂|破|歪|了个|出|穿) rx:打了?一?个?.{0,2}(大洞|大坑)",
    # 服务
    "service-attitude": "黑着脸 甩脸色 脸色难看 臭脸 不搭理 一问三不知 问什么都说不知道",
    "service-no-callback": "答应+没人打 说好+没人打 答应+没打 说好+没打 答应+没人联系 说好+没人联系 答应+没来电 说好+没来电 承诺+没人 一个电话都没 电话都没打 一次都没打 rx:(说|答应|承诺).{0,10}(联系|回电|回复|打电话).{0,20}(没|没有)人?(联系|打|回|来电|电话)",
    "service-slow": "转不了人工 一直排队 都在排队 rx:转人工.{0,6}(转不了|没人|排队) rx:(打|拨)了.{0,4}(几|十几|好几|很多)次",
    "service-overcharge": "旧配件 旧件 换下来的 rx:保修(期)?内.{0,6}(收|要)(钱|费) rx:收了我.{0,6}(块|元|钱|费)",
    # 投诉升级
    "escalation-return": "退一赔三 假一赔三 退一赔十 给退了 给我退了 退了吧 我不要了 rx:(给|帮)我?退(了|掉|货|款)",
    "escalation-complaint": "投诉 找领导 找你们领导 找你们经理 找负责人 消费者热线 12345 市长热线 监管部门 rx:找.{0,4}(领导|经理|负责人|老板|上级|主管) rx:(向|去|找).{0,6}(监管|工商|质监|消协|主管部门)",
    "escalation-media": "发帖 网上发帖 发朋友圈 帮忙栏目 rx:(发|曝|挂)(到|在|上)?(网上|网络|论坛|贴吧|小红书|朋友圈|抖音|微博|快手|知乎|业主群)",
    "escalation-legal": "告你们 rx:(告|起诉)(你们|厂家|商家)",
    # 建议
    "suggest-feature": "下一代 不是更好吗 rx:(出|做)(个|一款|一个).{0,8}(吧|就好|多好) rx:可以做(得|的|成) rx:(为啥|为什么)不.{0,2}(设计|做成|改成|加个|出个) rx:就不能.{0,12}吗 rx:能不能.{0,10}(一点|一些)",
}

# A keyword that proved too broad, and its narrower form.
REPLACED = {
    "fault-stopped": {"用不了": "用不了!用不了多久!用不了几"},
    "safety-no-earth": {
        "没有地线": "没有地线!有没有",
        "没有接地": "没有接地!有没有",
    },
    "usage-howto": {"怎么": "怎么!怎么说!不怎么"},
}
# fmt: on


def add_keywords(apps, schema_editor):
    Tag = apps.get_model("tickets", "Tag")
    for code in sorted(ADDED.keys() | REPLACED.keys()):
        tag = Tag.objects.filter(code=code).first()
        if tag is None:
            continue
        swaps = REPLACED.get(code, {})
        keywords = [swaps.get(word, word) for word in tag.keywords or []]
        keywords += [word for word in ADDED.get(code, "").split() if word not in keywords]
        if keywords != tag.keywords:
            Tag.objects.update_or_create(code=code, defaults={"keywords": keywords})


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_tag_library_seed"),
    ]

    operations = [migrations.RunPython(add_keywords, migrations.RunPython.noop)]
