"""The triage engine's rules, one behaviour per test, against the seeded library."""

from __future__ import annotations

import pytest

from intake.triage import TriageInput, triage
from tickets.models import Tag

pytestmark = pytest.mark.django_db


def run(description: str, **fields) -> object:
    return triage(TriageInput(description=description, **fields))


def codes(result) -> list[str]:
    return [tag.code for tag in result.tags]


def test_leakage_is_a_safety_case_with_its_reason() -> None:
    result = run("热水器洗澡时漏电，手摸水管有麻感")
    assert (result.tier, result.category) == ("L1", "quality")
    assert codes(result)[0] == "safety-leakage"
    assert "匹配'漏电' → 安全隐患 → L1" in result.reasons


def test_negated_hazards_are_not_a_safety_case() -> None:
    result = run("没有漏电也没有冒烟，就是脱水时噪音很大")
    assert result.tier == "L2"
    assert "safety-leakage" not in codes(result)
    assert "safety-smoke" not in codes(result)
    assert "'漏电'前有否定词'没有'，不计入" in result.reasons


def test_symptoms_that_start_with_not_are_symptoms() -> None:
    assert codes(run("空调不制冷"))[0] == "fault-no-cooling"
    assert codes(run("洗衣机不启动"))[0] == "fault-no-start"
    assert codes(run("热水器不加热"))[0] == "fault-no-heating"
    assert run("空调不制冷").tier == "L1"


def test_a_hedge_is_not_a_denial() -> None:
    assert run("外壳碰到有点麻，不知道是不是漏电").tier == "L1"


def test_negation_stops_at_a_new_clause_and_at_a_breaker() -> None:
    assert run("没有冒烟，但是有焦味").tier == "L1"
    assert run("没用几天就漏水了").tier == "L2"


def test_water_next_to_electrics_is_a_safety_case() -> None:
    result = run("电热水器内胆漏水，底部一直滴水，下面就是插座")
    assert result.tier == "L1"
    assert "safety-water-electric" in codes(result)


def test_burnt_rice_is_cooking_not_fire() -> None:
    result = run("电饭煲煮的饭有焦味，锅底一层锅巴")
    assert result.tier == "L2"
    assert codes(result) == ["cooking-burnt"]


@pytest.mark.parametrize(
    "threat", ["我要投诉", "再不修好就退货", "打12315", "找媒体曝光", "找律师"]
)
def test_escalation_threats_are_l1_without_deciding_the_category(threat: str) -> None:
    result = run(f"洗衣机脱水噪音大，{threat}")
    assert (result.tier, result.category) == ("L1", "quality")
    # The problem's tag leads, so the ticket routes to the team that can fix it.
    assert codes(result)[0] == "fault-noise"


def test_service_failures_are_l2_service() -> None:
    assert (run("师傅约好上午来，结果爽约了").tier, run("师傅爽约").category) == ("L2", "service")
    assert run("说好回电，到现在也没回电").category == "service"


def test_questions_and_bookings_are_l3_usage() -> None:
    assert (run("请问空调睡眠模式怎么设置").tier, run("想预约上门清洗").category) == (
        "L3",
        "usage",
    )


def test_suggestions_are_s_and_their_subject_is_no_fault() -> None:
    result = run("建议电饭煲增加防溢锅功能")
    assert (result.tier, result.category) == ("S", "suggestion")
    assert "'溢锅'是建议的内容，不按问题计" in result.reasons


def test_a_fault_outranks_a_suggestion_in_the_same_complaint() -> None:
    result = run("空调漏水，希望你们尽快上门处理")
    assert (result.tier, result.category) == ("L2", "quality")


def test_customer_urgency_vip_and_repeat_each_raise_one_step() -> None:
    assert run("想问问冰箱怎么调温度", urgency_self="high").tier == "L2"
    assert run("想问问冰箱怎么调温度", is_vip=True, is_repeat=True).tier == "L1"
    raised = run("空调有点异响", is_vip=True)
    assert "VIP客户 → 上调一级 L3→L2" in raised.reasons


def test_low_urgency_never_lowers_and_l1_stays_l1() -> None:
    assert run("空调漏电", urgency_self="low").tier == "L1"
    result = run("空调漏电", is_vip=True)
    assert result.tier == "L1"
    assert "VIP客户（已是L1）" in result.reasons


def test_suggestions_stay_s_whoever_sends_them() -> None:
    result = run("建议增加儿童锁功能", is_vip=True, urgency_self="high")
    assert result.tier == "S"
    assert "建议类不因紧急程度、VIP或重复投诉上调" in result.reasons


def test_nothing_matched_is_l3_for_review_and_asks_for_the_symptom() -> None:
    result = run("东西有问题")
    assert (result.tier, result.category, result.tags) == ("L3", "quality", [])
    assert "未匹配到问题标签 → 默认L3，类别暂按质量故障，待人工复核" in result.reasons
    assert [missing.field for missing in result.missing] == [
        "scene",
        "symptom",
        "tried",
        "product_model",
    ]


