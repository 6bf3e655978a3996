"""The demo data set: catalogue, organisation, tag library, role users and a month of tickets.

Pure tables and a deterministic plan; `manage.py seed_demo` writes them through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from django.utils import timezone

from tickets.models import ProductCategory, Ticket

SEED = 20250601
CUSTOMER_COUNT = 150
REGULARS = 10  # the first customers of the pool, who complain again and again

Cat = ProductCategory
Tier = Ticket.Tier
Kind = Ticket.Category
S = Ticket.Status


@dataclass(frozen=True)
class ProductRow:
    model_code: str
    name: str
    category: str
    warranty_months: int


PRODUCTS: list[ProductRow] = [
    ProductRow("KFR-26GW/BP3DN8Y-DA400", "1匹变频冷暖挂机", Cat.AIR_CONDITIONER, 72),
    ProductRow("KFR-35GW/BP3DN8Y-PH200", "1.5匹新一级能效变频挂机", Cat.AIR_CONDITIONER, 72),
    ProductRow("KFR-72LW/BP2DN8Y-YH200", "3匹变频立式柜机", Cat.AIR_CONDITIONER, 72),
    ProductRow("BCD-520WKPZM", "520升对开门风冷冰箱", Cat.REFRIGERATOR, 36),
    ProductRow("BCD-321WTPZM", "321升法式多门冰箱", Cat.REFRIGERATOR, 36),
    ProductRow("BCD-172CM", "172升双门小冰箱", Cat.REFRIGERATOR, 36),
    ProductRow("XQG100-BD14376LU1", "10公斤滚筒洗烘一体机", Cat.WASHING_MACHINE, 36),
    ProductRow("TB80V23H", "8公斤全自动波轮洗衣机", Cat.WASHING_MACHINE, 36),
    ProductRow("JSQ30-16HWA", "16升零冷水燃气热水器", Cat.WATER_HEATER, 36),
    ProductRow("F6021-X1", "60升储水式电热水器", Cat.WATER_HEATER, 48),
    ProductRow("F8033-Y3", "80升速热电热水器", Cat.WATER_HEATER, 48),
    ProductRow("MB-FB40E511", "4升智能电饭煲", Cat.RICE_COOKER, 12),
    ProductRow("IH-HF40C1", "4升IH电磁加热电饭煲", Cat.RICE_COOKER, 24),
    ProductRow("MB-FC30E105", "3升迷你电饭煲", Cat.RICE_COOKER, 12),
    ProductRow("LJ2405DN", "黑白激光打印机", Cat.PRINTER, 12),
    ProductRow("M7205DW", "黑白激光多功能一体机", Cat.PRINTER, 12),
    ProductRow("L3158", "彩色墨仓式打印机", Cat.PRINTER, 12),
]

# What customers call models we do not sell (old or grey-import units): an agent must link them.
UNKNOWN_MODELS: dict[str, list[str]] = {
    Cat.AIR_CONDITIONER: ["KFR-32GW/老款挂机", "KF-23GW"],
    Cat.REFRIGERATOR: ["BCD-215", "银色双门，型号看不清"],
    Cat.WASHING_MACHINE: ["XQB70-2011"],
    Cat.WATER_HEATER: ["JSQ24-12老款"],
    Cat.RICE_COOKER: ["FD302"],
    Cat.PRINTER: ["LJ2200"],
}


@dataclass(frozen=True)
class StoreRow:
    code: str
    name: str
    city: str
    address: str


STORES: list[StoreRow] = [
    StoreRow("sh-xuhui", "上海徐汇旗舰店", "上海", "徐汇区漕溪北路88号1层"),
    StoreRow("bj-chaoyang", "北京朝阳大悦城店", "北京", "朝阳区朝阳北路101号B1层"),
    StoreRow("gz-tianhe", "广州天河体验店", "广州", "天河区天河路208号3层"),
    StoreRow("cd-chunxi", "成都春熙路店", "成都", "锦江区春熙路步行街45号"),
]


@dataclass(frozen=True)
class TeamRow:
    code: str
    name: str
    description: str


TEAMS: list[TeamRow] = [
    TeamRow("cs-1", "客服一组", "400热线、企业微信客服，负责确认问题、派单、回访"),
    TeamRow("kitchen", "厨房电器组", "电饭煲等厨房小家电的检测与维修"),
    TeamRow("ac-install", "空调安装组", "空调、热水器的安装、移机与安装类问题"),
    TeamRow("tech-support", "技术支持", "疑难故障分析、故障码诊断、打印机与电控问题"),
    TeamRow("warehouse", "仓库", "配件出库、发货与物流问题"),
]

# The tag library as migration tickets/0006 seeds it: group → [(leaf, team code)].
# Same names as the library, so seed_demo reuses its rows (tests/intake/triage keeps the two
# in step). Parents only group. 客服一组 thanks suggesters and closes the loop; product
# managers see the suggestion tier through their own permission.
# fmt: off
TAGS: dict[str, list[tuple[str, str]]] = {
    "安全隐患": [
        ("漏电", "tech-support"), ("冒烟", "tech-support"), ("焦味", "tech-support"),
        ("起火", "tech-support"), ("爆炸", "tech-support"), ("燃气泄漏", "ac-install"),
        ("电池鼓包", "tech-support"), ("插头过热", "tech-support"), ("电器进水", "tech-support"),
        ("高空坠落风险", "ac-install"), ("未接地", "ac-install"), ("人身伤害", "tech-support"),
    ],
    "质量故障": [
        ("不启动", "tech-support"), ("不制冷", "tech-support"), ("制冷制热效果差", "tech-support"),
        ("不加热", "tech-support"), ("加热慢水温不稳", "tech-support"),
        ("停机死机", "tech-support"), ("数据丢失", "tech-support"), ("锁死", "tech-support"),
        ("电机异响", "tech-support"), ("轻微噪音", "tech-support"), ("漏水", "tech-support"),
        ("报故障码", "tech-support"), ("排水脱水故障", "tech-support"), ("卡纸", "tech-support"),
        ("打印模糊", "tech-support"), ("无法打印", "tech-support"), ("屏幕故障", "tech-support"),
        ("电池续航差", "tech-support"), ("无法充电", "tech-support"), ("机身发热", "tech-support"),
        ("信号通话异常", "tech-support"), ("功能失灵", "tech-support"),
        ("清扫异常", "tech-support"), ("性能下降", "tech-support"),
        ("外观瑕疵", "tech-support"),
    ],
    "烹饪效果异常": [
        ("夹生", "kitchen"), ("煮糊", "kitchen"), ("溢锅", "kitchen"), ("加热不均", "kitchen"),
        ("火力异常", "kitchen"), ("漏气冒汽", "kitchen"),
    ],
    "安装问题": [
        ("支架不牢固", "ac-install"), ("排水管漏水", "ac-install"), ("安装不规范", "ac-install"),
        ("安装延误", "ac-install"), ("预约安装", "ac-install"),
    ],
    "使用咨询": [
        ("操作不会用", "cs-1"), ("清洁保养", "cs-1"), ("遥控器配对", "cs-1"),
        ("驱动安装", "tech-support"), ("联网配网", "tech-support"), ("收费咨询", "cs-1"),
        ("保修咨询", "cs-1"), ("预约上门", "cs-1"),
    ],
    "服务问题": [
        ("上门爽约", "cs-1"), ("上门迟到", "cs-1"), ("态度差", "cs-1"), ("答应回电未回", "cs-1"),
        ("响应慢", "cs-1"), ("维修未解决", "cs-1"), ("乱收费", "cs-1"),
    ],
    "配件与物流": [
        ("配件缺货", "warehouse"), ("发错配件", "warehouse"), ("物流破损", "warehouse"),
        ("配件缺失", "warehouse"), ("发货延误", "warehouse"),
    ],
    "产品建议": [
        ("功能建议", "cs-1"), ("服务流程建议", "cs-1"),
    ],
    "投诉升级": [
        ("要求退货退款", "cs-1"), ("投诉威胁", "cs-1"), ("媒体曝光", "cs-1"), ("法律途径", "cs-1"),
    ],
}
# fmt: on


@dataclass(frozen=True)
class UserRow:
    username: str
    display_name: str
    team_codes: tuple[str, ...] = ()
    is_staff: bool = False
    is_superuser: bool = False
    at_first_store: bool = False


USERS: list[UserRow] = [
    UserRow("agent", "王芳", ("cs-1", "kitchen")),
    UserRow("engineer", "李强", ("ac-install", "tech-support")),
    UserRow("team_lead", "张敏", ("cs-1", "kitchen", "ac-install")),
    UserRow("manager", "陈建国", is_staff=True),
    UserRow("store_staff", "刘洋", at_first_store=True),
    UserRow("product_manager", "赵磊"),
    UserRow("warehouse", "孙丽", ("warehouse",)),
    # The three who approve an improvement plan (knowledge, seed 004).
    UserRow("product_director", "吴刚"),
    UserRow("rnd_lead", "郑伟"),
    UserRow("quality_lead", "冯静"),
    UserRow("admin", "周婷", is_staff=True, is_superuser=True),
]


# What the demo engineers repair and where they go (tickets.EngineerProfile).
ENGINEER_PROFILES: dict[str, tuple[list[str], list[str]]] = {
    "engineer": (
        [c.value for c in Cat if c != Cat.OTHER],
        ["上海", "北京/朝阳区"],
    ),
}


@dataclass(frozen=True)
class Problem:
    """One kind of complaint as customers tell it; `fix` is the engineer's resolution note."""

    product: str
    tier: str
    kind: str
    tag: tuple[str, str]
    description: str
    scene: str = ""
    symptom: str = ""
    tried: str = ""
    frequency: str = ""
    fix: str = ""


