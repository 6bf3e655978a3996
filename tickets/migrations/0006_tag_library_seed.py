"""Seed the problem tag library: 9 groups, their leaves, keywords, tiers and categories.

Idempotent (update or create by code). Tags made earlier by name (seed_demo) are adopted, not
duplicated; two groups the demo named differently are renamed, and 漏电 moves to 安全隐患.
A tag routes to its team when that team exists and the tag has none yet.
Keyword syntax (see Tag.keywords): 'a+b' both in one sentence, '!x' unless the sentence has x,
're:' a regular expression for one word.
"""

from django.db import migrations

# (code, name, tier, category, [(code, name, team code, tier, category, keywords)]);
# a blank leaf tier or category is the group's.
# fmt: off
# (one leaf per block reads best; ruff format would give every field a line)
LIBRARY = [
    ("safety", "安全隐患", "L1", "quality", [
        ("safety-leakage", "漏电", "tech-support", "", "",
         "漏电 触电 带电 麻手 发麻 电麻 被电 电到 电了一下 电人 有电感 麻麻的 麻酥酥 电击 跳闸 漏保跳闸 漏电保护器跳闸 有点麻 手麻 麻了一下 麻手+碰 rx:漏.?电 rx:带.?电"),
        ("safety-smoke", "冒烟", "tech-support", "", "",
         "冒烟 冒白烟 冒黑烟 冒青烟 烟雾 有烟 起烟 出烟 rx:冒.{0,4}烟 rx:烟.{0,2}冒出来 rx:冒出.{0,3}烟"),
        ("safety-burning-smell", "焦味", "tech-support", "", "",
         "焦味!饭!粥!锅底!菜!米 烧焦味!饭!粥!锅底!菜!米 焦糊味!饭!粥!锅底!菜!米 烧焦!饭!粥!锅底!菜!米 烧焦的味道!饭!粥!锅底!菜!米 电线味 胶皮味 塑料烧焦 烧塑料的味道 rx:(电机|线|插头|插座|主板|电源)烧(了|坏|焦|糊)"),
        ("safety-fire", "起火", "tech-support", "", "",
         "起火 着火 着火了 燃烧 烧起来 火花 冒火花 打火花 电火花 冒火星 火星 明火 自燃 rx:着.{0,2}火了 rx:(冒|起|蹿|窜)火 rx:烧起来"),
        ("safety-explosion", "爆炸", "tech-support", "", "",
         "爆炸 炸了!气 爆裂 炸裂 爆开 自爆 爆了!气!爆满 rx:(砰|嘭)的一声"),
        ("safety-gas-leak", "燃气泄漏", "ac-install", "", "",
         "燃气泄漏 煤气泄漏 天然气泄漏 漏燃气 漏煤气 漏天然气 煤气味 燃气味 天然气味 闻到煤气 闻到燃气 一氧化碳 煤气中毒 漏气+燃气 漏气+煤气 漏气+天然气 漏气+灶 漏气+热水器 漏气+气管 rx:(煤|燃|天然)气.{0,3}(味|泄|漏)"),
        ("safety-battery-swelling", "电池鼓包", "tech-support", "", "",
         "鼓包 电池鼓 电池膨胀 电池变形 后盖顶起 后壳顶起 屏幕被顶起 电池漏液"),
        ("safety-plug-overheat", "插头过热", "tech-support", "", "",
         "插头发烫 插座发烫 电源线发烫 电线发烫 插头烫手 插头烧黑 插座烧黑 插头熔化 插座熔化 插头烧坏 插座烧坏 插头+发烫 插座+发烫 插头+烫手 电源线+烫"),
        ("safety-water-electric", "电器进水", "tech-support", "", "",
         "漏水+插座 滴水+插座 渗水+插座 水+插座 漏水+插头 漏水+电源 滴水+电源 漏水+电线 滴水+电线 漏水+电路 漏水+电表 进水+主板 进水+电路 进水+电源 短路 手机进水 电脑进水 笔记本进水 键盘进水 掉水里 掉进水里 泡水"),
        ("safety-falling", "高空坠落风险", "ac-install", "", "installation",
         "掉下去 掉下来 坠落 砸到人 砸到 摇摇欲坠 随时会掉 要掉了 快掉了"),
        ("safety-no-earth", "未接地", "ac-install", "", "installation",
         "没有接地 没接地 未接地 没接地线 没有接地线 没装地线 没有地线 没接地线"),
        ("safety-injury", "人身伤害", "tech-support", "", "",
         "烫伤 受伤 割伤 夹伤 砸伤 烧伤 伤到 划伤了手"),
    ]),
    ("fault", "质量故障", "L2", "quality", [
        ("fault-no-start", "不启动", "tech-support", "L1", "",
         "不启动 无法启动 启动不了 开不了机 无法开机 开不开机 不开机 开机没反应 通电没反应 插电没反应 通电后没反应 启动键没反应 完全没反应 没有任何反应 毫无反应 一点反应都没有 全都没反应 都没反应 面板不亮 指示灯不亮 灯都不亮 屏幕不亮 黑屏 不通电 不工作 罢工"),
        ("fault-no-cooling", "不制冷", "tech-support", "L1", "",
         "不制冷 不冷 不凉 不结冰 不冻 没有冷气 没冷气 没有冷风 吹热风 出热风 吹的是热风 不降温 制冷失效 冷藏不冷 冷冻不冻 食材变质 食物变质 食物坏了 东西都坏了 肉都臭了 菜都坏了 一点也不凉"),
        ("fault-weak-cooling", "制冷制热效果差", "tech-support", "", "",
         "制冷效果差 制冷差 制冷慢 制冷效果不好 制冷不好 不够凉 不够冷 降温慢 温度降不下来 冷得慢 制热效果差 制热慢 制热差 不够热 温度上不去 没以前凉 不如以前凉 制冷+慢 制热+慢 制冷+越来越差 制冷+没以前好 不凉快 不太凉快 不太凉 漏氟 缺氟 加氟 结霜 结冰太厚"),
        ("fault-no-heating", "不加热", "tech-support", "L1", "",
         "不加热 不出热水 没热水 没有热水 打不着火 点不着火 点不着 不点火 点火失败 打不着 热不了 加热不了 无法加热 水不热 不热 不制热 不出热风"),
        ("fault-slow-heating", "加热慢水温不稳", "tech-support", "", "",
         "加热慢 水温不稳 忽冷忽热 水温低 热水不够 温度不稳 水温忽高忽低 加热时间长 时冷时热 加热+慢 热水+慢 出热水+慢 忽大忽小 调不准 温度+差很多 温度不准"),
        ("fault-stopped", "停机死机", "tech-support", "L1", "",
         "停机 死机 自动关机 突然关机 频繁重启 自动重启 反复重启 无法使用 用不了 没法用 不能用 不能用了 瘫痪 卡死 停止运行 停止工作"),
        ("fault-data-loss", "数据丢失", "tech-support", "L1", "",
         "数据丢失 丢失数据 丢数据 数据没了 资料丢失 资料没了 文件丢失 文件没了 照片没了 照片丢失 聊天记录没了 通讯录没了 硬盘坏了 硬盘损坏 数据+没了 照片+没了 文件+没了 资料+没了 数据+丢 照片+丢 文件+丢 数据+丢失 照片+丢失 文件+丢失"),
        ("fault-locked", "锁死", "tech-support", "L1", "",
         "锁死 变砖 卡在开机 卡logo 卡在logo 进不了系统 进不去系统 无法进入系统 激活锁 id锁 账号被锁 被锁了 无法解锁 解不了锁 密码锁住 被锁定"),
        ("fault-noise", "电机异响", "tech-support", "", "",
         "异响 噪音大 噪音很大 噪声大 嗡嗡 嗡嗡声 咔咔 咔咔声 咯吱 咯吱声 吱吱 吱吱声 哒哒 咚咚 声音很大 响声很大 声音大 撞击声 异常声音 怪声 杂音 抖动 震动大 震动很大 晃得厉害 跳动"),
        ("fault-minor-noise", "轻微噪音", "tech-support", "L3", "",
         "轻微异响 轻微噪音 有点响 有点吵 声音有点大 偶尔响 偶尔有响声 小噪音 轻微的响声 一点点响 有点异响 有点噪音 一点异响"),
        ("fault-leak", "漏水", "tech-support", "", "",
         "漏水 渗水 滴水 漏水点 积水 冒水 往外漏水 往外流水 往下滴水 水漫 流水 水流出来 漏水了"),
        ("fault-error-code", "报故障码", "tech-support", "", "",
         "故障码 报错 报故障 错误代码 错误码 故障代码 报警 闪灯 指示灯闪烁 灯一直闪 re:^(e|f|er|err|h)-?\\d{1,3}$"),
        ("fault-drain", "排水脱水故障", "tech-support", "", "",
         "不排水 排不了水 排水慢 不脱水 脱不了水 脱水失败 甩不干 不进水 进水慢 水排不出去"),
        ("fault-paper-jam", "卡纸", "tech-support", "", "",
         "卡纸 夹纸 进纸失败 不进纸 双张进纸 纸卡住 卡住纸"),
        ("fault-print-quality", "打印模糊", "tech-support", "", "",
         "打印模糊 字迹模糊 竖条纹 横条纹 条纹 竖线 白条 黑条 重影 颜色淡 缺色 偏色 打印不清楚 打印很淡 底灰 漏粉 偏淡 发淡 颜色浅 打印+淡 全是黑的 全黑 rx:(复印|打印).{0,6}(黑|白|花)"),
        ("fault-no-print", "无法打印", "tech-support", "L1", "",
         "无法打印 打印不了 不能打印 打不出来 打印不出来 不出纸"),
        ("fault-screen", "屏幕故障", "tech-support", "", "",
         "花屏 闪屏 屏幕闪 触屏失灵 触摸失灵 断触 屏幕有线 亮线 绿线 坏点 漏光 屏幕碎 碎屏 屏幕裂"),
        ("fault-battery", "电池续航差", "tech-support", "", "",
         "耗电快 掉电快 续航差 续航短 电池不耐用 充电慢 充不满 电量跳 不耐用 续航+差 电池+不耐用 一天要充"),
        ("fault-no-charge", "无法充电", "tech-support", "L1", "",
         "充不进电 充不了电 无法充电 不充电 不能充电 充电没反应"),
        ("fault-overheat", "机身发热", "tech-support", "", "",
         "发烫 过热 很烫 烫手 温度很高 机身发热 发热严重 发热厉害"),
        ("fault-signal", "信号通话异常", "tech-support", "", "",
         "没信号 信号差 信号弱 无服务 通话断断续续 听不到声音 听筒没声音 打不了电话 无法通话"),
        ("fault-malfunction", "功能失灵", "tech-support", "", "",
         "失灵 不灵敏 按键失灵 按键不灵 温控失灵 定时失灵 不受控制 乱跳 自己启动 没有声音 没声音 拍照模糊 指纹识别不了 键盘失灵 触控板失灵 断连 不转 转不动 不灵 关不严 关不紧 合不上 门+有缝 关不严实 拧不动 打不开 门打不开 撞家具 乱撞 失效"),
        ("fault-robot", "清扫异常", "tech-support", "", "",
         "不回充 回不了充电座 找不到充电座 吸力小 吸力变小 吸力弱 漏扫 乱撞 原地打转 边刷不转 滚刷不转 地图丢失 卡住不动 拖地不出水"),
        ("fault-degraded", "性能下降", "tech-support", "", "",
         "效果差 效果不好 越来越差 没以前好 不如以前 大不如前 洗不干净 不干净 有残渣 性能下降 变慢 很卡 卡顿 黑点"),
        ("fault-cosmetic", "外观瑕疵", "tech-support", "L3", "",
         "划痕 划花 掉漆 色差 磕碰 凹痕 凹陷 变形 缝隙 瑕疵 脱胶 生锈 锈迹 发黄 裂纹 外观"),
    ]),
    ("cooking", "烹饪效果异常", "L2", "quality", [
        ("cooking-undercooked", "夹生", "kitchen", "", "",
         "夹生 不熟 没熟 没煮熟 煮不熟 半生不熟 米芯硬 中间硬 夹心饭 生米 外软内硬"),
        ("cooking-burnt", "煮糊", "kitchen", "", "",
         "煮糊 糊底 烧糊 锅底糊 焦底 糊锅 粘锅 糊了 糊味 焦糊 烧焦+饭 烧焦+锅底 焦味+饭 焦味+粥 烧焦+粥 糊一层 锅底+糊"),
        ("cooking-overflow", "溢锅", "kitchen", "", "",
         "溢锅 溢出 溢米汤 往外冒 漫出来 喷出来 冒汤 溢出来 潽锅 喷汤"),
        ("cooking-uneven", "加热不均", "kitchen", "", "",
         "加热不均 受热不均 一边熟一边生 外焦里生 热不透 中间是凉的 中间还是凉 外面热里面凉 烤不熟 加热不均匀"),
        ("cooking-flame", "火力异常", "kitchen", "", "",
         "火力小 火小 火苗小 火焰小 黄火 红火 回火 熄火 自动熄火 火力不稳 火力弱 火苗发黄 火苗发红 离焰"),
        ("cooking-steam", "漏气冒汽", "kitchen", "", "",
         "漏气!燃气!煤气!天然气!灶!热水器 漏蒸汽 冒蒸汽 密封圈"),
    ]),
    ("install", "安装问题", "L2", "installation", [
        ("install-bracket", "支架不牢固", "ac-install", "", "",
         "支架松动 支架不牢 支架不稳 支架不牢固 支架生锈 外机晃动 外机晃 外机松动 挂板松动 内机松动 支架+晃 支架+松"),
        ("install-drain-pipe", "排水管漏水", "ac-install", "", "",
         "排水管 冷凝水 冷凝管 内机滴水 内机漏水 室内机漏水 室内机滴水 出风口滴水 出风口漏水 挂机滴水 内机+滴水 内机+漏水 室内机+滴水 室内机+漏水 排水不畅 出风口+滴水 出风口+漏水"),
        ("install-nonstandard", "安装不规范", "ac-install", "", "",
         "安装不规范 铜管外露 保温棉 墙洞 没打胶 打孔 装歪 没装好 安装不到位 管子弯折 漏装 装反了 安装有问题 安装问题 安装质量 安装位置 位置不对"),
        ("install-delay", "安装延误", "ac-install", "", "",
         "安装延误 还没来安装 一直没人安装 一直没安装 没人来安装 迟迟没装 迟迟不装 改期 推迟安装 等安装 安装一直拖"),
        ("install-booking", "预约安装", "ac-install", "L3", "",
         "预约安装 安装预约 约安装 什么时候安装 什么时候来安装 移机 拆机 拆装 装机 加装 安装费 需要安装 想安装 申请安装 上门安装"),
    ]),
    ("usage", "使用咨询", "L3", "usage", [
        ("usage-howto", "操作不会用", "cs-1", "", "",
         "怎么用 怎么使用 如何使用 怎么设置 如何设置 怎么调 怎么操作 如何操作 不会用 不会设置 不会操作 说明书 是什么意思 什么意思 在哪里设置 哪个键 哪个程序 哪个模式 用哪个 怎么开 怎么关 怎么切换 怎么调节 请问 咨询 想问 问一下 问下 想了解 了解一下 面板锁定 童锁 怎么 如何 怎样 锁定 怎么解锁 正常吗 是否正常"),
        ("usage-care", "清洁保养", "cs-1", "", "",
         "清洁 清洗 保养 除垢 除味 滤网 滤芯 换滤芯 镁棒 异味 霉味 臭味 有味道 发臭 消毒 水垢 怪味 有股味"),
        ("usage-remote", "遥控器配对", "cs-1", "", "",
         "遥控器 遥控 对码 配对"),
        ("usage-driver", "驱动安装", "tech-support", "", "",
         "驱动 装驱动 驱动程序 找不到打印机 找不到设备 连接电脑 共享打印 无线打印 脱机"),
        ("usage-network", "联网配网", "tech-support", "", "",
         "配网 连wifi 连接wifi wifi连不上 连不上wifi 连不上网 绑定 app 蓝牙配对 网络设置 小程序"),
        ("usage-price", "收费咨询", "cs-1", "", "",
         "多少钱 收费标准 怎么收费 收费吗 要钱吗 要收费吗 价格 报价 费用 上门费 维修费"),
        ("usage-warranty", "保修咨询", "cs-1", "", "",
         "保修期 保修多久 保修吗 在保修 过保 延保 质保 质保期 三包 发票 保修卡"),
        ("usage-booking", "预约上门", "cs-1", "", "",
         "预约上门 预约维修 预约师傅 约师傅 约个时间 上门时间 改约 改时间 什么时候上门 什么时候能来 安排上门 预约清洗 预约保养"),
    ]),
    ("service", "服务问题", "L2", "service", [
        ("service-no-show", "上门爽约", "cs-1", "", "",
         "爽约 放鸽子 没有上门 没上门 没来 约好没来 说好的没来 白等 没人来"),
        ("service-late", "上门迟到", "cs-1", "", "",
         "迟到 来晚了 晚到 晚来 没按时 不准时 才来 才到 下午才 晚上才"),
        ("service-attitude", "态度差", "cs-1", "", "",
         "态度差 态度不好 态度恶劣 态度很差 不耐烦 骂人 敷衍 爱答不理 爱理不理 挂电话 挂我电话 语气很冲 语气不好 没礼貌 不礼貌 推诿 踢皮球 推来推去"),
        ("service-no-callback", "答应回电未回", "cs-1", "", "",
         "答应回电 说好回电 说回电 没回电 没有回电 不回电 没给回电 没打回来 没回复 不回复 没人回复 没给我回 说好给我回 承诺回电 说好联系 没人回电 答应+回电话 说好+回电话 答应+回电 说好+回电 答应+联系 说好+联系"),
        ("service-slow", "响应慢", "cs-1", "", "",
         "响应慢 没人联系 没人处理 没人管 没有人联系 没人理 一直没人 拖了 拖着 迟迟 石沉大海 打不通 排队 一直占线 等了好几天 等了一周 催了 催了好几次 多次催促 效率太低"),
        ("service-repeat-repair", "维修未解决", "cs-1", "", "",
         "修了又坏 修不好 没修好 修过还是 反复维修 修了好几次 修了两次 修了三次 又坏了 越修越 还是没好 问题依旧 修了几次 再次报修 没解决 没有解决 未解决 还没解决 一直没解决"),
        ("service-overcharge", "乱收费", "cs-1", "", "",
         "乱收费 收费不合理 多收钱 多收费 多收了 额外收费 坑人 保内收费 宰客"),
    ]),
    ("parts", "配件与物流", "L2", "service", [
        ("parts-out-of-stock", "配件缺货", "warehouse", "L3", "usage",
         "缺货 没货 买不到 断货 无货"),
        ("parts-wrong", "发错配件", "warehouse", "", "",
         "发错 寄错 发错货 型号不对 配件不对 配件不匹配"),
        ("parts-damaged", "物流破损", "warehouse", "", "quality",
         "物流破损 运输损坏 快递压坏 包装破 包装箱破 包装破损 送来就是坏的 到货就坏 收到就坏 开箱就坏 送货时 凹坑 外包装破 包装+破"),
        ("parts-missing", "配件缺失", "warehouse", "L3", "quality",
         "少了配件 缺少配件 少配件 缺配件 少了螺丝 少发 漏发 配件没给"),
        ("parts-delivery", "发货延误", "warehouse", "", "",
         "送货慢 没送货 还没送到 物流慢 发货慢 迟迟不发货 没发货 快递慢 配送延误 送货延误 等配件 配件没到 配件还没到"),
    ]),
    ("suggestion", "产品建议", "S", "suggestion", [
        ("suggest-feature", "功能建议", "cs-1", "", "",
         "建议增加 建议加 建议出 建议推出 建议改进 建议优化 建议改成 建议厂家 建议设计 希望增加 希望能增加 希望加 希望可以增加 希望推出 希望以后 希望下一代 希望新款 希望能显示 希望能支持 希望支持 能不能出 能不能增加 能不能加 可不可以增加 要是能 最好能 就更好了 提个建议 一点建议 小建议 出一款 建议+增加 建议+加个 建议+出个 建议+推出 建议+改进 建议+优化 建议+功能 建议+设计 建议+模式 希望+增加 希望+功能 希望+支持 希望+显示 希望+推出 希望+改进 希望+优化 希望+设计 希望+提醒 希望+模式 希望+出个 能不能+出 能不能+增加 能不能+加个 可不可以+增加 可以+增加+功能 要是+就好了 如果+就好了 如果+就更好了 建议 希望+能 希望+可以 希望+做成 能否+加 能否+增加 能否+出"),
        ("suggest-service", "服务流程建议", "cs-1", "", "",
         "建议客服 建议售后 希望售后 希望客服 建议寄修 建议你们 服务流程 查到进度 查进度"),
    ]),
    ("escalation", "投诉升级", "L1", "", [
        ("escalation-return", "要求退货退款", "cs-1", "", "",
         "退货 退款 退钱 退机 退掉 全额退 七天无理由 无理由退"),
        ("escalation-complaint", "投诉威胁", "cs-1", "", "",
         "要投诉 我要投诉 去投诉 投诉你们 投诉到 再投诉 就投诉 继续投诉 越级投诉 投诉电话 12315 消协 消费者协会 市场监管 市场监督 工商 工商局 315 黑猫投诉 举报 质监"),
        ("escalation-media", "媒体曝光", "cs-1", "", "",
         "曝光 媒体 记者 发微博 发抖音 发到网上 网上曝光 电视台"),
        ("escalation-legal", "法律途径", "cs-1", "", "",
         "律师 起诉 法院 打官司 法律途径 走法律 维权 索赔 赔偿"),
    ]),
]
# fmt: on

