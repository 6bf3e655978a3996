"""Triage: which tags, category and tier a complaint gets, and why. Reads tags, writes nothing.

The rules are issue 3's: safety, basic use lost and escalation threats are L1; degraded core
functions, installation faults and service failures L2; minor defects, questions and bookings
L3; suggestions S. The tag library (admin-editable) says which words mean what; this module
holds only the language around them: clauses, negation, suggestions, what the customer tried.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import jieba
from django.db.models import Count, Max

from tickets.models import Tag, Ticket

logger = logging.getLogger(__name__)
logging.getLogger("jieba").setLevel(logging.WARNING)  # it announces every dictionary load

Tier = Ticket.Tier
Category = Ticket.Category

RANK = {Tier.L1: 3, Tier.L2: 2, Tier.L3: 1}
RAISED = {Tier.L3: Tier.L2, Tier.L2: Tier.L1, Tier.L1: Tier.L1}
# On equal tiers the category nearer the root cause wins: a leak after installation is the
# installer's, a fault the engineer's, and only then the service or a question.
CATEGORY_ORDER = [
    Category.INSTALLATION,
    Category.QUALITY,
    Category.SERVICE,
    Category.USAGE,
    Category.SUGGESTION,
]
CATEGORY_LABELS = {
    Category.INSTALLATION: "安装问题",
    Category.QUALITY: "质量故障",
    Category.USAGE: "使用咨询",
    Category.SERVICE: "服务问题",
    Category.SUGGESTION: "产品建议",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NEGATORS = _words(
    "不 没 没有 无 未 并非 并未 并没有 从未 从没 从来没 不是 并不 不想 不打算 无需 不用 不会"
    " 别 非 没发现 未发现 没见 没看到 没闻到 未见"
)
# A negator this many words back (within the clause, no breaker between) negates a keyword.
NEGATION_WINDOW = 4
NEGATION_BREAKERS = _words(
    "就 又 却 才 还 还是 结果 然后 突然 居然 竟然 已经 开始 总是 经常 一直 老是 也 都 导致"
    " 所以 而且 知道 不知道 确定 清楚 是不是 会不会 有没有 是否 怀疑 担心 好像"
)  # the last ones hedge or ask ("不知道是不是漏电"): they do not deny
SENTENCE_ENDS = frozenset(["。", ".", "!", "?", ";", "\n", "…"])
CLAUSE_ENDS = SENTENCE_ENDS | _words(", 、 : 但 但是 可是 不过 然而 而是 只是")
# A suggestion clause that also demands action is a complaint ("希望尽快解决").
DEMANDS = _words(
    "尽快 赶紧 马上 立刻 抓紧 早点 快点 解决 处理 修好 修理 上门 说法 回复 回电 联系 答复 给我"
)
# 退货, 换新, 赔偿 in whatever word jieba makes of them; not 换 as in 自己就能换的
DEMAND_RE = re.compile(r"退|赔|换(货|新|机|一台|个|台|掉|了吧)|给我换|(要求|必须|马上|赶紧)换")
# Clauses that report what was tried do not ask for care or a how-to ("已清洗过滤网").
TRIED_WORDS = _words("已 已经 试过 试了 尝试 尝试过 过 曾")
MAX_WORDS_PER_KEYWORD = 6
KEYWORD_FREQ = 1_000_000  # high enough that jieba keeps a keyword in one piece

SCENE_CUES = (
    "时", "后", "晚上", "夜", "早上", "白天", "中午", "每次", "做饭", "煮饭", "洗澡", "洗衣",
    "脱水", "制冷", "制热", "开机", "使用", "运行", "打印", "充电", "刚买", "安装", "下雨", "刮风",
    "模式", "一直", "经常", "偶尔",
)  # fmt: skip
TRIED_CUES = (
    "试过", "尝试", "重启", "重新启动", "换过", "换了", "清洗", "清理", "清洁过", "检查过", "拔掉",
    "断电", "关机", "调过", "调低", "调高", "已经", "已", "按说明书", "复位", "重装", "修过",
)  # fmt: skip
# An unmatched description that asks something is a question about use, not a fault report.
QUESTION_RE = re.compile(
    r"[?？]|吗|多久|多长时间|在哪|哪里|哪儿|哪个|能不能|可不可以|可以不可以|是否|需不需要|要不要|多少"
)
MODEL_RE = re.compile(r"[a-z]{1,8}[-\d][a-z0-9\-/]{2,}", re.IGNORECASE)

PROMPTS = {
    "scene": "问题是在什么场景下出现的？（如做饭时、夜间、开机15分钟后）",
    "symptom": "具体是什么现象？（如漏水、异响、不启动、显示故障码）",
    "tried": "您已经尝试过哪些处理？（如重启过、换过电池、清洁过滤网）",
    "product_model": "产品型号是什么？（见机身铭牌或说明书，如KFR-35GW）",
}


@dataclass(frozen=True)
class TriageInput:
    description: str
    scene: str = ""
    symptom: str = ""
    tried: str = ""
    product_model: str = ""
    urgency_self: str = ""  # a Ticket.Urgency value ("low"/"normal"/"high") or ""
    is_vip: bool = False
    is_repeat: bool = False


@dataclass(frozen=True)
class Missing:
    field: str  # "scene" | "symptom" | "tried" | "product_model"
    prompt: str


@dataclass(frozen=True)
class TriageResult:
    tier: str
    category: str
    tags: list[Tag]
    reasons: list[str]
    missing: list[Missing]


def triage(data: TriageInput, *, tags: Sequence[Tag] | None = None) -> TriageResult:
    """Tags, category, tier and the reasons for them; what the description still lacks.

    1. Segment description, symptom and scene with the library's words; split into clauses.
    2. Match keywords, dropping negated ones and the subjects of suggestions.
    3. The worst matched tier wins; the customer's urgency, VIP and repeat raise it a step each.
    """
    matcher = _Matcher.compile(tags) if tags is not None else _library_matcher()
    text = "。".join(part for part in (data.description, data.symptom, data.scene) if part)
    hits, reasons = matcher.match(text)
    problems = [hit for hit in hits if hit.tier != Tier.S]
    suggestions = [hit for hit in hits if hit.tier == Tier.S]
    if suggestions and problems and all(hit.tier == Tier.L3 for hit in problems):
        # "说明书太简单了，附个视频不是更好吗": a gripe about a minor point that ends in a
        # proposal is the proposal; anything worse than L3 stays a problem.
        reasons.append(
            "建议中提到的小问题（"
            + "、".join(f"'{hit.keyword}'" for hit in problems)
            + "）按建议处理"
        )
        problems = []
    if problems:
        tier = max((hit.tier for hit in problems), key=RANK.__getitem__)
        reasons += [f"匹配'{hit.keyword}' → {hit.group} → {hit.tier}" for hit in problems]
        if suggestions:
            reasons.append("同时含建议，按问题处理")
        category, decider = _category(problems, reasons)
        tier = _raised(tier, data, reasons)
    elif suggestions:
        tier, category, decider = Tier.S, Category.SUGGESTION, suggestions[0]
        reasons += [f"匹配'{hit.keyword}' → {hit.group} → S" for hit in suggestions]
        if data.urgency_self == Ticket.Urgency.HIGH or data.is_vip or data.is_repeat:
            reasons.append("建议类不因紧急程度、VIP或重复投诉上调")
    elif question := _question(data.description):
        tier, category, decider = Tier.L3, Category.USAGE, None
        reasons.append(f"未匹配到问题标签，含提问'{question}' → L3 使用咨询，待人工复核")
        tier = _raised(tier, data, reasons)
    else:
        tier, category, decider = Tier.L3, Category.QUALITY, None
        reasons.append("未匹配到问题标签 → 默认L3，类别暂按质量故障，待人工复核")
        tier = _raised(tier, data, reasons)
    ordered = sorted(problems, key=lambda hit: _order(hit, decider)) + suggestions
    return TriageResult(
        tier=tier,
        category=category,
        tags=[hit.tag for hit in ordered],
        reasons=reasons,
        missing=_missing(data, category=category, matched=bool(hits)),
    )


def _category(problems: list[_Hit], reasons: list[str]) -> tuple[str, _Hit | None]:
    with_category = [hit for hit in problems if hit.category]
    if not with_category:
        reasons.append("仅匹配投诉升级类标签 → 类别暂按质量故障")
        return Category.QUALITY, None
    decider = min(
        with_category,
        key=lambda hit: (-RANK[hit.tier], CATEGORY_ORDER.index(hit.category), hit.position),
    )
    reasons.append(f"类别：{CATEGORY_LABELS[decider.category]}（依据'{decider.tag.name}'）")
    return decider.category, decider


def _question(text: str) -> str:
    """The question word of an otherwise unmatched description ("能带上飞机吗"), or ""."""
    found = QUESTION_RE.search(normalise(text))
    return found.group() if found else ""


def _raised(tier: str, data: TriageInput, reasons: list[str]) -> str:
    """One step up for each of: the customer's own urgency, a VIP, a repeat complaint."""
    for applies, why in (
        (data.urgency_self == Ticket.Urgency.HIGH, "客户自评紧急"),
        (data.is_vip, "VIP客户"),
        (data.is_repeat, "30天内同一产品重复投诉"),
    ):
        if not applies:
            continue
        if tier == Tier.L1:
            reasons.append(f"{why}（已是L1）")
        else:
            reasons.append(f"{why} → 上调一级 {tier}→{RAISED[tier]}")
            tier = RAISED[tier]
    return tier