P = Problem
AC, FRIDGE, WASHER = Cat.AIR_CONDITIONER, Cat.REFRIGERATOR, Cat.WASHING_MACHINE
HEATER, COOKER, PRINTER = Cat.WATER_HEATER, Cat.RICE_COOKER, Cat.PRINTER

# fmt: off
# (a table reads best one complaint per block; ruff format would give every field a line)
PROBLEMS: list[Problem] = [
    # 空调
    P(AC, Tier.L2, Kind.QUALITY, ("质量故障", "电机异响"),
      "空调在制冷模式下运行15分钟后出风口有异响，晚上11点后明显",
      "夜间制冷", "出风口异响", "关机重启过", "每晚都有", "更换室内风机轴承，试机30分钟无异响"),
    P(AC, Tier.L1, Kind.QUALITY, ("质量故障", "不制冷"),
      "空调开了两个小时室内还是32度，完全不制冷，家里有80岁老人",
      "高温天白天制冷", "不制冷", "清洗过滤网、调到16度", "持续",
      "检测冷媒不足，补焊室外机接头并加注冷媒，出风温度恢复到12度"),
    P(AC, Tier.L1, Kind.INSTALLATION, ("安装问题", "支架不牢固"),
      "外机支架松动，刮风时外机晃动有咯吱声，住8楼，楼下是人行道，担心掉下去",
      "刮风时", "外机晃动", "", "刮风就晃", "重新打膨胀螺栓加固支架，加装减震垫"),
    P(AC, Tier.L2, Kind.INSTALLATION, ("安装问题", "排水管漏水"),
      "空调内机下方一直滴水，墙面和木地板都泡湿了",
      "制冷时", "内机滴水", "用盆接着", "开机半小时后", "重新调整排水管坡度并更换破损排水管"),
    P(AC, Tier.L3, Kind.INSTALLATION, ("安装问题", "安装不规范"),
      "空调装好后铜管外露，保温棉没包好，墙洞也没封，下雨往屋里渗水",
      "安装后", "墙洞渗水", "", "下雨时", "补包保温棉，墙洞打胶封堵"),
    P(AC, Tier.L3, Kind.USAGE, ("使用咨询", "操作不会用"),
      "不知道怎么设置睡眠模式和定时关机，说明书找不到了",
      "", "", "", "", "电话指导设置睡眠模式和定时关机，并发送电子版说明书"),
    P(AC, Tier.L3, Kind.USAGE, ("使用咨询", "遥控器配对"),
      "换了新遥控器后空调没反应，按键时遥控器屏幕有显示",
      "更换遥控器后", "遥控无反应", "换过电池", "", "指导遥控器重新对码，恢复正常"),
    P(AC, Tier.L2, Kind.QUALITY, ("质量故障", "报故障码"),
      "空调显示屏报E1，开机10分钟左右自动停机",
      "制冷时", "报E1后停机", "断电重启过", "每次开机", "更换室外机管温传感器，试机正常"),
    P(AC, Tier.L1, Kind.QUALITY, ("安全隐患", "漏电"),
      "空调外机外壳带电，晾衣服时碰到有麻感",
      "阳台晾衣服时", "外壳带电", "已拔掉插头", "", "外机接地线脱落，重新接地并检测绝缘正常"),
    P(AC, Tier.L2, Kind.SERVICE, ("服务问题", "上门迟到"),
      "约好上午9点到12点上门安装空调，师傅下午3点才到，也没提前打电话",
      "", "", "", "", "向客户致歉，赠送一次免费清洗服务"),
    P(AC, Tier.S, Kind.SUGGESTION, ("产品建议", "功能建议"),
      "希望空调App能显示每天的耗电量，方便控制电费"),
    # 冰箱
    P(FRIDGE, Tier.L1, Kind.QUALITY, ("质量故障", "不制冷"),
      "冰箱不制冷导致食材变质，冷藏室温度有15度",
      "日常使用", "冷藏不制冷", "调低温度档位、断电重启", "持续两天",
      "更换压缩机启动器，2小时后冷藏室降到5度"),
    P(FRIDGE, Tier.L1, Kind.QUALITY, ("质量故障", "不制冷"),
      "刚买一周的冰箱冷冻室不结冰，已经修过一次，再修不好就退货并投诉到12315",
      "", "冷冻不结冰", "修过一次", "", "更换温控主板，冷冻室降到-18度，承诺再出问题直接换机"),
    P(FRIDGE, Tier.L2, Kind.QUALITY, ("质量故障", "电机异响"),
      "冰箱压缩机启动时嗡嗡声很大，半夜能把人吵醒",
      "夜间", "压缩机异响", "调整过冰箱位置", "每次启动", "更换压缩机减震胶垫，噪音恢复正常"),
    P(FRIDGE, Tier.L2, Kind.QUALITY, ("质量故障", "漏水"),
      "冰箱冷藏室底部积水，果蔬抽屉下面结冰",
      "", "积水结冰", "清理过排水孔", "一周两三次", "疏通排水管并更换化霜加热丝"),
    P(FRIDGE, Tier.L3, Kind.USAGE, ("使用咨询", "清洁保养"),
      "冰箱里有异味，想知道怎么清洁和除味",
      "", "", "", "", "发送清洁保养指南，建议每季度清洁一次"),
    P(FRIDGE, Tier.L3, Kind.USAGE, ("使用咨询", "操作不会用"),
      "冰箱面板一直显示锁定，调不了温度",
      "", "面板锁定", "", "", "告知长按锁定键3秒解锁"),
    P(FRIDGE, Tier.L2, Kind.QUALITY, ("配件与物流", "物流破损"),
      "新冰箱送到时侧面有凹痕，包装箱也破了",
      "送货时", "外观凹痕", "", "", "安排换新机，破损机退回仓库"),
    P(FRIDGE, Tier.S, Kind.SUGGESTION, ("产品建议", "功能建议"),
      "建议冰箱门开太久时能推送手机提醒"),
    # 洗衣机
    P(WASHER, Tier.L2, Kind.QUALITY, ("质量故障", "电机异响"),
      "洗衣机脱水时噪音特别大，像有东西在撞，整机跳动",
      "脱水时", "撞击声、机身跳动", "调整过底脚", "每次脱水", "更换减震吊杆并调平底脚"),
    P(WASHER, Tier.L2, Kind.QUALITY, ("质量故障", "漏水"),
      "洗衣机洗涤时底部漏水，水流到卫生间外面",
      "洗涤时", "底部漏水", "关了水龙头", "每次洗衣", "更换进水管密封圈，试机无渗漏"),
    P(WASHER, Tier.L2, Kind.QUALITY, ("质量故障", "不启动"),
      "洗衣机通电后按启动键没反应，门锁灯一直闪",
      "", "不启动", "断电重启过", "", "更换门锁开关"),
    P(WASHER, Tier.L2, Kind.QUALITY, ("质量故障", "报故障码"),
      "洗衣机报E21排水故障，衣服泡在水里拿不出来",
      "洗涤结束时", "报E21", "清理过排水过滤器", "", "排水泵卡异物，清理后更换排水泵"),
    P(WASHER, Tier.L3, Kind.USAGE, ("使用咨询", "操作不会用"),
      "想了解羊毛衣物用哪个程序洗，怕洗缩水",
      "", "", "", "", "指导使用羊毛程序并设置冷水洗"),
    P(WASHER, Tier.L2, Kind.SERVICE, ("服务问题", "响应慢"),
      "报修三天了还没人联系，打400电话一直排队",
      "", "", "打过三次400", "", "向客户致歉，当天安排工程师上门"),
    P(WASHER, Tier.S, Kind.SUGGESTION, ("产品建议", "功能建议"),
      "希望洗衣机增加夜间静音模式"),
    # 热水器
    P(HEATER, Tier.L1, Kind.QUALITY, ("安全隐患", "漏电"),
      "热水器洗澡时漏电，手摸水管有麻感",
      "洗澡时", "漏电", "已断电停用", "", "检测接地线断开，重新接地并更换防漏电插头"),
    P(HEATER, Tier.L1, Kind.QUALITY, ("质量故障", "漏水"),
      "电热水器内胆漏水，底部一直滴水，下面就是插座",
      "", "内胆漏水", "已关闭进水阀", "持续", "内胆漏水，按保修更换整机"),
    P(HEATER, Tier.L1, Kind.QUALITY, ("质量故障", "不加热"),
      "燃气热水器打不着火，家里两个小孩没法洗澡",
      "洗澡时", "打不着火", "换过电池", "", "更换点火针和脉冲点火器"),
    P(HEATER, Tier.L2, Kind.QUALITY, ("质量故障", "报故障码"),
      "燃气热水器显示E6，用几分钟就熄火",
      "洗澡时", "报E6熄火", "", "每次用5分钟左右", "清洗风机与风压开关，测试正常"),
    P(HEATER, Tier.L2, Kind.INSTALLATION, ("安装问题", "安装延误"),
      "热水器约了两次安装都改期，旧热水器已经拆了，一周没热水",
      "", "", "", "", "安排当天加急安装"),
    P(HEATER, Tier.L3, Kind.USAGE, ("使用咨询", "清洁保养"),
      "热水器多久需要换镁棒，怎么预约上门",
      "", "", "", "", "告知2年更换一次镁棒，已预约周六上门"),
    P(HEATER, Tier.S, Kind.SUGGESTION, ("产品建议", "功能建议"),
      "建议热水器App能设置多个预约加热时段"),
    # 电饭煲
    P(COOKER, Tier.L3, Kind.QUALITY, ("烹饪效果异常", "夹生"),
      "电饭煲煮饭夹生，米芯是硬的，水位按刻度放的",
      "做饭时", "夹生", "换过米、多加了水", "最近每次都这样", "更换温控器，试煮正常"),
    P(COOKER, Tier.L3, Kind.QUALITY, ("烹饪效果异常", "煮糊"),
      "电饭煲锅底每次都煮糊一层，内胆涂层也有点掉",
      "做饭时", "锅底煮糊", "少放了米", "每次", "更换内胆与底部温度传感器"),
    P(COOKER, Tier.L2, Kind.QUALITY, ("烹饪效果异常", "溢锅"),
      "用煮粥模式时排气孔往外溢米汤，流得台面都是",
      "煮粥时", "溢锅", "减少了米量", "每次煮粥", "清理排气阀并更换密封圈，指导煮粥水量"),
    P(COOKER, Tier.L2, Kind.QUALITY, ("质量故障", "不启动"),
      "电饭煲插电后面板不亮，按键全都没反应",
      "", "面板不亮", "换过插座", "", "更换电源板"),
    P(COOKER, Tier.L1, Kind.QUALITY, ("安全隐患", "漏电"),
      "电饭煲外壳漏电，盛饭时手碰到有被电的感觉",
      "盛饭时", "外壳带电", "已停用", "", "内部线路绝缘破损，按保修换新机"),
    P(COOKER, Tier.L3, Kind.USAGE, ("使用咨询", "操作不会用"),
      "预约设置了早上7点煮好，结果半夜就开始煮了",
      "夜间预约", "", "", "", "说明预约时间是煮好时间，指导重新设置"),
    P(COOKER, Tier.L2, Kind.SERVICE, ("服务问题", "态度差"),
      "客服电话里说电饭煲只能寄修，我问能不能上门，语气很不耐烦",
      "", "", "", "", "回访致歉，已对相关客服进行服务规范培训"),
    P(COOKER, Tier.S, Kind.SUGGESTION, ("产品建议", "功能建议"),
      "希望电饭煲增加杂粮饭和低糖饭程序"),
    # 打印机
    P(PRINTER, Tier.L3, Kind.QUALITY, ("质量故障", "卡纸"),
      "打印机卡纸，已重启过",
      "连续打印", "卡纸", "重启过", "连续打印50页后", "更换搓纸轮并清洁进纸通道"),
    P(PRINTER, Tier.L2, Kind.QUALITY, ("质量故障", "打印模糊"),
      "打印出来的字有竖条纹，换过墨盒也一样",
      "", "竖条纹", "换过墨盒、清洗过喷头", "每页都有", "更换定影组件，打印测试页正常"),
    P(PRINTER, Tier.L1, Kind.QUALITY, ("质量故障", "报故障码"),
      "公司投标文件今天必须打出来，打印机突然报错无法打印，今天修不好就退货",
      "办公", "报错无法打印", "重启过、重装驱动", "", "更换主板，现场打印投标文件正常"),
    P(PRINTER, Tier.L3, Kind.USAGE, ("使用咨询", "驱动安装"),
      "换了新电脑后装不上打印机驱动，提示找不到设备",
      "更换电脑后", "", "装过两次驱动", "", "远程协助安装驱动并设置网络打印"),
    P(PRINTER, Tier.L3, Kind.USAGE, ("配件与物流", "配件缺货"),
      "想买原装硒鼓，官网一直显示缺货",
      "", "", "", "", "仓库调货，已寄出原装硒鼓"),
    P(PRINTER, Tier.L2, Kind.SERVICE, ("配件与物流", "发错配件"),
      "寄来的配件型号不对，维修又要再等一周",
      "", "", "", "", "重新发出正确配件并加急物流"),
    P(PRINTER, Tier.L2, Kind.SERVICE, ("服务问题", "响应慢"),
      "工程师上门后说要等配件就走了，之后一直没人通知进度",
      "", "", "", "", "向客户致歉，配件到货当天上门完成维修"),
    P(PRINTER, Tier.S, Kind.SUGGESTION, ("产品建议", "服务流程建议"),
      "建议寄修时能在微信里查到维修进度"),
]
# fmt: on

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
    "邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦方白邹孟熊秦邱江"
)
_TWO_CHAR_NAMES = "秀英秀兰桂英建华志强婷婷子涵浩然雨桐梓轩欣怡宇航晓燕海燕国庆建国玉兰淑珍春梅文博"
GIVEN_NAMES = [
    *"伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚",
    *(_TWO_CHAR_NAMES[i : i + 2] for i in range(0, len(_TWO_CHAR_NAMES), 2)),
]
# 13x, 15x and 18x mobiles (154 is not allocated).
MOBILE_PREFIXES = [f"1{second}{third}" for second in "358" for third in "0123456789"]
MOBILE_PREFIXES.remove("154")
# (area code, first digit) of landlines that phonenumbers accepts as CN fixed lines.
LANDLINES = [("021", "6"), ("021", "5"), ("010", "8"), ("020", "3"), ("028", "8")]