# Demo databases seeded before the library called two groups differently.
LEGACY_GROUP_NAMES = {"service": "服务态度", "suggestion": "建议"}
# (old group name, leaf name) of leaves that moved group.
LEGACY_LEAVES = {"safety-leakage": ("质量故障", "漏电")}


def _find(Tag, *, code, name, parent, legacy):
    """By code, else by (parent, name) as seed_demo made it, else at its legacy place."""
    lookups = [{"code": code}, {"parent": parent, "name": name}]
    if legacy is not None:
        old_group, old_name = legacy
        if old_group is None:
            lookups.append({"parent": None, "name": old_name})
        else:
            lookups.append({"parent__parent": None, "parent__name": old_group, "name": old_name})
    for lookup in lookups:
        if found := Tag.objects.filter(**lookup).first():
            return found
    return None


def _upsert(Tag, Team, *, code, name, parent, tier, category, keywords, team_code, legacy):
    tag = _find(Tag, code=code, name=name, parent=parent, legacy=legacy) or Tag()
    tag.code, tag.name, tag.parent = code, name, parent
    tag.tier, tag.category, tag.keywords, tag.is_active = tier, category, keywords, True
    if tag.team_id is None and team_code:
        tag.team = Team.objects.filter(code=team_code).first()
    tag.save()
    return tag


def seed_library(apps, schema_editor):
    Tag = apps.get_model("tickets", "Tag")
    Team = apps.get_model("tickets", "Team")
    for code, name, tier, category, leaves in LIBRARY:
        legacy_name = LEGACY_GROUP_NAMES.get(code)
        group = _upsert(
            Tag,
            Team,
            code=code,
            name=name,
            parent=None,
            tier=tier,
            category=category,
            keywords=[],
            team_code="",
            legacy=(None, legacy_name) if legacy_name else None,
        )
        for leaf_code, leaf_name, team_code, leaf_tier, leaf_category, words in leaves:
            _upsert(
                Tag,
                Team,
                code=leaf_code,
                name=leaf_name,
                parent=group,
                tier=leaf_tier,
                category=leaf_category,
                keywords=words.split(),
                team_code=team_code,
                legacy=LEGACY_LEAVES.get(leaf_code),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_tag_library_fields"),
    ]

    operations = [migrations.RunPython(seed_library, migrations.RunPython.noop)]
