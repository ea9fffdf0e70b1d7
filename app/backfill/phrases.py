"""The indicator phrases: which words of a report name which indicator, and which measure words fit it.

A phrase names a *family* of indicators (培训 → training sessions or trainees); the measure word of
the figure picks the one it can be (培训4次 → training.sessions, 培训96人次 → training.trainees). A
figure whose measure fits none of the phrase's indicators is not proposed for them.

Where a phrase stands in the text matters as much as which it is; that is ``app.backfill.extract``'s
part. Where two phrases overlap (双随机检查 contains 检查) the longer one counts.

The table, by indicator: [measure words, the catalogue's unit first] phrases.

- double_random.inspections [件 次 家次 家 户] 双随机(、一公开)(抽查/检查), 随机抽查
- double_random.published [件 条 次 家次] 公开…双随机(检查/抽查) (with double_random.inspections as
  the alternative: 全年公开我局双随机检查199件), 双随机(抽查)(结果)公开, 抽查结果公开, 公开抽查结果
- double_random.joint_inspections [家 家次 户] 部门联合(“双随机、一公开”)(抽查/检查), 联合抽查,
  联合检查, 跨部门
- inspection.enterprises [家次 家 户 户次] 执法检查, 监督检查, 安全检查, 检查生产经营单位/企业/单位/场所,
  开展/进行/实施检查; 检查 (generic). The last three, right after a clause about a joint or
  double-random check, count that check's enterprises instead (…部门联合抽查3次，检查企业24家).
- inspection.hazards_found [项 处 个 条] 隐患(和/或/及违法行为), 违法(违规)行为
- inspection.hazards_rectified [项 处 个 条] 整改(隐患), 隐患整改, 已整改, 完成整改
- case_review.meetings [次 场 期] 案审会, 案件审理委员会(会议), 案审委(会议), 案件审理会
- case_review.cases [件 起 宗] 研究/审理/审议/审查(…)案件, 审案; 案审会 with 件
- penalty.cases [件 起 宗] (实施/作出/给予)行政处罚(案件/决定), 处罚案件, 立案(查处), 立案/查处…案件,
  办理(行政)处罚/执法案件; 案件 alone is generic and also reads as case_review.cases (an alternative);
  none of these where 举报/投诉/信访/诉讼/复议 stands before (complaints and lawsuits are no penalties)
- penalty.fines_yuan [元, also 万元 亿元] 罚款, 罚没(款/金额), 处罚金额, 经济处罚, 处以罚款
- penalty.suspensions [家 家次 户] 责令停产停业/停产整顿/停止生产/停止施工/停止使用, 停产停业, 停产整顿
- penalty.detentions [人 名 人次] 行政拘留, 拘留 (not 刑事拘留)
- drill.drills [次 场 场次] 演练, 演习, 推演
- drill.participants [人次 人 名] 演练/演习 with a count of people, 参演(人员/人数), 参与/参加演练
- training.sessions [次 期 场 班] 培训(班), 轮训
- training.trainees [人次 人 名] 培训 with a count of people, 受训, 参训, 培训(执法)人员
- training.exams [次 场 期] 考试, 测试, 考核
- training.examinees [人次 人 名] 考试 with a count of people, 参考(人员/人数), 参加考试, 应考
- publicity.events [场 次 场次 期] (普法/法治)宣传/宣讲/讲座/送法(教育)(活动), 普法(活动); 活动 (generic,
  and only where 宣传/普法/宣讲/安全生产月/四进 … is said in the clause, sentence, item lead or heading)
- publicity.audience [人次 人 名] the same with a count of people, 受众, 受教育(群众/人数), 受益群众, 观众
- accident.count [起] (生产安全/安全生产)事故; 亡人事故 (with a caveat: fatal accidents only)
- accident.deaths [人 名] 死亡, 亡人, 遇难, 丧生

A count of people without words of its own takes the activity of the clause before
(组织知识考试5次，覆盖139人次 → training.examinees).

Not phrases on purpose: 答题 (a quiz is not an exam of the catalogue), bare 会议 (a Party committee
meeting is not a case review), bare 执法 (执法人员 are staff), bare 抽查 (a spot check need not be a
double-random one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The catalogue's unit first, then the other measure words that a report may use for the indicator.
UNITS: dict[str, tuple[str, ...]] = {
    "double_random.inspections": ("件", "次", "家次", "家", "户"),
    "double_random.published": ("件", "条", "次", "家次"),
    "double_random.joint_inspections": ("家", "家次", "户"),
    "inspection.enterprises": ("家次", "家", "户", "户次"),
    "inspection.hazards_found": ("项", "处", "个", "条"),
    "inspection.hazards_rectified": ("项", "处", "个", "条"),
    "case_review.meetings": ("次", "场", "期"),
    "case_review.cases": ("件", "起", "宗"),
    "penalty.cases": ("件", "起", "宗"),
    "penalty.fines_yuan": ("元",),
    "penalty.suspensions": ("家", "家次", "户"),
    "penalty.detentions": ("人", "名", "人次"),
    "drill.drills": ("次", "场", "场次"),
    "drill.participants": ("人次", "人", "名"),
    "training.sessions": ("次", "期", "场", "班"),
    "training.trainees": ("人次", "人", "名"),
    "training.exams": ("次", "场", "期"),
    "training.examinees": ("人次", "人", "名"),
    "publicity.events": ("场", "次", "场次", "期"),
    "publicity.audience": ("人次", "人", "名"),
    "accident.count": ("起",),
    "accident.deaths": ("人", "名"),
}
MONEY = frozenset({"penalty.fines_yuan"})
# Measure words that count people: a headcount (人, 名) of the bureau's own staff is never a figure.
PERSON_MEASURES = frozenset({"人", "名", "人次"})
HEADCOUNT_MEASURES = frozenset({"人", "名"})

# The indicator that counts the people of an activity: "活动8场，7000余人参加" gives the second
# figure to the family of the first.
PEOPLE_OF: dict[str, str] = {
    "drill.drills": "drill.participants",
    "drill.participants": "drill.participants",
    "training.sessions": "training.trainees",
    "training.trainees": "training.trainees",
    "training.exams": "training.examinees",
    "training.examinees": "training.examinees",
    "publicity.events": "publicity.audience",
    "publicity.audience": "publicity.audience",
}
# Words that say "these people took part" without saying in what: 参加, 覆盖 ….
PEOPLE_ROLE = re.compile(r"参加|参与|覆盖|惠及|参会|出席|人员参加")

# What makes the word 活动 an activity of legal publicity: one of these in the clause, the
# sentence, or the lead of its item (一是深入开展"安全生产月"活动).
PUBLICITY_CONTEXT = re.compile(r"宣传|普法|宣讲|安全生产月|[四五六]进|法治教育|警示教育")


@dataclass(frozen=True)
class Phrase:
    """Words that name a family of indicators."""

    pattern: re.Pattern[str]
    indicators: tuple[str, ...]  # in order of preference; the figure's measure picks among them
    strength: float = 0.9  # how surely the words mean the indicator (generic words are weaker)
    context: re.Pattern[str] | None = None  # the phrase counts only where this is said nearby
    note: str | None = None  # a caveat the reviewer should read (a code of app.backfill.proposals.NOTES)
    # The phrase does not count where this stands before it in the clause (投诉案件 are no penalties).
    unless: re.Pattern[str] | None = None
    # Words that only say "checked": after a clause about a joint or double-random check they count
    # that check's enterprises (开展部门联合抽查，检查企业24家).
    defers: bool = False


def _p(pattern: str, *indicators: str, strength: float = 0.9, context: re.Pattern[str] | None = None,
       note: str | None = None, unless: re.Pattern[str] | None = None, defers: bool = False) -> Phrase:  # fmt: skip
    return Phrase(re.compile(pattern), indicators, strength, context, note, unless, defers)


# The indicators that a deferring phrase gives way to, when the clause before names them.
DEFERRED_TO = ("double_random.joint_inspections", "double_random.inspections")


# Cases that are complaints, petitions or lawsuits, not penalties nor cases reviewed.
NOT_PENALTY_CASES = re.compile(r"举报|投诉|信访|诉讼|复议|应诉|刑事")


# A gap of a few characters inside a phrase, never across a clause or a number.
_GAP = r"[^，。；：,;:（）()\n\d]{0,8}?"

PHRASES: tuple[Phrase, ...] = (
    # 双随机、一公开
    _p(rf"公开{_GAP}双随机(?:抽查|检查)?", "double_random.published", "double_random.inspections"),
    _p(r"双随机(?:抽查|检查)?(?:结果)?公开|(?:抽查|检查)结果公开|公开(?:抽查|检查)结果", "double_random.published"),
    _p(r"双随机[、，]?一公开”?(?:抽查|检查)?|双随机(?:抽查|检查)?|随机抽查", "double_random.inspections"),
    _p(
        r"部门联合(?:“?双随机[、，]?一公开”?)?(?:抽查|检查)?|联合(?:抽查|检查)|跨部门",
        "double_random.joint_inspections",
    ),
    # 执法检查
    _p(r"执法检查|监督检查|安全检查", "inspection.enterprises"),
    _p(r"检查(?:生产经营单位|企业|单位|场所)|(?:开展|进行|实施)检查", "inspection.enterprises", defers=True),
    _p(r"检查", "inspection.enterprises", strength=0.8, defers=True),
    _p(r"隐患(?:和|或|及)?(?:违法行为)?|违法(?:违规)?行为", "inspection.hazards_found"),
    _p(r"整改(?:隐患)?|隐患整改|已整改|完成整改", "inspection.hazards_rectified"),
    # 案件审理
    _p(r"案审会|案件审理委员会(?:会议)?|案审委(?:会议)?|案件审理会", "case_review.meetings", "case_review.cases"),
    _p(rf"(?:研究|审理|审议|审查){_GAP}案件|审案", "case_review.cases"),
    # 行政处罚
    _p(r"(?:实施|作出|给予)?行政处罚(?:案件|决定)?|处罚案件", "penalty.cases"),
    _p(
        rf"(?:立案查处|立案|查处){_GAP}案件|办理(?:行政)?(?:处罚|执法)案件|立案(?:查处)?",
        "penalty.cases",
        unless=NOT_PENALTY_CASES,
    ),
    _p(r"案件", "penalty.cases", "case_review.cases", strength=0.6, unless=NOT_PENALTY_CASES),
    _p(r"罚款|罚没(?:款|金额)?|处罚金额|经济处罚|处以罚款", "penalty.fines_yuan"),
    _p(
        r"责令(?:停产停业|停产整顿|停止(?:生产|施工|使用))|停产停业|停产整顿",
        "penalty.suspensions",
    ),
    _p(r"行政拘留|(?<!刑事)拘留", "penalty.detentions"),
    # 应急演练
    _p(r"演练|演习|推演", "drill.drills", "drill.participants"),
    _p(r"参演(?:人员|人数)?|(?:参与|参加)演练", "drill.participants"),
    # 培训、考试
    _p(r"培训(?:班)?|轮训", "training.sessions", "training.trainees"),
    _p(r"受训|参训|培训(?:执法)?人员", "training.trainees"),
    _p(r"考试|测试|考核", "training.exams", "training.examinees"),
    _p(r"参考(?:人员|人数)?|参加考试|应考", "training.examinees"),
    # 普法宣传
    _p(
        r"(?:普法|法治)?(?:宣传|宣讲|讲座|送法)(?:教育)?(?:活动)?|普法(?:活动)?",
        "publicity.events",
        "publicity.audience",
    ),
    _p(r"受众|受教育(?:群众|人数)?|受益群众|观众", "publicity.audience"),
    _p(r"活动", "publicity.events", "publicity.audience", strength=0.75, context=PUBLICITY_CONTEXT),
    # 生产安全事故
    _p(r"亡人事故", "accident.count", note="fatal_accidents_only"),
    _p(r"(?:生产安全|安全生产)?事故", "accident.count"),
    _p(r"死亡|亡人|遇难|丧生", "accident.deaths"),
)


@dataclass(frozen=True)
class PhraseMatch:
    """One phrase found in the text."""

    start: int
    end: int
    phrase: Phrase

    @property
    def text_length(self) -> int:
        return self.end - self.start


def find_phrases(scan: str, start: int, end: int) -> list[PhraseMatch]:
    """The phrases in ``scan[start:end]``, left to right, a longer one winning over those it overlaps."""
    found = [
        PhraseMatch(m.start(), m.end(), phrase)
        for phrase in PHRASES
        for m in phrase.pattern.finditer(scan, start, end)
        if m.end() > m.start()
    ]
    # Longest first (then leftmost, then the table's order): a shorter match inside a taken one is dropped.
    found.sort(key=lambda p: (-p.text_length, p.start))
    occupied = bytearray(end - start)
    taken: list[PhraseMatch] = []
    for match in found:
        if not any(occupied[match.start - start : match.end - start]):
            occupied[match.start - start : match.end - start] = b"\x01" * match.text_length
            taken.append(match)
    return sorted(taken, key=lambda p: p.start)


def fitting(indicators: tuple[str, ...], measure: str) -> tuple[str, ...]:
    """Those of ``indicators`` that a figure with this measure word can be."""
    return tuple(i for i in indicators if measure in UNITS[i])


def canonical_measure(indicator: str) -> str:
    return UNITS[indicator][0]