CHANNEL_WEIGHTS = {
    Ticket.Channel.PHONE: 40,
    Ticket.Channel.WECHAT: 25,
    Ticket.Channel.WEB: 20,
    Ticket.Channel.STORE: 15,
}
CONFIRMED_VIA = {
    Ticket.Channel.PHONE: Ticket.ConfirmedVia.READ_BACK,
    Ticket.Channel.WEB: Ticket.ConfirmedVia.PREVIEW,
    Ticket.Channel.WECHAT: Ticket.ConfirmedVia.WECHAT_REPLY,
    Ticket.Channel.STORE: Ticket.ConfirmedVia.STORE,
}
# Who registers a complaint: the web form is filled in by the customer alone.
REGISTERED_BY = {
    Ticket.Channel.PHONE: "agent",
    Ticket.Channel.WECHAT: "agent",
    Ticket.Channel.WEB: None,
    Ticket.Channel.STORE: "store_staff",
}

# How many tickets end in each status (200 in all), and how old such a ticket is
# (hours): fresh tickets are still new, month-old ones are closed.
STATUS_COUNTS = {
    S.NEW: 18,
    S.CONTACTED: 14,
    S.IN_PROGRESS: 25,
    S.WAITING_PARTS: 14,
    S.WAITING_TECHNICAL: 10,
    S.WAITING_CUSTOMER: 10,
    S.RESOLVED: 25,
    S.REOPENED: 6,
    S.CLOSED: 78,
}
AGE_HOURS = {
    S.NEW: (0.1, 6),
    S.CONTACTED: (1, 30),
    S.IN_PROGRESS: (3, 48),
    S.WAITING_PARTS: (6, 80),
    S.WAITING_TECHNICAL: (6, 72),
    S.WAITING_CUSTOMER: (6, 72),
    S.RESOLVED: (24, 200),
    S.REOPENED: (72, 240),
    S.CLOSED: (96, 29 * 24),
}
# Hours from the previous step to this one, before squeezing into the ticket's age.
GAP_HOURS = {
    S.CONTACTED: (0.1, 3),
    S.IN_PROGRESS: (0.5, 12),
    S.WAITING_PARTS: (1, 24),
    S.WAITING_TECHNICAL: (1, 24),
    S.WAITING_CUSTOMER: (1, 24),
    S.RESOLVED: (2, 48),
    S.REOPENED: (24, 96),
    S.CLOSED: (24, 96),
}
# Customers call and staff work 08:00–22:00 local time.
OPEN_HOURS = (8, 22)
WAITING = [S.WAITING_PARTS, S.WAITING_TECHNICAL, S.WAITING_CUSTOMER]
STEP_ACTOR = {S.CONTACTED: "agent", S.REOPENED: "agent", S.CLOSED: "agent"}  # else engineer
NOTES = {
    S.CONTACTED: "已联系客户，复述问题并确认，约定处理时间",
    S.IN_PROGRESS: "已派单，工程师开始处理",
    S.WAITING_PARTS: "需更换配件，已向仓库申请，预计3天到货",
    S.WAITING_TECHNICAL: "现场无法判断原因，已提交技术支持分析",
    S.WAITING_CUSTOMER: "客户本周出差，等待客户确认上门时间",
    S.CLOSED: "三个工作日后回访，客户满意，工单关闭",
    S.REOPENED: "回访满意度2分，客户反映问题复现，启动二次处理",
}
RESUMED_NOTES = {
    S.WAITING_PARTS: "配件已到货，继续维修",
    S.WAITING_TECHNICAL: "技术支持已给出方案，继续处理",
    S.WAITING_CUSTOMER: "已与客户约定时间，继续处理",
    S.REOPENED: "二次处理：工程师重新上门检查",
}
# Closing the loop: a repair tells the customer what the warranty now covers.
WARRANTY_PROMISE = "，已告知客户后续3个月内同样问题免费上门"
# How a demo ticket is resolved, by its category: (resolution, root cause).
RESOLUTIONS = {
    Kind.QUALITY: (Ticket.Resolution.REPAIRED, Ticket.RootCause.COMPONENT),
    Kind.INSTALLATION: (Ticket.Resolution.INSTALLED, Ticket.RootCause.INSTALLATION),
    Kind.USAGE: (Ticket.Resolution.ADVICE, Ticket.RootCause.USAGE),
    Kind.SERVICE: (Ticket.Resolution.COMPENSATED, Ticket.RootCause.SERVICE),
    Kind.SUGGESTION: (Ticket.Resolution.OTHER, Ticket.RootCause.UNKNOWN),
}
# A wait for parts or technical support is a sub-task to that team, answered with this.
SUBTASKS = {
    S.WAITING_PARTS: ("parts", "warehouse", "warehouse", "配件已出库，顺丰发往服务网点"),
    S.WAITING_TECHNICAL: (
        "technical",
        "tech-support",
        "engineer",
        "已远程分析：主控板程序异常，建议更换主控板",
    ),
}
SUGGESTION_RESOLVED = "建议已转产品经理评估，已致电感谢客户"


