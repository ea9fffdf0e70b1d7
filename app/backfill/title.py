"""Who issued a report and for which year, read from its title — and said how.

"天津市河东区应急管理局2021年度法治政府建设情况报告" → 120102, 2021. The title is the first heading
lines of the text (up to three, ending with the one that says 报告/总结/情况/通报), so a title
broken over lines ("重庆市渝北区应急管理局 / 关于 2020 年度法治政府建设情况的报告") reads as one.

Where the title names no district (河东's own report is titled "区应急管理局2021年法治政府建设情况
报告"), the text is searched for "…应急管理局" and a county-level district is taken only when every
such mention agrees (天津市河东区应急管理局 and 河东区应急管理局 agree; 河东区 and 河西区 do not). The
year is read from the title only: the body mentions many years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.backfill.numbers import translate_digits
from app.backfill.places import Gazetteer, Place, Resolution
from app.backfill.proposals import DistrictRef, Explanation
from app.backfill.sentences import Document, Span

TITLE_END = re.compile(r"报告|总结|情况|通报|汇报")
TITLE_LINES = 3
TITLE_MAX = 80
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
CN_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})\s*年")
CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
BUREAU = re.compile(r"应急管理局|应急局")
# How far before "应急管理局" a district name may start (新疆维吾尔自治区…), cut at punctuation.
ISSUER_REACH = 20
_ISSUER_STOP = re.compile(r"[《》“”\"'「」（）()，。、；：,.;:\s□]")


def find_title(doc: Document) -> Span | None:
    """The title: the leading heading lines, up to the one that says what the document is."""
    lines: list[Span] = []
    for sentence in doc.sentences[:TITLE_LINES]:
        if sentence.end - sentence.start > TITLE_MAX:
            break
        lines.append(Span(sentence.start, sentence.end))
        if TITLE_END.search(doc.text, sentence.start, sentence.end):
            return Span(lines[0].start, lines[-1].end)
        if not sentence.is_heading:
            break
    return None


def year_of_title(doc: Document, title: Span) -> tuple[int, Span] | None:
    text = translate_digits(doc.text)
    m = YEAR.search(text, title.start, title.end)
    if m is not None:
        return int(m.group(1)), Span(m.start(), m.end())
    m = CN_YEAR.search(text, title.start, title.end)
    if m is not None:
        return int("".join(CN_DIGIT[c] for c in m.group(1))), Span(m.start(), m.end())
    return None


@dataclass(frozen=True)
class DistrictReading:
    district: DistrictRef | None
    how: Explanation


def _ref(gazetteer: Gazetteer, place: Place) -> DistrictRef:
    return DistrictRef(place.code, place.name)


def _labels(gazetteer: Gazetteer, places: tuple[Place, ...]) -> str:
    return "、".join(f"{p.code} {gazetteer.full_name(p)}" for p in places)


def district_of_title(doc: Document, title: Span | None, gazetteer: Gazetteer) -> DistrictReading:
    """The district that issued the report, from its title, else from the bureau's name in the text."""
    if title is not None:
        title_text = doc.text[title.start : title.end]
        found = gazetteer.resolve(title_text)
        if found.status != "none":
            return _reading_of(doc, gazetteer, found, title.start, "title", title_text)
    return _district_of_body(doc, gazetteer)