def _order(hit: _Hit, decider: _Hit | None) -> tuple[bool, bool, int, int]:
    # The tag that decided the category leads (it routes the ticket); escalation tags trail.
    return (hit is not decider, not hit.category, -RANK[hit.tier], hit.position)


def _missing(data: TriageInput, *, category: str, matched: bool) -> list[Missing]:
    text = data.description
    wanted: list[str] = []
    if category in {Category.QUALITY, Category.INSTALLATION} or not matched:
        if not data.scene.strip() and not any(cue in text for cue in SCENE_CUES):
            wanted.append("scene")
        if not data.symptom.strip() and not matched:
            wanted.append("symptom")
        if not data.tried.strip() and not any(cue in text for cue in TRIED_CUES):
            wanted.append("tried")
    if not data.product_model.strip() and not MODEL_RE.search(text):
        wanted.append("product_model")
    return [Missing(field=name, prompt=PROMPTS[name]) for name in wanted]


def normalise(text: str) -> str:
    """Full-width to half-width, lower case: 'ＷｉＦｉ，' and 'wifi,' match alike."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class _Keyword:
    """One keyword of a tag: words that must all occur in one sentence, unless an exception does."""

    text: str
    tag: Tag
    parts: tuple[str, ...]
    unless: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, raw: str, tag: Tag) -> _Keyword | None:
        raw = normalise(raw.strip())
        body, *unless = raw.split("!")
        unless = [word for word in unless if word]
        if body.startswith(("re:", "rx:")):
            try:
                pattern = re.compile(body[3:])
            except re.error:
                logger.warning("tag %s: bad keyword pattern %r", tag.code, raw)
                return None
            return cls(text=body, tag=tag, parts=(), unless=tuple(unless), pattern=pattern)
        parts = tuple(part for part in body.split("+") if part)
        if not parts:
            return None
        return cls(text=body, tag=tag, parts=parts, unless=tuple(unless))


@dataclass
class _Hit:
    tag: Tag
    keyword: str
    position: int
    tier: str = field(init=False)
    category: str = field(init=False)
    group: str = field(init=False)

    def __post_init__(self) -> None:
        self.tier = self.tag.effective_tier or Tier.L3
        self.category = self.tag.effective_category
        self.group = self.tag.parent.name if self.tag.parent_id else self.tag.name


@dataclass(frozen=True)
class _Occurrence:
    word: str
    start: int  # token index in the whole text
    end: int
    negator: str  # the negating word, or ""


@dataclass
class _Clause:
    tokens: list[str]
    offset: int  # index of its first token in the whole text
    sentence: int

    @property
    def text(self) -> str:
        return "".join(self.tokens)


@dataclass
class _Candidate:
    keyword: _Keyword
    position: int
    clause: _Clause
    shown: str  # the words matched, for the reason

    @cached_property
    def hit(self) -> _Hit:
        return _Hit(tag=self.keyword.tag, keyword=self.shown, position=self.position)


class _Matcher:
    def __init__(self, keywords: list[_Keyword]) -> None:
        self.single: dict[str, list[_Keyword]] = {}
        self.combos: list[_Keyword] = []
        self.patterns: list[_Keyword] = []
        for keyword in keywords:
            if keyword.pattern is not None:
                self.patterns.append(keyword)
            elif len(keyword.parts) == 1:
                self.single.setdefault(keyword.parts[0], []).append(keyword)
            else:
                self.combos.append(keyword)
        self.words = {part for keyword in keywords for part in keyword.parts}

    @classmethod
    def compile(cls, tags: Iterable[Tag]) -> _Matcher:
        keywords = [
            keyword
            for tag in tags
            if tag.is_active and (not tag.parent_id or tag.parent.is_active)
            for raw in tag.keywords or []
            if (keyword := _Keyword.parse(raw, tag)) is not None
        ]
        matcher = cls(keywords)
        _tokenizer_learn(matcher.words)
        return matcher

    def match(self, text: str) -> tuple[list[_Hit], list[str]]:
        """The first hit of each tag in text order, and reasons for the matches set aside."""
        clauses = _clauses(_tokenize(normalise(text)))
        found = {id(clause): self._occurrences(clause) for clause in clauses}
        reasons: list[str] = []
        candidates = [
            candidate
            for candidate in sorted(
                self._singles(clauses, found, reasons)
                + self._patterns(clauses, reasons)
                + self._combos(clauses, found),
                key=lambda candidate: candidate.position,
            )
            if not self._excepted(candidate, clauses)
        ]
        # A suggestion's later problem words in its clause are its subject ("建议增加防溢锅功能").
        cues: dict[int, int] = {}
        for candidate in candidates:
            if candidate.hit.tier == Tier.S and not _demands(candidate.clause):
                cues.setdefault(id(candidate.clause), candidate.position)
        hits: dict[int, _Hit] = {}
        for candidate in candidates:
            hit, clause = candidate.hit, candidate.clause
            if hit.tier == Tier.S:
                if _demands(clause):
                    continue
            elif hit.category and candidate.position > cues.get(id(clause), candidate.position):
                reasons.append(f"'{hit.keyword}'是建议的内容，不按问题计")
                continue
            elif hit.category == Category.USAGE and TRIED_WORDS & set(clause.tokens):
                continue  # "已清洗过滤网" reports what was tried, it asks nothing
            hits.setdefault(id(hit.tag), hit)
        return list(hits.values()), _unique(reasons)

    def _singles(self, clauses, found, reasons) -> list[_Candidate]:
        candidates = []
        for clause in clauses:
            for occurrence in _outermost(found[id(clause)]):
                keywords = self.single.get(occurrence.word, [])
                if keywords and occurrence.negator:
                    reasons.append(f"'{occurrence.word}'前有否定词'{occurrence.negator}'，不计入")
                    continue
                candidates += [
                    _Candidate(keyword, occurrence.start, clause, occurrence.word)
                    for keyword in keywords
                ]
        return candidates

    def _patterns(self, clauses: list[_Clause], reasons: list[str]) -> list[_Candidate]:
        """'re:' matches one word ("e21"); 'rx:' a clause's text ("冒.{0,4}烟" in 冒出一股烟)."""
        candidates = []
        for clause in clauses:
            for keyword in self.patterns:
                pattern = keyword.pattern
                assert pattern is not None
                if keyword.text.startswith("re:"):
                    candidates += [
                        _Candidate(keyword, clause.offset + index, clause, token)
                        for index, token in enumerate(clause.tokens)
                        if pattern.search(token)
                    ]
                elif found := pattern.search(clause.text):
                    index = _token_at(clause.tokens, found.start())
                    if negator := _negator(clause.tokens, index):
                        reasons.append(f"'{found.group()}'前有否定词'{negator}'，不计入")
                        continue
                    candidates.append(
                        _Candidate(keyword, clause.offset + index, clause, found.group())
                    )
        return candidates

    def _excepted(self, candidate: _Candidate, clauses: list[_Clause]) -> bool:
        """'焦味!饭': not when the sentence speaks of rice."""
        unless = candidate.keyword.unless
        if not unless:
            return False
        sentence = "".join(c.text for c in clauses if c.sentence == candidate.clause.sentence)
        return any(word in sentence for word in unless)

    def _combos(self, clauses: list[_Clause], found) -> list[_Candidate]:
        """a+b: every part in one sentence, none negated; placed at the first part.

        A part may sit inside a longer library word: 滴水 in 往下滴水, as jieba keeps it whole.
        """
        by_sentence: dict[int, list[_Occurrence]] = {}
        clause_of: dict[int, _Clause] = {}
        for clause in clauses:
            for occurrence in found[id(clause)]:
                if not occurrence.negator:
                    by_sentence.setdefault(clause.sentence, []).append(occurrence)
                    clause_of[occurrence.start] = clause
        candidates = []
        for occurrences in by_sentence.values():
            for keyword in self.combos:
                starts = [
                    next((o.start for o in occurrences if part in o.word), None)
                    for part in keyword.parts
                ]
                if None not in starts:
                    first = min(starts)  # type: ignore[type-var]
                    candidates.append(_Candidate(keyword, first, clause_of[first], keyword.text))
        return candidates

    def _occurrences(self, clause: _Clause) -> list[_Occurrence]:
        tokens = clause.tokens
        found = []
        for start in range(len(tokens)):
            joined = ""
            for end in range(start + 1, min(start + MAX_WORDS_PER_KEYWORD, len(tokens)) + 1):
                joined += tokens[end - 1]
                if joined in self.words:
                    negator = _negator(tokens, start)
                    found.append(
                        _Occurrence(joined, clause.offset + start, clause.offset + end, negator)
                    )
        return found