@dataclass(frozen=True)
class Step:
    status: str
    at: datetime
    actor: str
    note: str


@dataclass(frozen=True)
class TicketPlan:
    external_ref: str
    channel: str
    customer_name: str
    phone: str
    problem: Problem
    product_model: str
    batch: str
    purchase_date: date | None
    confirmed: bool
    urgency: str
    store_code: str | None
    registered_by: str | None
    received_at: datetime
    steps: list[Step]


@dataclass(frozen=True)
class DemoPlan:
    tickets: list[TicketPlan]
    vip_phones: list[str]


def demo_plan(*, now: datetime) -> DemoPlan:
    """The same tickets on every run (fixed seed), dated relative to `now`."""
    rng = random.Random(SEED)
    customers = _customers(rng, count=CUSTOMER_COUNT)
    statuses = [status for status, count in STATUS_COUNTS.items() for _ in range(count)]
    rng.shuffle(statuses)
    problems = _deck(rng, PROBLEMS, len(statuses))
    # Each ticket draws from its own generator: how many draws a ticket's dates take depends
    # on the time of day of `now`, and must not change who and which channel the next one is.
    tickets = [
        _ticket(
            random.Random(f"{SEED}-{i}"),
            index=i,
            status=status,
            problem=problem,
            customers=customers,
            now=now,
        )
        for i, (status, problem) in enumerate(zip(statuses, problems, strict=True))
    ]
    used = {ticket.phone for ticket in tickets}
    # A few of the regulars (the first customers, who call most) are VIPs.
    vips = [phone for _name, phone in customers[:REGULARS:3] if phone in used]
    return DemoPlan(tickets=tickets, vip_phones=vips)


