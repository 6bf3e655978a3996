"""The corpus test of issue 8: customers' and agents' words find the article, though they share
no two characters in a row with its title (segmentation and synonyms at work)."""

import pytest

from knowledge.search import article_search, normalise
from knowledge.seed_articles import ARTICLES, articles_seed

# (what someone types, the article that must come first)
QUERIES = [
    ("挂机吹出来的风不冷，屋里降不下温", "空调制冷效果差的排查"),
    ("外机管子接头有油，出风不凉，是不是缺氟了", "空调冷媒泄漏的检测与补充"),
    ("挂机往地上淌水", "空调室内机滴水"),
    ("通信线接触不良 压缩机不启动", "空调显示E1通讯故障"),
    ("晚上室外那台嗡嗡的吵得睡不着", "空调外机运转噪音大"),
    ("电池换了，对着机器按了不接收信号", "空调遥控器失灵"),
    ("冬天开暖风出来的是凉风", "空调制热时吹冷风"),
    ("外面机器架子生锈晃动，怕掉下去", "空调挂机支架松动的处理"),
    ("保鲜那层不够冷，牛奶放坏了", "冰箱冷藏室温度偏高"),
    ("下面抽屉被厚厚的冰糊住了拉不出来", "冰箱冷冻室结冰过多"),
    ("半夜咔咔作响还嗡嗡的", "冰箱运行声音异常"),
    ("门关不严外壳出汗", "冰箱门封条老化漏冷"),
    ("打开有股臭味，食物清掉了还是臭", "冰箱内有异味的清除"),
    ("压缩机一直转不停，温度数字乱跳", "冰箱显示F2传感器故障"),
    ("甩干的时候整台机器在地上跳", "洗衣机脱水时剧烈震动"),
    ("洗完了水放不出去", "洗衣机不排水"),
    ("洗好后门锁着衣服拿不出来", "滚筒洗衣机门打不开"),
    ("半天不上水，水龙头是开的", "洗衣机进水慢或不进水"),
    ("深色衣服上有白色粉末", "洗衣机衣物洗不干净有残留"),
    ("洗出来的衣服有股发霉的味道", "洗衣机筒内有霉味"),
    ("开龙头后只听见啪啪响一直出凉水", "燃气热水器点火失败"),
    ("淋浴到一半水突然变凉，过一会又好了", "燃气热水器洗澡中途熄火"),
    ("淋浴的时候一会儿烫一会儿冷", "电热水器出水温度不稳定"),
    ("烧水的机器一插电漏保就跳", "电热水器漏电保护跳闸"),
    ("指示灯亮着但是烧了一晚上水还是凉的", "电热水器不加热"),
    ("阳极棒多久换一次", "电热水器镁棒更换周期"),
    ("米饭中间是硬的，没熟", "电饭煲煮饭夹生"),
    ("底下一层黑锅巴，粘得洗不掉", "电饭煲锅底烧糊"),
    ("煮粥往外冒白沫", "电饭煲煮饭时溢出米汤"),
    ("晚上放好米，第二天早上起来直接吃，如何定时", "电饭煲预约功能怎么设置"),
    ("打几张就夹纸", "激光打印机频繁卡纸"),
    ("打出来的字发淡有白条纹", "打印机打印字迹模糊"),
    ("照片偏色，有一种颜色出不来", "墨仓式打印机断墨"),
    ("电脑找不到这个型号，添加设备时没有", "打印机驱动程序安装"),
    ("手机发送任务没反应，连不上家里wifi", "打印机无线网络连接"),
    ("放满了还一直提示添加纸张", "打印机显示缺纸但纸盒有纸"),
    ("做饭时厨房全是烟呛得咳嗽", "油烟机吸力不足"),
    ("边缘往灶台上滴黄色的东西", "油烟机运行时滴油"),
    ("拧旋钮咔咔响就是没有火", "燃气灶打不着火"),
    ("火苗是黄色的，锅底熏黑", "燃气灶火焰发黄发红"),
    ("点着以后放开旋钮立刻熄了", "燃气灶松手后火就灭"),
    ("厨房有股臭鸡蛋味，是不是漏气了", "燃气泄漏应急处理"),
    ("杯子上有白色斑点", "洗碗机洗后餐具有水渍"),
    ("油盘上还有残渣，碗底有饭粒", "洗碗机碗碟洗不干净"),
    ("插着线半天电量不涨", "手机充电慢或充不进电"),
    ("早上充满中午就没电了", "手机耗电快续航差"),
    ("后盖被撑开一条缝", "手机电池鼓包的处理"),
    ("玩游戏烫手", "手机发烫严重"),
    ("画面不动了点什么都没反应", "手机死机卡顿"),
    ("掉到水里捞上来屏幕有水雾", "手机进水后的处理"),
    ("家里网络老是掉线看视频卡住", "路由器频繁断网"),
    ("卧室手机只有一格", "路由器无线信号弱"),
    ("登录口令想不起来了，进不去设置页面", "路由器忘记管理密码"),
    ("发票丢了还能不能免费修", "保修期与保修凭证说明"),
    ("师傅来了要收钱，哪些项目付费", "上门服务收费标准"),
    ("插上以后那个头很烫，面板发黑", "电器插头插座发烫"),
    ("突然冒出一股烟，闻着像塑料烧了", "电器冒烟或有烧焦气味"),
]
# Queries whose article may rank below first, each a stated miss (none today).
ALLOWED_MISSES = 0


def _shared_pair(query: str, title: str) -> str:
    query, title = normalise(query), normalise(title)
    return next((query[i : i + 2] for i in range(len(query) - 1) if query[i : i + 2] in title), "")


def test_queries_share_no_two_characters_with_their_titles():
    titles = {seed.title for seed in ARTICLES}
    assert len(QUERIES) >= 30
    for query, title in QUERIES:
        assert title in titles, title
        assert _shared_pair(query, title) == "", (query, title)


@pytest.mark.django_db
def test_the_right_article_ranks_first_for_every_query(capsys):
    assert articles_seed() == len(ARTICLES) >= 60
    misses = []
    for query, title in QUERIES:
        page = article_search(query=query, limit=3)
        first = page.hits[0].article.title if page.hits else None
        if first != title:
            misses.append((query, title, [hit.article.title for hit in page.hits]))
    hit_rate = 1 - len(misses) / len(QUERIES)
    with capsys.disabled():
        found = len(QUERIES) - len(misses)
        print(f"\nknowledge search: {found}/{len(QUERIES)} ranked first ({hit_rate:.0%})")
        for miss in misses:
            print("  miss:", miss)
    assert len(misses) <= ALLOWED_MISSES, misses