def _token_at(tokens: list[str], char: int) -> int:
    """The index of the token holding the clause's character `char`."""
    for index, token in enumerate(tokens):
        char -= len(token)
        if char < 0:
            return index
    return len(tokens) - 1


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _outermost(found: list[_Occurrence]) -> list[_Occurrence]:
    """Occurrences not strictly inside a longer one."""
    return [
        occurrence
        for occurrence in found
        if not any(
            other is not occurrence
            and other.start <= occurrence.start
            and occurrence.end <= other.end
            and (other.end - other.start) > (occurrence.end - occurrence.start)
            for other in found
        )
    ]


def _negator(tokens: list[str], start: int) -> str:
    for index in range(start - 1, max(start - 1 - NEGATION_WINDOW, -1), -1):
        token = tokens[index]
        if token in NEGATORS:
            return token
        if token in NEGATION_BREAKERS:
            return ""
    return ""


def _demands(clause: _Clause) -> bool:
    """Whether the clause asks for action ("希望尽快修好", "希望换一台")."""
    return bool(DEMANDS & set(clause.tokens) or DEMAND_RE.search(clause.text))


def _clauses(tokens: list[str]) -> list[_Clause]:
    clauses: list[_Clause] = []
    current: list[str] = []
    sentence = 0
    offset = 0
    for index, token in enumerate(tokens):
        if not token.strip() and token != "\n":
            continue  # spaces separate words, not clauses
        if token in CLAUSE_ENDS:
            if current:
                clauses.append(_Clause(current, offset, sentence))
            current = []
            offset = index + 1
            if token in SENTENCE_ENDS:
                sentence += 1
            continue
        current.append(token)
    if current:
        clauses.append(_Clause(current, offset, sentence))
    return clauses