def _customers(rng: random.Random, *, count: int) -> list[tuple[str, str]]:
    people: list[tuple[str, str]] = []
    phones: set[str] = set()
    while len(people) < count:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        if rng.random() < 0.08:
            area, first = rng.choice(LANDLINES)
            phone = f"{area}-{first}{rng.randrange(10**6, 10**7)}"
        else:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in phones:
            phones.add(phone)
            people.append((name, phone))
    return people


def _deck(rng: random.Random, items: list[Problem], size: int) -> list[Problem]:
    """Shuffled full rounds of `items`, so every problem (and so every tier and kind) appears."""
    deck: list[Problem] = []
    while len(deck) < size:
        round_ = list(items)
        rng.shuffle(round_)
        deck += round_
    return deck[:size]


def _ticket(
    rng: random.Random,
    *,
    index: int,
    status: str,
    problem: Problem,
    customers: list[tuple[str, str]],
    now: datetime,
) -> TicketPlan:
    # Roughly one ticket in six comes from a regular: repeat complaints.
    regular = rng.random() < 0.18
    name, phone = customers[
        rng.randrange(REGULARS) if regular else rng.randrange(REGULARS, len(customers))
    ]
    channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
    received_at = _earlier_daytime(rng, now - timedelta(hours=rng.uniform(*AGE_HOURS[status])))
    return TicketPlan(
        external_ref=f"demo-{index:04d}",
        channel=channel,
        customer_name=name,
        phone=phone,
        problem=problem,
        product_model=_product_model(rng, problem.product),
        batch=_batch(rng),
        purchase_date=_purchase_date(rng, now),
        confirmed=channel == Ticket.Channel.STORE or rng.random() < 0.9,
        urgency=_urgency(rng, problem.tier),
        store_code=_store_code(rng) if channel == Ticket.Channel.STORE else None,
        registered_by=REGISTERED_BY[channel],
        received_at=received_at,
        steps=_steps(rng, status=status, problem=problem, start=received_at, now=now),
    )