def _reading_of(
    doc: Document, gazetteer: Gazetteer, found: Resolution, offset: int, source: str, where: str
) -> DistrictReading:
    start = None if found.start is None else offset + found.start
    end = None if found.end is None else offset + found.end
    cands = tuple(_ref(gazetteer, p) for p in found.candidates)
    where_zh = "标题" if source == "title" else "正文"
    where_en = "the title" if source == "title" else "the text"
    if found.status == "found" and found.place is not None:
        place = found.place
        return DistrictReading(
            _ref(gazetteer, place),
            Explanation(
                "title" if source == "title" else "body",
                f"{where_zh}中的“{found.matched}”→ {place.code} {gazetteer.full_name(place)}",
                f"“{found.matched}” in {where_en} → {place.code} {gazetteer.full_name(place)}",
                evidence=where,
                start=start,
                end=end,
            ),
        )
    labels = _labels(gazetteer, found.candidates)
    if found.status == "inconsistent":
        zh = f"{where_zh}中的“{found.matched}”与其上级区划不符（{labels}），请填写 district"
        en = (
            f"“{found.matched}” in {where_en} does not fit the province or city written with it ({labels}); "
            "give district"
        )
    else:
        zh = f"{where_zh}中的区划名称对应多个区划：{labels}；请填写 district"
        en = f"The district named in {where_en} is ambiguous: {labels}; give district"
    return DistrictReading(None, Explanation("none", zh, en, evidence=where, start=start, end=end, candidates=cands))


def _adjacent_names(gazetteer: Gazetteer, snippet: str) -> str:
    """The place names written right before the bureau's name, one after the other: of
    "学习天津市河西区应急管理局和天津市河东区" only "天津市河东区" names the bureau that follows."""
    start = len(snippet)
    for name_start, name_end, _name in reversed(gazetteer.names_in(snippet)):
        if name_end != start:
            break
        start = name_start
    return snippet[start:]


def _district_of_body(doc: Document, gazetteer: Gazetteer) -> DistrictReading:
    found: dict[str, tuple[Place, int, int, str]] = {}
    ambiguous: list[tuple[Place, ...]] = []
    for bureau in BUREAU.finditer(doc.text):
        begin = bureau.start()
        while begin > max(0, bureau.start() - ISSUER_REACH) and not _ISSUER_STOP.match(doc.text[begin - 1]):
            begin -= 1
        snippet = _adjacent_names(gazetteer, doc.text[begin : bureau.start()])
        begin = bureau.start() - len(snippet)
        resolution = gazetteer.resolve(snippet)
        if resolution.status == "found" and resolution.place is not None and resolution.place.level == "county":
            assert resolution.start is not None
            found.setdefault(resolution.place.code, (resolution.place, begin + resolution.start, bureau.end(), snippet))
        elif resolution.status == "ambiguous" and all(c.level == "county" for c in resolution.candidates):
            ambiguous.append(resolution.candidates)
    if len(found) == 1:
        place, start, end, _snippet = next(iter(found.values()))
        if all(place in cands for cands in ambiguous):
            mention = doc.text[start:end]
            return DistrictReading(
                _ref(gazetteer, place),
                Explanation(
                    "body",
                    f"标题未写区名；正文中的“{mention}”→ {place.code} {gazetteer.full_name(place)}",
                    f"The title names no district; “{mention}” in the text → {place.code} {gazetteer.full_name(place)}",
                    evidence=mention,
                    start=start,
                    end=end,
                ),
            )
    candidates = tuple({p.code: p for p, *_ in found.values()}.values()) + tuple(
        {p.code: p for cands in ambiguous for p in cands if p.code not in found}.values()
    )
    if candidates:
        labels = _labels(gazetteer, candidates)
        return DistrictReading(
            None,
            Explanation(
                "none",
                f"标题未写区名，正文中提到的区县不止一个：{labels}；请填写 district",
                f"The title names no district and the text names several: {labels}; give district",
                candidates=tuple(_ref(gazetteer, p) for p in candidates),
            ),
        )
    return DistrictReading(
        None,
        Explanation(
            "none",
            "标题和正文中未找到区县名称，请填写 district",
            "No district found in the title or the text; give district",
        ),
    )


def year_reading(doc: Document, title: Span | None) -> tuple[int | None, Explanation]:
    if title is not None:
        found = year_of_title(doc, title)
        if found is not None:
            year, span = found
            written = doc.text[span.start : span.end]
            return year, Explanation(
                "title",
                f"标题中的“{written}”",
                f"“{written}” in the title",
                evidence=doc.text[title.start : title.end],
                start=span.start,
                end=span.end,
            )
    return None, Explanation(
        "none",
        "标题中未找到年份，请填写 year",
        "No year found in the title; give year",
    )