class _Tokenizer(jieba.Tokenizer):
    """jieba on the words triage needs from its dictionary, in a third of the memory.

    jieba's dictionary holds 349,000 words, half of them seen three times or fewer in the
    corpus it was counted on; with every prefix of every word it took 63 MB in each process
    (web workers included), more than the rest of the app. Triage cuts a complaint around
    the library's keywords, which are taught at a frequency far above any word, so it needs
    the common words, and every word holding a negator's character whatever its count: 睡不着
    must stay one word, or its 不 would deny the keyword after it. The counts' total is the
    whole dictionary's, so a kept word weighs what it did.
    """

    def initialize(self, dictionary=None) -> None:
        if self.initialized:
            return
        kept, total = [], 0
        with JIEBA_DICTIONARY.open("rb") as source:
            for line in source:
                word, count = line.decode("utf-8").split(" ")[:2]
                count = int(count)
                total += count
                if count >= DICTIONARY_MIN_COUNT or _NEGATOR_CHARACTERS.intersection(word):
                    kept.append(line)
        self.FREQ, _ = self.gen_pfdict(io.BytesIO(b"".join(kept)))
        self.total = total
        self.initialized = True


JIEBA_DICTIONARY = Path(jieba.__file__).with_name("dict.txt")
DICTIONARY_MIN_COUNT = 20  # keeps 80,000 of its words, and those holding a negator's character
_NEGATOR_CHARACTERS = frozenset("".join(NEGATORS))

# One tokenizer per process, taught the library's words. Words of an older library stay
# known; that only keeps them in one piece, it matches nothing by itself.
_tokenizer = _Tokenizer()
_tokenizer_words: set[str] = set()
_lock = threading.Lock()
_library: tuple[tuple[int, object], _Matcher] | None = None


def _tokenizer_learn(words: set[str]) -> None:
    with _lock:
        for word in words - _tokenizer_words:
            _tokenizer.add_word(word, freq=KEYWORD_FREQ)
            _tokenizer_words.add(word)


def _tokenize(text: str) -> list[str]:
    with _lock:
        return list(_tokenizer.cut(text, HMM=False))


def _library_matcher() -> _Matcher:
    """The active library's matcher, recompiled when a tag is added, removed or saved."""
    global _library
    stamp = Tag.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    version = (stamp["count"], stamp["latest"])
    cached = _library
    if cached is not None and cached[0] == version:
        return cached[1]
    tags = Tag.objects.filter(is_active=True).exclude(keywords=[]).select_related("parent", "team")
    matcher = _Matcher.compile(tags)
    _library = (version, matcher)
    return matcher
