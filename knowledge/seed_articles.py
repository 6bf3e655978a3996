"""The knowledge base's starting corpus: problem → cause → solution articles agents wrote.

`articles_seed()` loads them (idempotent, by title) for the demo and the tests; the search tests
ask for them in customers' words. Products are linked by category when the demo's exist, tags by
the library's codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class Seed:
    title: str
    audience: str  # "public" | "internal"
    categories: tuple[str, ...]  # ProductCategory values
    tags: tuple[str, ...]  # tag library codes
    problem: str
    cause: str
    solution: str


PUB, INT = "public", "internal"
AC, FR, WM, WH, RC, PR, OT = (
    "air_conditioner",
    "refrigerator",
    "washing_machine",
    "water_heater",
    "rice_cooker",
    "printer",
    "other",
)

# fmt: off
ARTICLES: list[Seed] = [
    # Air conditioners
    Seed("空调制冷效果差的排查", PUB, (AC,), ("fault-no-cooling", "fault-weak-cooling"),
         "空调开了很久房间还是不凉，出风口吹出来的风不冷，设定16度也降不下来。",
         "过滤网积灰堵塞、室外机散热不良，或者模式误设为送风、除湿。",
         "确认遥控器处于制冷模式；取下室内机面板清洗过滤网；检查室外机周围是否有遮挡物。"
         "以上处理后仍无冷风，请报修检测冷媒压力。"),
    Seed("空调冷媒泄漏的检测与补充", INT, (AC,), ("fault-no-cooling",),
         "空调运行正常但出风不凉，室外机连接管处有油渍，低压管结霜。",
         "连接管喇叭口松动或焊点砂眼导致制冷剂缓慢流失。",
         "用检漏仪或肥皂水检查接头与焊点；补焊或重新扩口后抽真空，按铭牌重量加注R32。"
         "记录压力值并拍照上传工单。"),
    Seed("空调室内机滴水", PUB, (AC,), ("fault-leak", "install-drain-pipe"),
         "挂机下面往地上淌水，墙面湿了一片，开机半小时就开始漏。",
         "排水管弯折、坡度不够或被堵，接水盘脏堵。",
         "关机断电后检查室外排水管出口是否被压扁或插入水中；疏通排水管，清洗接水盘。"
         "新装机器请联系安装师傅调整挂板水平。"),
    Seed("空调显示E1通讯故障", INT, (AC,), ("fault-error-code",),
         "室内机面板显示e1，压缩机不启动，遥控操作有反应但不出冷风。",
         "室内外机通讯线接触不良或接错，外机主板故障。",
         "断电重启一次；检查内外机连接线端子是否松动、线序是否正确；测量通讯电压。"
         "仍报e1则更换外机主板。"),
    Seed("空调外机运转噪音大", PUB, (AC,), ("fault-noise",),
         "晚上睡觉时室外那台机器嗡嗡响，声音比刚买时大很多，邻居也投诉。",
         "外机支架螺丝松动产生共振，风扇叶片碰到异物。",
         "检查外机底脚螺丝和减震垫，清理风扇周围杂物；支架松动请预约师傅上门加固，"
         "切勿自行攀爬。"),
    Seed("空调遥控器失灵", PUB, (AC,), ("usage-remote", "fault-malfunction"),
         "按遥控按钮机器没反应，遥控屏幕有显示但空调不接收。",
         "电池电量低，遥控接收窗被遮挡，或遥控器与机型不匹配。",
         "更换两节新电池；对准接收窗在三米内操作；用手机摄像头看遥控发射头是否闪光。"
         "遥控损坏可在官方商城购买原装配件。"),
    Seed("空调制热时吹冷风", PUB, (AC,), ("fault-weak-cooling",),
         "冬天开暖风模式，开机好几分钟出来的还是凉风，屋里暖不起来。",
         "制热开机有防冷风保护，需预热；室外温度过低时外机会自动化霜。",
         "开机后等待三到五分钟；化霜期间室内风机暂停属正常现象。长时间吹凉风请报修。"),
    Seed("空调挂机支架松动的处理", INT, (AC,), ("install-bracket", "safety-falling"),
         "客户反映外机晃动，支架锈蚀，担心掉下去砸到人。",
         "膨胀螺栓未打入承重墙，或支架承重不足、锈蚀。",
         "立即安排高空作业资质师傅上门；更换不锈钢支架，膨胀螺栓打入承重墙，并拍照留档。"),
    # Refrigerators
    Seed("冰箱冷藏室温度偏高", PUB, (FR,), ("fault-no-cooling", "fault-weak-cooling"),
         "冰箱上面保鲜那一层不够冷，牛奶放两天就坏了，蔬菜也蔫了。",
         "温度档位设置过高，门封不严，或食物堆放过满挡住出风口。",
         "将冷藏档调到4度左右；检查门封条是否贴合；食物与后壁保持距离，不要挡住风道。"),
    Seed("冰箱冷冻室结冰过多", PUB, (FR,), ("fault-malfunction",),
         "冻室里面长了厚厚一层冰，抽屉拉不出来。",
         "门没关严或频繁开门，潮湿空气进入；风冷机型化霜加热器故障。",
         "断电除冰后擦干；检查门是否关严。风冷机型仍反复结冰，请报修检查化霜系统。"),
    Seed("冰箱运行声音异常", PUB, (FR,), ("fault-noise", "fault-minor-noise"),
         "晚上冰箱咔咔作响，还有嗡嗡的声音，吵得睡不着。",
         "压缩机启停、冷媒流动和箱体热胀冷缩会有轻微声响；机身不平会放大震动。",
         "调整底脚使冰箱放平，与墙面保持十厘米；持续的金属摩擦声请报修。"),
    Seed("冰箱门封条老化漏冷", INT, (FR,), ("fault-weak-cooling",),
         "冰箱门关不严，侧边有缝，外壳出汗凝露。",
         "磁性门封条老化变形，或门体下沉。",
         "用热风机加热门封恢复形状；无法恢复则更换门封条，调整门铰链高度。"),
    Seed("冰箱内有异味的清除", PUB, (FR,), ("usage-care",),
         "打开冰箱一股臭味，清理了食物还是有怪味。",
         "食物汁液渗入接水盘或排水孔，细菌滋生。",
         "断电取出隔板用温水加小苏打擦洗；疏通排水孔；放入活性炭包除味。"),
    Seed("冰箱显示F2传感器故障", INT, (FR,), ("fault-error-code",),
         "冰箱显示屏报f2，温度乱跳，压缩机一直运转不停。",
         "冷冻传感器开路或短路，插接件受潮。",
         "测量传感器阻值对照表格；更换冷冻传感器，插接处做防水处理。"),
    # Washing machines
    Seed("洗衣机脱水时剧烈震动", PUB, (WM,), ("fault-noise", "fault-drain"),
         "洗衣机甩干的时候晃得厉害，整个机器在地上跳，还咚咚响。",
         "衣物缠绕偏向一侧导致不平衡；机器底脚不平；新机运输螺栓未拆。",
         "暂停后将衣物抖散摆匀；调节底脚使四角着地；新机请确认已拆除背板运输螺栓。"),
    Seed("洗衣机不排水", PUB, (WM,), ("fault-drain",),
         "洗完了水放不出去，桶里一直有积水，显示E21。",
         "排水泵过滤器被硬币、纽扣或毛絮堵住，排水管弯折。",
         "断电后打开右下角小门，放出残水，拧出过滤器清理异物；检查排水管是否压扁。"),
    Seed("滚筒洗衣机门打不开", PUB, (WM,), ("fault-locked",),
         "洗好了门还锁着，按开门键也拉不开，衣服拿不出来。",
         "程序结束后门锁延时解锁；桶内有水或温度高时安全锁不会打开。",
         "等待两分钟；如桶内有水先运行排水程序；断电后仍锁，可拉动底部应急开门拉绳。"),
    Seed("洗衣机进水慢或不进水", PUB, (WM,), ("fault-malfunction",),
         "启动后半天不上水，显示e10，水龙头是开着的。",
         "进水阀过滤网堵塞，水压太低，或进水管折弯。",
         "关闭水龙头，拧下进水管，清洗进水口滤网；检查家中水压。"),
    Seed("洗衣机衣物洗不干净有残留", PUB, (WM,), ("fault-degraded", "usage-care"),
         "洗完的衣服上面有白色粉末和毛絮，深色衣服特别明显。",
         "洗衣粉用量过多或溶解不充分，内筒脏污，过滤网满了。",
         "改用洗衣液并按量投放；每月运行一次筒自洁；清理毛絮过滤器。"),
    Seed("洗衣机筒内有霉味", PUB, (WM,), ("usage-care",),
         "衣服洗出来有股发霉的味道，内桶边缘黑黑的。",
         "洗衣后门盖长期关闭，潮气残留使霉菌滋生。",
         "用完开门通风；使用筒清洁剂高温筒自洁；清洗门封圈褶皱处。"),
    Seed("洗衣机漏水的排查", INT, (WM,), ("fault-leak",),
         "洗衣时机器底部流出水，地面一摊水。",
         "门封圈破损、进水管接头松动、排水泵密封失效。",
         "按进水、洗涤、排水分段观察出水位置；更换门封圈或接头垫圈；排水泵漏则更换泵。"),
    # Water heaters
    Seed("燃气热水器点火失败", PUB, (WH,), ("fault-no-heating", "cooking-flame"),
         "开热水龙头热水器打不着火，只听见啪啪声，一直出凉水。",
         "电池没电、燃气阀未开、水压低达不到启动流量。",
         "更换热水器下方的一号电池；确认燃气阀门打开；把水龙头开大。仍不着请报修。"),
    Seed("燃气热水器洗澡中途熄火", PUB, (WH,), ("fault-stopped", "fault-slow-heating"),
         "洗着洗着突然变凉，热水器自己灭了，过一会又能打着。",
         "水压波动、风压过大触发保护，或烟道堵塞。",
         "检查是否同时多处用水；确认排烟管畅通；冬季外墙风大可加装防风罩。"),
    Seed("电热水器出水温度不稳定", PUB, (WH,), ("fault-slow-heating",),
         "洗澡时水一会儿烫一会儿凉，调不到合适的温度。",
         "混水阀调节不当，或储水已用完进入冷水段。",
         "先放冷水再慢慢调混水阀；储水量不够时开启速热或增容模式。"),
    Seed("电热水器漏电保护跳闸", INT, (WH,), ("safety-leakage",),
         "热水器一通电漏保就跳，插头上的按钮复位不了。",
         "加热管结垢破裂导致对地漏电，或接线受潮。",
         "立即停用并断电；用兆欧表测加热管绝缘电阻；更换加热管及镁棒，检查接地。"),
    Seed("电热水器不加热", PUB, (WH,), ("fault-no-heating",),
         "热水器指示灯亮着，加热了一晚上水还是冷的。",
         "温控器损坏或加热管烧断，限温器动作后未复位。",
         "断电半小时后重新上电；仍不热请报修，由师傅检测加热管与温控器。"),
    Seed("电热水器镁棒更换周期", PUB, (WH,), ("usage-care",),
         "热水器用了两年，想知道里面的阳极棒多久需要更换。",
         "镁棒是消耗件，水质硬的地区消耗更快。",
         "一般每两年检查一次，损耗超过一半即更换；更换需排空内胆，建议预约上门。"),
    # Rice cookers
    Seed("电饭煲煮饭夹生", PUB, (RC,), ("cooking-undercooked",),
         "米饭中间硬硬的不熟，表面一层生米。",
         "水量不足、内胆变形与发热盘接触不良，或发热盘上有异物。",
         "按刻度加水；清洁发热盘表面；检查内胆底部是否变形，变形请更换内胆。"),
    Seed("电饭煲锅底烧糊", PUB, (RC,), ("cooking-burnt",),
         "每次煮完锅底都有一层黑锅巴，粘锅很难洗。",
         "温控器失灵导致持续加热，或内胆涂层磨损。",
         "检查内胆涂层是否脱落；持续出现请报修更换温控器。"),
    Seed("电饭煲煮饭时溢出米汤", PUB, (RC,), ("cooking-overflow", "cooking-steam"),
         "煮粥的时候盖子边上往外冒白沫，流得台面都是。",
         "米水量超过最高刻度，或排气阀堵塞。",
         "煮粥不超过粥刻度线；拆洗排汽阀和内盖密封圈。"),
    Seed("电饭煲预约功能怎么设置", PUB, (RC,), ("usage-howto",),
         "想晚上放好米第二天早上直接吃，不知道怎么定时。",
         "预约时间指完成时间，不是开始时间。",
         "选择功能后按预约键，用加减键设置完成时间，再按开始键确认。"),
    # Printers
    Seed("激光打印机频繁卡纸", PUB, (PR,), ("fault-paper-jam",),
         "打几张就夹纸，纸张皱在机器里面抽不出来。",
         "纸张受潮或过薄，搓纸轮磨损，纸盒装纸过多。",
         "使用70至80克干燥纸张；装纸不超过限高线；用湿布擦拭搓纸轮，磨损严重请更换。"),
    Seed("打印机打印字迹模糊", PUB, (PR,), ("fault-print-quality",),
         "打出来的文字发淡不清楚，有一道道白条纹。",
         "墨粉不足，硒鼓老化，或打印浓度设置偏低。",
         "摇匀粉盒后重新安装；在驱动中调高打印浓度；仍不清请更换硒鼓。"),
    Seed("墨仓式打印机断墨", PUB, (PR,), ("fault-print-quality",),
         "彩色打印机某种颜色出不来，打印的照片偏色，自检图缺色。",
         "喷头堵塞或墨管有空气，长期不用墨水干涸。",
         "运行两次喷头清洗；仍缺色执行强力清洗；每周至少打印一页保持喷头湿润。"),
    Seed("打印机驱动程序安装", PUB, (PR,), ("usage-driver",),
         "电脑找不到打印机，添加设备时没有这个型号。",
         "系统自带驱动不包含该机型，或数据线未连接。",
         "在官网服务与支持页面输入型号下载驱动，先装驱动再连接数据线。"),
    Seed("打印机无线网络连接", PUB, (PR,), ("usage-network", "fault-no-print"),
         "打印机连不上家里的wifi，手机发送打印任务没反应。",
         "路由器为5g频段，打印机只支持2.4g，或密码输入错误。",
         "在路由器中开启2.4g网络；长按机身无线键进入配网模式，用官方应用添加。"),
    Seed("打印机显示缺纸但纸盒有纸", INT, (PR,), ("fault-malfunction",),
         "纸盒装满了面板仍提示添加纸张，无法打印。",
         "纸张传感器挡片卡住或传感器脏污。",
         "取出纸盒检查传感器挡片是否回弹；用压缩空气清洁传感器；仍报错更换传感器。"),
    # Range hoods
    Seed("油烟机吸力不足", PUB, (OT,), ("fault-degraded",),
         "做饭时厨房里全是烟，抽不干净，呛得人直咳嗽。",
         "油网油杯积满油污，止回阀卡住，公共烟道倒灌。",
         "清洗油网和叶轮；检查止回阀是否能打开；高层住宅做饭时关好厨房门窗。"),
    Seed("油烟机运行时滴油", PUB, (OT,), ("fault-leak", "usage-care"),
         "烟机边缘往灶台上滴黄色的油，清理后过几天又有。",
         "油杯满溢，或导油槽安装不到位。",
         "倒掉并清洗油杯；检查导油槽是否卡好；每月清理一次。"),
    Seed("油烟机开机不转", INT, (OT,), ("fault-no-start",),
         "按了开关灯亮但风机不转，只有电流声。",
         "启动电容失效或电机绕组故障。",
         "测量电容容量，低于标称值更换；电容正常则检查电机绕组阻值。"),
    # Gas hobs
    Seed("燃气灶打不着火", PUB, (OT,), ("cooking-flame",),
         "拧旋钮只有咔咔声没有火，另一个灶眼正常。",
         "电池电量不足，点火针脏污或受潮，炉头被汤水堵住。",
         "更换灶具底部电池；用干布擦拭点火针；清理炉头火孔。"),
    Seed("燃气灶火焰发黄发红", PUB, (OT,), ("cooking-flame",),
         "灶上的火苗是黄色的，锅底被熏黑。",
         "空气配比不当，炉头火盖位置不正或火孔堵塞。",
         "将火盖放正；清洁火孔；调节风门使火焰呈蓝色。"),
    Seed("燃气灶松手后火就灭", PUB, (OT,), ("cooking-flame",),
         "点着以后一松开旋钮火就熄了，要一直按着。",
         "熄火保护热电偶未被加热或脏污。",
         "点火后按住旋钮三到五秒再松开；清洁热电偶探头，仍不行请报修。"),
    Seed("燃气泄漏应急处理", PUB, (OT, WH), ("safety-gas-leak",),
         "厨房里闻到臭鸡蛋一样的气味，怀疑漏气。",
         "胶管老化、接口松动或阀门未关严。",
         "立即关闭燃气总阀，打开门窗通风，不要开关任何电器或使用明火，到室外拨打燃气公司电话。"),
    # Dishwashers
    Seed("洗碗机洗后餐具有水渍", PUB, (OT,), ("fault-degraded",),
         "洗完的杯子上有白色斑点，碗上挂着水珠。",
         "未添加光亮剂，软水盐不足，水质偏硬。",
         "添加光亮剂和软水盐；按当地水质调整软水档位。"),
    Seed("洗碗机不出水报E4", INT, (OT,), ("fault-error-code",),
         "洗碗机启动后报e4，听不到进水声音。",
         "进水阀故障或溢水保护浮子卡住。",
         "检查底盘是否有积水触发浮子；测量进水阀线圈阻值，损坏则更换。"),
    Seed("洗碗机碗碟洗不干净", PUB, (OT,), ("fault-degraded",),
         "油盘上还有残渣，碗底有饭粒。",
         "喷臂喷孔堵塞，过滤器脏，摆放挡住喷淋。",
         "清洗过滤器和喷臂；大件放下层边缘，避免遮挡喷臂转动。"),
    # Phones and tablets
    Seed("手机充电慢或充不进电", PUB, (OT,), ("fault-no-charge",),
         "插上充电器半天电量不涨，有时提示充电异常。",
         "充电口有灰尘杂物，线材或充电头损坏，温度过高时系统限流。",
         "用牙签轻轻清理接口；更换原装数据线；关闭大型应用后充电。"),
    Seed("手机耗电快续航差", PUB, (OT,), ("fault-battery",),
         "早上充满，中午就没电了，待机也掉得很快。",
         "后台应用频繁唤醒，屏幕亮度高，电池健康度下降。",
         "在电池设置中查看耗电排行并限制后台；电池健康低于80%可预约更换电池。"),
    Seed("手机电池鼓包的处理", PUB, (OT,), ("safety-battery-swelling",),
         "手机后盖被撑开一条缝，屏幕也翘起来了。",
         "电池老化或过充导致电芯产气膨胀。",
         "立即停止使用和充电，不要挤压，将手机放在远离易燃物处，尽快到服务网点更换电池。"),
    Seed("手机发烫严重", PUB, (OT,), ("fault-overheat",),
         "玩游戏或者充电时机身烫手，背面很热。",
         "高负载运行叠加充电，手机壳影响散热。",
         "避免边充边玩大型游戏；取下厚手机壳；持续过热请送检。"),
    Seed("手机死机卡顿", PUB, (OT,), ("fault-stopped",),
         "用着用着画面不动了，点什么都没反应，只能强制重启。",
         "存储空间不足，某个应用异常占用内存。",
         "长按电源键加音量下键十秒强制重启；清理存储空间，更新系统与应用。"),
    Seed("平板电脑屏幕触控失灵", PUB, (OT,), ("fault-screen",),
         "平板点屏幕不灵，有的地方点了没反应，还会乱跳。",
         "屏幕贴膜气泡或脏污，充电器干扰，触控固件异常。",
         "清洁屏幕并更换贴膜；拔掉充电器测试；升级系统后仍失灵请送修。"),
    Seed("手机进水后的处理", PUB, (OT,), ("safety-water-electric",),
         "手机掉到水里捞上来了，现在屏幕有水雾。",
         "液体进入机身可能导致主板短路腐蚀。",
         "立即关机，不要充电或用吹风机加热，擦干表面后尽快送到服务网点检测。"),
    # Routers
    Seed("路由器频繁断网", PUB, (OT,), ("fault-signal",),
         "家里网络老是掉线，过一会儿又自动连上，看视频卡住。",
         "路由器过热，信道拥堵，固件版本旧。",
         "把路由器放在通风处；登录管理页面将信道改为自动；升级固件并每周重启一次。"),
    Seed("路由器无线信号弱", PUB, (OT,), ("fault-signal",),
         "卧室里手机只有一格，网速特别慢。",
         "墙体遮挡，路由器摆放位置偏，5g频段穿墙能力弱。",
         "将路由器放在房屋中央较高处；远处房间使用2.4g频段或加装组网路由。"),
    Seed("路由器忘记管理密码", PUB, (OT,), ("usage-howto",),
         "想改无线密码，但是进不去设置页面，登录密码忘了。",
         "管理密码与无线密码不同，需要恢复出厂设置。",
         "通电状态下用针按住复位孔十秒，指示灯全亮后松开，再按说明书重新设置。"),
    # Service and policy
    Seed("保修期与保修凭证说明", PUB, (AC, FR, WM, WH, RC, PR), ("usage-warranty",),
         "想知道东西还在不在保，发票丢了还能不能免费修。",
         "保修期自购买日起算，以发票或电子购物记录为准；无凭证按出厂日期推算。",
         "在官网输入机身条码查询保修状态；提供购物平台订单截图也可作为凭证。"),
    Seed("上门服务收费标准", PUB, (AC, FR, WM, WH), ("usage-price", "service-overcharge"),
         "师傅来了要收钱，想问哪些项目要付费，价格是多少。",
         "保内非人为故障免费；保外收取上门费、配件费和工时费，价格以官网公示为准。",
         "请师傅出示价目表并开具收费单据；对收费有疑问可拨打客服热线核实。"),
    Seed("预约安装与改约", PUB, (AC, WH, WM), ("install-booking", "install-delay"),
         "东西送到了，想约师傅来装，或者改个时间。",
         "安装需在收货后通过官方渠道预约，时间以师傅电话确认为准。",
         "在公众号或官网提交安装预约；需改期请提前一天致电，师傅会重新确认时间。"),
    Seed("维修后同一故障复发的处理", INT, (AC, FR, WM, WH), ("service-repeat-repair",),
         "客户第二次报同样的问题，上次维修只是临时处理。",
         "首次维修未找到根本原因，或更换的配件本身有问题。",
         "升级为二次处理，由主管指派高级工程师上门；更换配件记录批次，同步产品经理分析。"),
    Seed("客户要求退货的处理流程", INT, (AC, FR, WM, WH, RC, PR), ("escalation-return",),
         "客户坚决要退货退款，情绪激动。",
         "多为故障未及时解决或初次使用体验差。",
         "先安抚并核实购买时间与故障记录；七天内质量问题按政策办理退货；"
         "超期按三包规定处理，不确定时升级主管。"),
    Seed("电器插头插座发烫", PUB, (AC, WH), ("safety-plug-overheat",),
         "用的时候插头很烫，插座面板有点发黑。",
         "插座容量不足或接触不良，大功率电器与其他电器共用插排。",
         "立即停止使用并断电；大功率电器使用独立的十六安插座；插座烧黑请联系电工更换。"),
    Seed("电器冒烟或有烧焦气味", PUB, (AC, FR, WM, WH, RC, PR),
         ("safety-smoke", "safety-burning-smell"),
         "机器里面突然冒出一股烟，还有烧塑料的气味。",
         "内部元器件或线路短路过热。",
         "立即拔掉电源，不要再次通电，远离机器并开窗通风，拨打客服热线安排工程师上门检测。"),
]
# fmt: on


@transaction.atomic
def articles_seed(*, now: datetime | None = None) -> int:
    """Create the corpus's articles that do not exist yet (by title), published and indexed.

    Returns how many were created.
    """
    from knowledge.models import Article, ArticleVersion
    from knowledge.search import article_index
    from tickets.models import Product, Tag

    now = now or timezone.now()
    existing = set(
        Article.objects.filter(title__in=[s.title for s in ARTICLES]).values_list(
            "title", flat=True
        )
    )
    tags = {
        tag.code: tag for tag in Tag.objects.filter(code__in={c for s in ARTICLES for c in s.tags})
    }
    products: dict[str, list[Product]] = {}
    for product in Product.objects.all():
        products.setdefault(product.category, []).append(product)
    created: list[int] = []
    for seed in ARTICLES:
        if seed.title in existing:
            continue
        article = Article.objects.create(
            title=seed.title,
            problem=seed.problem,
            cause=seed.cause,
            solution=seed.solution,
            audience=seed.audience,
            status=Article.Status.PUBLISHED,
            created_at=now,
            updated_at=now,
            published_at=now,
        )
        ArticleVersion.objects.create(
            article=article,
            number=1,
            title=seed.title,
            problem=seed.problem,
            cause=seed.cause,
            solution=seed.solution,
            audience=seed.audience,
            note="初始知识库",
            edited_at=now,
        )
        article.tags.set([tags[code] for code in seed.tags if code in tags])
        article.products.set(
            [p for category in seed.categories for p in products.get(category, [])]
        )
        created.append(article.pk)
    article_index(article_ids=created)
    return len(created)