def _store_code(rng: random.Random) -> str:
    # Half at the first store, so store_staff has a queue worth looking at.
    return STORES[0].code if rng.random() < 0.5 else rng.choice(STORES[1:]).code


def _batch(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return ""
    return f"{rng.randint(2021, 2025)}{rng.randint(1, 12):02d}-B{rng.randint(1, 40):02d}"


def _purchase_date(rng: random.Random, now: datetime) -> date | None:
    if rng.random() < 0.3:
        return None
    return timezone.localdate(now) - timedelta(days=rng.randint(20, 1400))


def _earlier_daytime(rng: random.Random, at: datetime) -> datetime:
    """A night-time arrival moves back to a daytime hour of that evening or the day before."""
    local = timezone.localtime(at)
    if OPEN_HOURS[0] <= local.hour < OPEN_HOURS[1]:
        return at
    day = local if local.hour >= OPEN_HOURS[1] else local - timedelta(days=1)
    return day.replace(hour=rng.randrange(*OPEN_HOURS), minute=rng.randrange(60))


def _later_daytime(rng: random.Random, at: datetime) -> datetime:
    """Work that would fall in the night moves to the next morning."""
    local = timezone.localtime(at)
    if OPEN_HOURS[0] <= local.hour < OPEN_HOURS[1]:
        return at
    day = local + timedelta(days=1) if local.hour >= OPEN_HOURS[1] else local
    return day.replace(hour=OPEN_HOURS[0], minute=0) + timedelta(minutes=rng.randrange(180))


def _product_model(rng: random.Random, category: str) -> str:
    roll = rng.random()
    if roll < 0.03:
        return ""  # the caller could not say
    if roll < 0.10:
        return rng.choice(UNKNOWN_MODELS[category])
    return rng.choice([p.model_code for p in PRODUCTS if p.category == category])


def _urgency(rng: random.Random, tier: str) -> str:
    U = Ticket.Urgency
    choices = {
        Tier.L1: [U.HIGH],
        Tier.L2: [U.NORMAL, U.HIGH],
        Tier.L3: [U.LOW, U.NORMAL],
        Tier.S: [U.LOW],
    }
    return rng.choice(choices[tier])


def _path(rng: random.Random, target: str) -> list[str]:
    """Statuses after `new`, each allowed by ALLOWED_TRANSITIONS, ending at `target`."""
    if target == S.NEW:
        return []
    if target == S.CONTACTED:
        return [S.CONTACTED]
    work = [S.CONTACTED, S.IN_PROGRESS]
    if target in WAITING:
        return [*work, target]
    if rng.random() < 0.4:
        work += [rng.choice(WAITING), S.IN_PROGRESS]
    if target == S.IN_PROGRESS:
        return work
    work.append(S.RESOLVED)
    if target == S.RESOLVED:
        return work
    if target == S.REOPENED:
        return [*work, S.REOPENED]
    # Closed; one in six needed a second handling first.
    if rng.random() < 1 / 6:
        work += [S.REOPENED, S.IN_PROGRESS, S.RESOLVED]
    return [*work, S.CLOSED]


def _steps(
    rng: random.Random, *, status: str, problem: Problem, start: datetime, now: datetime
) -> list[Step]:
    path = _path(rng, status)
    if not path:
        return []
    # Urgent tickets move faster; the whole timeline is squeezed to end before now.
    pace = 0.3 if problem.tier == Tier.L1 else 1.0
    gaps = [rng.uniform(*GAP_HOURS[s]) * pace for s in path]
    scale = min(1.0, (now - start).total_seconds() / 3600 * 0.9 / sum(gaps))
    wall_clock = list(accumulate((timedelta(hours=gap * scale) for gap in gaps), initial=start))
    times, at = [], start
    for gap in gaps:
        at = _later_daytime(rng, at + timedelta(hours=gap * scale))
        times.append(at)
    if times[-1] >= now:  # waiting for the morning would run past now: keep the night shifts
        times = wall_clock[1:]
    previous, steps = S.NEW, []
    for to_status, at in zip(path, times, strict=True):
        actor = STEP_ACTOR.get(to_status, "engineer")
        steps.append(Step(to_status, at, actor, _note(previous, to_status, problem)))
        previous = to_status
    return steps


def _note(previous: str, status: str, problem: Problem) -> str:
    if status == S.IN_PROGRESS and previous in RESUMED_NOTES:
        return RESUMED_NOTES[previous]
    if status != S.RESOLVED:
        return NOTES[status]
    if problem.kind == Kind.SUGGESTION:
        return SUGGESTION_RESOLVED
    if problem.kind in {Kind.QUALITY, Kind.INSTALLATION}:
        return problem.fix + WARRANTY_PROMISE
    return problem.fix