def test_missing_lists_only_what_the_description_lacks() -> None:
    result = run("做饭时电饭煲溢锅，已经清洗过排气阀", product_model="MB-FB40E511")
    assert result.missing == []
    prompts = {m.field: m.prompt for m in run("电饭煲溢锅").missing}
    assert set(prompts) == {"scene", "tried", "product_model"}
    assert prompts["scene"].startswith("问题是在什么场景下出现的？")
    assert "重启过" in prompts["tried"]


def test_missing_takes_the_form_fields_and_a_model_in_the_text() -> None:
    result = run("电饭煲溢锅，型号MB-FB40E511", scene="煮粥时", tried="减少了米量")
    assert result.missing == []


def test_explicit_tags_are_used_instead_of_the_library() -> None:
    group = Tag(pk=-1, code="g", name="组", tier="L2", category="quality")
    leaf = Tag(pk=-2, code="g-leaf", name="测试现象", parent=group, keywords=["嘎吱嘎吱"])
    result = triage(TriageInput(description="门一开就嘎吱嘎吱"), tags=[group, leaf])
    assert (result.tier, result.tags) == ("L2", [leaf])
    assert "匹配'嘎吱嘎吱' → 组 → L2" in result.reasons


def test_an_edited_tag_takes_effect_on_the_next_call() -> None:
    assert run("门一开就嘎吱嘎吱").tags == []
    tag = Tag.objects.get(code="fault-noise")
    tag.keywords = [*tag.keywords, "嘎吱嘎吱"]
    tag.save()
    assert codes(run("门一开就嘎吱嘎吱")) == ["fault-noise"]


def test_inactive_tags_match_nothing() -> None:
    Tag.objects.filter(code="safety-smoke").update(is_active=False)
    Tag.objects.filter(code="safety").update(is_active=False)  # update() moves no stamp …
    Tag.objects.create(code="touch", name="touch")  # … so touch the library
    assert run("插座冒烟了").tier != "L1"


def test_triage_reads_the_library_in_two_queries_and_writes_nothing(
    django_assert_max_num_queries,
) -> None:
    run("预热")
    with django_assert_max_num_queries(1):
        run("空调漏水")
    counts = Tag.objects.count()
    run("冰箱不制冷，我要投诉")
    assert Tag.objects.count() == counts


def test_an_unmatched_question_is_a_usage_question() -> None:
    result = run("充电宝能带上飞机吗")
    assert (result.tier, result.category) == ("L3", "usage")
    assert any("含提问" in reason for reason in result.reasons)
    assert run("扫地机器人把地上的东西拖得到处都是").category == "quality"


def test_a_minor_gripe_ending_in_a_proposal_is_a_suggestion() -> None:
    assert run("说明书写得太简单了，附个视频教程不是更好吗").tier == "S"
    # anything worse than L3 stays a problem
    assert run("冰箱不制冷，下一代能不能做得好一点").tier == "L1"


def test_a_pattern_keyword_takes_exceptions_too() -> None:
    tag = Tag.objects.get(code="safety-burning-smell")
    tag.keywords = ["rx:烧.{0,2}焦!饭"]
    assert triage(TriageInput(description="电线烧得焦黑"), tags=[tag]).tier == "L1"
    assert triage(TriageInput(description="饭烧焦了"), tags=[tag]).tags == []


def test_safety_said_indirectly_is_still_safety() -> None:
    for text in (
        "充电器那块烫得不行，还有一股糊味",
        "插头那里发黑了",
        "摸外壳有点电手",
        "电池鼓起来了把后盖顶开了",
        "水顺着流到了旁边的插线板那里",
    ):
        assert run(text).tier == "L1", text
    assert run("没冒烟也没糊味，就是风扇声音特别大").tier == "L2"


def _jieba_count(word: str) -> int:
    from intake.triage import JIEBA_DICTIONARY

    for line in JIEBA_DICTIONARY.read_text(encoding="utf-8").splitlines():
        entry, count = line.split(" ")[:2]
        if entry == word:
            return int(count)
    raise AssertionError(f"{word} is not in jieba's dictionary")


def test_the_tokenizer_keeps_common_words_and_rare_words_holding_a_negator() -> None:
    from intake.triage import DICTIONARY_MIN_COUNT, _tokenize, _tokenizer

    # Rare in jieba's counts, and a negator's character inside: kept whole, so its 不 is no
    # negator of what follows.
    assert _jieba_count("睡不着") < DICTIONARY_MIN_COUNT
    assert "不" not in _tokenize("晚上睡不着")
    # Rare, and no negator: left out (the memory the trim saves); its parts still cut.
    assert _jieba_count("晾衣服") < DICTIONARY_MIN_COUNT
    assert not _tokenizer.FREQ.get("晾衣服")
    assert _tokenize("晾衣服时碰到外壳发麻")[:2] == ["晾", "衣服"]
    # Common words weigh what they did in the whole dictionary.
    assert _tokenizer.FREQ["空调"] == _jieba_count("空调")
