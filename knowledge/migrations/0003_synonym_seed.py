"""Seed the search synonyms: words customers and agents use for one thing (甩干 = 脱水).

Idempotent: a group whose note exists is left as it is (an admin may have edited its words).
The tag library's keywords are synonyms too; knowledge.search reads both.
"""

from django.db import migrations

# (note, words)
GROUPS = [
    ("脱水", "甩干 脱水 甩水"),
    ("不制冷", "不制冷 不凉 不冷 不降温 没冷气 没有冷气 不出冷风"),
    ("跳闸", "跳闸 断电 漏电保护 漏保 漏保跳闸 空开跳"),
    ("异响", "异响 噪音 噪声 声音大 嗡嗡响 杂音 响声大 吵 咔咔响"),
    ("冒烟", "冒烟 烟 冒白烟 起烟"),
    ("漏水", "漏水 渗水 滴水 淌水 流水 往外流水 漏了"),
    ("不加热", "不加热 不热 水不热 没热水 不出热水 出凉水 冷水"),
    ("不启动", "不启动 开不了机 不开机 无法开机 没反应 开机没反应"),
    ("异味", "异味 臭味 怪味 味道 发臭 霉味 臭"),
    ("结冰", "结冰 结霜 挂霜 冰层 长冰"),
    ("卡纸", "卡纸 夹纸 塞纸 纸卡住"),
    ("模糊", "模糊 不清楚 发淡 字迹不清 印不清 看不清"),
    ("缺墨", "缺墨 没墨 断墨 缺色 墨水干"),
    ("卡顿", "卡顿 很卡 反应慢 死机 卡死 画面不动"),
    ("黑屏", "黑屏 屏幕不亮 不显示"),
    ("无线网", "wifi 无线 无线网 wlan 无线网络"),
    ("断网", "断网 掉线 连不上网 上不了网 没网 网断"),
    ("充电", "充不进电 充不上电 不充电 无法充电 充电慢 电量不涨"),
    ("耗电", "耗电快 掉电快 续航差 不耐用 没电 电池不耐用"),
    ("发烫", "发烫 发热 很烫 烫手 过热 滚烫"),
    ("点火", "点火 打火 着火 点不着 打不着 打不着火 点不着火"),
    ("熄火", "熄火 灭了 火灭 自动熄火 灭火"),
    ("油烟机", "油烟机 抽油烟机 烟机 吸油烟机"),
    ("吸力", "吸力 抽力 排烟 抽烟效果 抽不干净"),
    ("燃气灶", "燃气灶 煤气灶 灶具 炉灶 灶台 灶眼 灶"),
    ("热水器", "热水器 热水炉"),
    ("洗不净", "洗不干净 洗不净 残留 残渣 有残留"),
    ("排水", "不排水 排不出水 积水 放不出去 排水慢 水排不掉"),
    ("进水", "不进水 进不了水 不上水 上水慢"),
    ("故障码", "故障码 错误代码 报错 代码 故障代码 显示代码"),
    ("遥控器", "遥控器 遥控 摇控器 遥控板"),
    ("外机", "外机 室外机 外面那台"),
    ("滤网", "滤网 过滤网 滤尘网 过滤器 滤芯"),
    ("门封", "门封 门封条 密封条 胶条 封条"),
    ("冷藏", "冷藏 冷藏室 保鲜 保鲜室 上层"),
    ("冷冻", "冷冻 冷冻室 冻室 冷冻层"),
    ("电饭煲", "电饭煲 电饭锅 饭煲"),
    ("夹生", "夹生 不熟 煮不熟 半生不熟 生米 硬芯"),
    ("糊底", "糊底 粘锅 烧糊 锅巴 锅底焦 煮糊"),
    ("路由器", "路由器 路由 光猫"),
    ("信号差", "信号差 信号弱 信号不好 一格 网速慢"),
    ("平板", "平板 平板电脑 pad"),
    ("震动", "震动 振动 抖动 晃动 摇晃 跳动 晃"),
    ("维修", "维修 修理 报修 修"),
    ("退货", "退货 退款 退钱 退掉"),
    ("空调", "空调 冷气机 挂机 柜机"),
    ("冰箱", "冰箱 雪柜"),
    ("电池鼓包", "鼓包 鼓起来 撑开 膨胀 后盖翘起"),
    ("溢出", "溢出 溢锅 冒出来 扑锅 往外冒"),
    ("触控", "触控 触屏 触摸 点屏幕 点不动"),
    ("保修", "保修 在保 保修期 质保 三包"),
    ("收费", "收费 收钱 要钱 付费 费用 价格"),
    ("预约", "预约 约 定时 预定"),
    ("密码", "密码 口令"),
    ("漏气", "漏气 燃气泄漏 煤气泄漏 漏煤气 煤气味 燃气味 臭鸡蛋味"),
    ("插座", "插座 插排 插线板 排插"),
    ("门锁", "门锁 锁住 打不开 拉不开 开不了门"),
    ("水渍", "水渍 水印 水珠 白斑 斑点"),
]


def seed(apps, schema_editor):
    SynonymGroup = apps.get_model("knowledge", "SynonymGroup")
    known = set(SynonymGroup.objects.values_list("note", flat=True))
    for note, words in GROUPS:
        if note not in known:
            SynonymGroup.objects.create(note=note, words=words.split())


def unseed(apps, schema_editor):
    SynonymGroup = apps.get_model("knowledge", "SynonymGroup")
    SynonymGroup.objects.filter(note__in=[note for note, _ in GROUPS]).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_knowledge_roles")]

    operations = [migrations.RunPython(seed, unseed)]
