"""The dashboard's words in Chinese (the default) and English; the language lives in the URL (``lang=en``).

Indicator and district names come from the database (``name_zh`` / ``name_en``); this module holds
the words of the pages themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from app.districts.names_en import english_name

if TYPE_CHECKING:
    import pandas as pd

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"

TEXTS: dict[str, tuple[str, str]] = {
    # the frame
    "app.title": ("应急管理执法工作统计", "Emergency-management enforcement statistics"),
    "app.subtitle": ("局领导工作台", "Leaders' dashboard"),
    "nav.overview": ("总览", "Overview"),
    "nav.districts": ("区划对比", "Districts"),
    "nav.completeness": ("报送情况", "Completeness"),
    "nav.data": ("数据", "Data"),
    "nav.reports": ("年度报告", "Reports"),
    "nav.submit": ("数据报送", "Report a month"),
    "nav.review": ("审核", "Review"),
    "nav.history": ("历史数据导入", "Import history"),
    "sign_out": ("退出", "Sign out"),
    # controls
    "control.district": ("区划", "District"),
    "control.year": ("年份", "Year"),
    "control.indicator": ("指标", "Indicator"),
    "control.month": ("月份", "Month"),
    "control.measure": ("显示", "Show"),
    "control.search": ("输入名称或代码搜索…", "Type a name or code…"),
    "measure.total": ("合计", "Totals"),
    "measure.change": ("同比变化", "Change on last year"),
    "control.map": ("地图", "Map"),
    "map.children": ("各省", "Provinces"),
    "map.counties": ("全部区县", "All counties"),
    "country": ("全国", "China"),
    # common
    "not_reported": ("未报送", "not reported"),
    "change": ("同比", "YoY"),
    "no_comparison": ("无可比数据", "no comparable data"),
    "as_of": ("数据截至", "Data as of"),
    "scope": ("范围", "Scope"),
    "year": ("年度", "Year"),
    "months_reported": ("已报送区县·月", "district-months reported"),
    "previous_same_period": ("上年同期", "Same months last year"),
    "comparable_this_year": ("可比月份本年", "Comparable months this year"),
    # the KPI card's comparison line and its tooltip
    "kpi.versus": ("上年同期 {previous}", "vs {previous} last year"),
    "kpi.versus_comparable": (
        "可比月份本年 {comparable} · 上年同期 {previous}",
        "{comparable} vs {previous} in comparable months",
    ),
    "kpi.basis": (
        "可比口径：只比较两年均已报送的区县·月份（{compared} 个）",
        "Comparable basis: only the district-months reported in both years ({compared})",
    ),
    "kpi.basis_short": (
        "可比口径：只比较两年均已报送的区县·月份",
        "Comparable basis: only the district-months reported in both years",
    ),
    "kpi.this_year": ("本年合计", "This year in all"),
    "kpi.details": ("说明", "Details"),
    "kpi.part_annual": ("含年报", "part annual"),
    "error.title": ("无法显示该页面", "This page cannot be shown"),
    "choose_district": (
        "请选择一个省、市或区县查看总览。",
        "Choose a province, city or district to see its overview.",
    ),
    "county_has_no_children": (
        "区县没有下级区划，请选择市或省查看区划对比。",
        "A county-level district has no children; choose a city or province to compare its districts.",
    ),
    # an area asked for in the URL that cannot be shown (issue 15): the notice stays, with a way home
    "area.forbidden_title": ("无权查看该地区", "This area is outside your scope"),
    "area.unknown_title": ("未找到地区", "Area not found"),
    "area.home": ("查看本人范围：{name}", "Go to your own area: {name}"),
    "area.option_forbidden": ("{code}（无权查看）", "{code} (outside your scope)"),
    "area.option_unknown": ("{code}（未找到）", "{code} (not found)"),
    "area.pseudo_city": (
        "{pseudo}（{asked}）是行政区划代码中的归类，不是统计地区：已显示{name}（{code}）及其全部区县。",
        "{pseudo} ({asked}) is a grouping of the division codes, not an area: showing {name} ({code}) and all its "
        "districts.",
    ),
    "no_data": ("暂无数据", "No data"),
    # overview
    "overview.heading": ("执法工作总览", "Enforcement overview"),
    "overview.kpis": ("主要指标", "Headline indicators"),
    "overview.ratios": ("派生比率", "Derived ratios"),
    "overview.monthly": ("月度对比：本年与上年", "Month by month: this year and last"),
    "overview.trend": ("年度趋势", "Year by year"),
    "overview.this_year": ("本年", "this year"),
    "overview.last_year": ("上年", "last year"),
    "overview.ytd_note": ("本年为截至目前的累计", "this year is year to date"),
    "ratio.published_rate": ("公开率", "Published"),
    "ratio.rectified_rate": ("整改率", "Rectified"),
    "ratio.fine_per_case": ("平均罚款", "Average fine"),
    # districts
    "districts.heading": ("区划对比", "Districts compared"),
    "districts.ranking": ("排名", "Ranking"),
    "districts.average": ("平均", "average"),
    "districts.pooled": ("合计同比", "all together"),
    "districts.map": ("分布", "Where"),
    "districts.heatmap": ("同比变化（%）", "Change on last year (%)"),
    "districts.click_hint": (
        "点击地图上的区划进入下一级（区县打开其总览），点击排名或热力图打开其总览",
        "Click an area on the map to go a level down (a county opens its overview); "
        "click a bar or a heat-map row to open its overview",
    ),
    "districts.map_points": (
        "{names}暂无边界数据，在其中心位置以圆点表示。",
        "No boundary for {names}: shown as a dot at its centre.",
    ),
    "districts.rank": ("名次", "Rank"),
    "districts.share": ("占比", "Share"),
    "districts.completeness": ("报送率", "Reported"),
    "districts.name": ("区划", "District"),
    "districts.total": ("合计", "Total"),
    "districts.change": ("同比", "Change"),
    # completeness
    "completeness.heading": ("报送情况", "Reporting completeness"),
    "completeness.rate": ("报送率", "Reporting rate"),
    "completeness.on_time_rate": ("按时报送率", "On time"),
    "completeness.submitted": ("按时报送", "Submitted on time"),
    "completeness.late": ("迟报", "Late"),
    "completeness.missing": ("漏报", "Missing"),
    "completeness.not_due": ("未到期", "Not due"),
    "completeness.missing_last_month": ("上月未报送的区县", "Districts missing last month"),
    "completeness.not_yet_reported_last_month": (
        "上月尚未报送的区县（报送期限{due}）",
        "Districts that have not yet reported last month (due {due})",
    ),
    "completeness.none_missing": ("全部已报送。", "Every district has reported."),
    "completeness.deadline": ("次月{day}日前报送为按时（北京时间）", "On time: by the {day}th of the next month"),
    "completeness.top_rows": (
        "仅显示漏报最多的 {shown} 个区县（共 {total} 个）",
        "Showing the {shown} districts with most missing months (of {total})",
    ),
    # review status (shared by 数据报送, 审核 and 报送情况)
    "status.missing": ("未报送", "Not sent"),
    "status.submitted": ("已报送待审", "Sent, awaiting review"),
    "status.returned": ("已退回", "Returned"),
    "status.approved": ("已审核通过（锁定）", "Approved (locked)"),
    "status.not_due": ("未到期", "Not due"),
    "status_short.missing": ("未报", "—"),
    "status_short.submitted": ("待审", "Sent"),
    "status_short.returned": ("退回", "Ret."),
    "status_short.approved": ("通过", "OK"),
    "submission.json": ("表单/接口", "form/API"),
    "submission.csv": ("CSV 文件", "CSV file"),
    "submission.xlsx": ("Excel 文件", "Excel file"),
    "submission.seed": ("初始数据", "seed"),
    "submission.applied": ("已写入", "written"),
    "submission.rejected": ("有错误，未写入", "refused"),
    "submission.dry_run": ("试运行", "dry run"),
    # the reminder notice of the frame
    "reminders.title": ("催报提醒", "Reminders"),
    "reminders.item": (
        "{district} {month}：{status}（{by}于{at}催报）",
        "{district} {month}: {status} (reminded by {by} on {at})",
    ),
    "reminders.open": ("去报送", "Report it"),
    # 数据报送
    "submit.heading": ("数据报送", "Report a month"),
    "submit.staff_only": (
        "数据报送仅限区县报送账号（staff）或管理员。",
        "Reporting is for district staff accounts and admins.",
    ),
    "submit.choose_county": ("请选择一个区县。", "Choose a county-level district."),
    "submit.status": ("本月状态", "Status of the month"),
    "submit.reason": ("退回原因", "Reason of the return"),
    "submit.last_reason": ("上次审核意见", "Last review note"),
    "submit.reviewed_by": ("审核人", "Reviewer"),
    "submit.submitted_by": ("报送人", "Sent by"),
    "submit.form": ("逐项填报", "Fill in the form"),
    "submit.form_hint": (
        "空白表示“未报送”，与 0 不同；保存后该月即为所填内容（留空的指标撤回）。数值可写“2,000”“3.5万”。",
        "Blank means not reported, which is not 0; saving makes the month exactly the form "
        '(a blank indicator is withdrawn). Numbers may be written "2,000" or "3.5万".',
    ),
    "submit.indicator": ("指标", "Indicator"),
    "submit.unit": ("单位", "Unit"),
    "submit.value": ("本月", "This month"),
    "submit.last_month": ("上月", "Last month"),
    "submit.last_year": ("上年同月", "Same month last year"),
    "submit.history": ("修改记录", "History"),
    "submit.save": ("保存", "Save"),
    "submit.saved": (
        "已保存：新增 {created} 项、修改 {updated} 项、撤回 {removed} 项、未变 {unchanged} 项。",
        "Saved: {created} created, {updated} changed, {removed} withdrawn, {unchanged} unchanged.",
    ),
    "submit.not_saved": ("未保存：", "Not saved: "),
    "submit.changed_meanwhile": (
        "该月数据在您打开本页之后已被他人修改，本次未保存，以免覆盖他人的修改。请重新打开本页，核对后再保存。",
        "Someone changed this month after you opened the page; nothing was saved, so as not to overwrite "
        "their change. Open the page again, check and save.",
    ),
    "submit.reload": ("重新打开本月", "Open the month again"),
    "submit.warnings": ("提示（不影响保存）", "Warnings (saved anyway)"),
    "submit.errors": ("错误", "Errors"),
    "submit.upload": ("上传文件", "Upload a file"),
    "submit.upload_hint": (
        "拖放或点击选择 CSV / Excel 文件（不超过 {mb} MB，可用下方模板）。先预览，确认后才写入。",
        "Drop or choose a CSV or Excel file (at most {mb} MB; the template below fits). It is previewed first "
        "and written only when you confirm.",
    ),
    "submit.template": (
        "下载本区县本年 Excel 模板（含已报数据）",
        "Download this district's Excel template (prefilled)",
    ),
    "submit.preview": ("预览（试运行，尚未写入）", "Preview (dry run, nothing written yet)"),
    "submit.preview_counts": (
        "将新增 {created} 项、修改 {updated} 项、撤回 {removed} 项，共 {months} 个区县·月。",
        "Would create {created}, change {updated}, withdraw {removed}, in {months} district-month(s).",
    ),
    "submit.preview_nothing": ("文件与已报数据相同，无需写入。", "The file matches what is stored: nothing to write."),
    "submit.confirm": ("确认上传", "Confirm the upload"),
    "submit.uploaded": (
        "已上传：新增 {created} 项、修改 {updated} 项、撤回 {removed} 项。",
        "Uploaded: {created} created, {updated} changed, {removed} withdrawn.",
    ),
    "submit.uploaded_reload": (
        "上方表单仍是上传前的数据，请重新打开本月查看。",
        "The form above still shows the figures from before the upload: open the month again to see them.",
    ),
    "submit.file_errors": (
        "文件有 {count} 处错误，未写入任何数据：",
        "{count} problem(s) in the file; nothing was written:",
    ),
    "submit.file_too_large": ("文件过大（上限 {mb} MB）。", "The file is too large (at most {mb} MB)."),
    "submit.file_unreadable": ("无法读取上传的文件。", "The uploaded file cannot be read."),
    "submit.withdrawn": ("撤回", "withdrawn"),
    "submit.sheet": ("工作表", "Sheet"),
    "submit.row": ("行", "Row"),
    "submit.cell": ("单元格", "Cell"),
    "submit.message": ("说明", "Problem"),
    "submit.district": ("区县", "District"),
    "submit.month": ("月份", "Month"),
    "submit.old": ("原值", "Before"),
    "submit.new": ("新值", "After"),
    "submit.log": ("报送记录", "Submissions log"),
    "submit.log_empty": ("暂无报送记录。", "No submissions yet."),
    "submit.log_when": ("时间", "When"),
    "submit.log_user": ("报送人", "Who"),
    "submit.log_how": ("方式", "How"),
    "submit.log_status": ("结果", "Outcome"),
    "submit.log_counts": ("新增/修改/撤回", "Created/changed/withdrawn"),
    "submit.history_of": ("{indicator}的修改记录", "History of {indicator}"),
    "submit.history_empty": ("该指标本月没有修改记录。", "No change of this figure this month."),
    "submit.history_when": ("时间", "When"),
    "submit.history_user": ("修改人", "Who"),
    "submit.history_system": ("系统", "system"),
    # 审核
    "review.heading": ("审核", "Review"),
    "review.reviewers_only": ("审核页面仅限审核人和管理员。", "The review page is for reviewers and admins."),
    "review.grid": ("各区县报表状态", "District-months by status"),
    "review.grid_hint": (
        "点击单元格查看该区县该月的数据并审核。",
        "Click a cell to see the district-month and review it.",
    ),
    "review.choose_parent": ("请选择一个市或省。", "Choose a city or province."),
    "review.detail": ("{district} {month} 数据", "{district} {month}"),
    "review.choose_cell": ("请在上表中点击一个区县·月。", "Click a district-month in the grid above."),
    "review.warnings": ("提示", "Warnings"),
    "review.no_warnings": ("无异常提示。", "No warnings."),
    "review.reason": ("原因（退回、解锁时必填）", "Reason (required to return or unlock)"),
    "review.approve": ("审核通过（锁定）", "Approve (lock)"),
    "review.return": ("退回", "Return"),
    "review.unlock": ("解锁", "Unlock"),
    "review.approve_all": ("本月全部已报送的审核通过", "Approve every sent month of this month"),
    "review.remind": ("向未报送、被退回的区县催报", "Remind districts not sent or returned"),
    "review.done": ("{district} {month}：{status}", "{district} {month}: {status}"),
    "review.approved_all": (
        "审核通过 {approved} 个，已通过 {already} 个，未报送或已退回 {left} 个。",
        "{approved} approved now, {already} already, {left} not sent or returned.",
    ),
    "review.reminded": ("已催报 {count} 个区县：{names}", "Reminded {count} district(s): {names}"),
    "review.reminded_none": ("没有需要催报的区县。", "No district to remind."),
    "review.failed": ("未完成：", "Not done: "),
    "review.counts": (
        "本月：已通过 {approved}，待审 {submitted}，已退回 {returned}，未报送 {missing}",
        "This month: {approved} approved, {submitted} awaiting review, {returned} returned, {missing} not sent",
    ),
    # 历史数据导入
    "history.heading": ("历史数据导入", "Import history from annual reports"),
    "history.staff_only": (
        "历史数据导入仅限区县报送账号（staff）或管理员。",
        "Importing history is for district staff accounts and admins.",
    ),
    "history.input": ("粘贴或上传年度报告", "Paste or upload an annual report"),
    "history.input_hint": (
        "粘贴已发布的年度报告全文（不超过 {chars} 字），或上传 .docx、.txt、带文字层的 .pdf。"
        "系统只提出建议值，核对、采纳后才保存为该区县该年的年度数据。",
        "Paste a published annual report (at most {chars} characters) or upload a .docx, .txt or a .pdf with a "
        "text layer. Figures are only proposed: they are stored as the district's annual figures once you accept "
        "them.",
    ),
    "history.paste": ("在此粘贴报告全文…", "Paste the report's text here…"),
    "history.extract": ("识别数据", "Read the figures"),
    "history.upload": (
        "或拖放、点击选择报告文件（.docx / .txt / .pdf，不超过 {mb} MB）",
        "or drop or choose the report's file (.docx / .txt / .pdf, at most {mb} MB)",
    ),
    "history.nothing_given": ("请粘贴报告全文或上传文件。", "Paste the report's text or upload its file."),
    "history.file_unreadable": ("无法读取上传的文件。", "The uploaded file cannot be read."),
    "history.not_read": ("未能识别：", "Not read: "),
    "history.where": ("区县和年份", "District and year"),
    "history.district": ("区县", "District"),
    "history.year": ("年份", "Year"),
    "history.choose_year": ("请选择年份。", "Choose the year."),
    "history.choose_district": ("请选择区县。", "Choose the district."),
    "history.not_yours": (
        "报告所属的{district}不在您的报送范围内，请选择您可报送的区县，或请管理员导入。",
        "The report's district ({district}) is outside your scope: choose one of yours, or ask an admin.",
    ),
    "history.read": ("报告原文（建议值已标出）", "The report (proposed figures marked)"),
    "history.read_hint": (
        "黄色标出的是建议值，划线的是不采纳的；将鼠标移到标记上可看到序号和指标。",
        "Proposed figures are marked in yellow, rejected ones struck through; hover a mark for its number and "
        "indicator.",
    ),
    "history.proposals": ("建议值", "Proposed figures"),
    "history.found": (
        "共识别出 {count} 个建议值。请逐项核对：可修改数值，或选“不采纳”；专项活动或其中一部分默认不采纳。",
        "{count} figure(s) proposed. Check each: edit the value or reject it; campaigns and subsets start rejected.",
    ),
    "history.nothing_found": (
        "没有识别出可用的数据（宁缺毋滥：不确定的数字不会提出）。",
        "No figure proposed (better none than a wrong one).",
    ),
    "history.part": ("（部分）", " (part)"),
    "history.col_no": ("序号", "No."),
    "history.col_indicator": ("指标", "Indicator"),
    "history.col_written": ("原文", "As written"),
    "history.col_value": ("数值", "Value"),
    "history.col_unit": ("单位", "Unit"),
    "history.col_confidence": ("可信度", "Confidence"),
    "history.col_evidence": ("所在句子与其他读法", "Sentence and other readings"),
    "history.col_decision": ("处理", "Decision"),
    "history.value": ("数值", "value"),
    "history.confidence": ("可信度", "confidence"),
    "history.accept": ("采纳", "Accept"),
    "history.reject": ("不采纳", "Reject"),
    "history.store": ("保存为年度数据", "Store as annual figures"),
    "history.not_saved": ("未保存：", "Not stored: "),
    "history.errors": ("请修改以下各项", "correct the following"),
    "history.nothing_accepted": ("没有采纳任何数据。", "No figure accepted."),
    "history.saved": (
        "已保存{district}{year}年度数据：新增 {created} 项、修改 {updated} 项、未变 {unchanged} 项。",
        "Stored the annual figures of {district}, {year}: {created} created, {updated} changed, {unchanged} unchanged.",
    ),
    "history.stored_indicator": ("指标", "Indicator"),
    "history.stored_annual": ("年报数据", "Annual report"),
    "history.stored_monthly": ("月度报送合计", "Monthly sum"),
    "history.stored_counted": ("统计采用", "Counted"),
    "history.stored_differs": ("核对", "Check"),
    "history.counted_annual": ("年报数据", "annual report"),
    "history.counted_monthly": ("月度合计", "monthly sum"),
    "history.differs": ("数据差异", "Figures differ"),
    "history.open_overview": ("在总览中查看年度趋势", "See the trend in the overview"),
    # charts: annual figures
    "annual.label": ("年报数据", "annual report"),
    "annual.hover_all": ("年报数据（该年无月度报送）", "from annual reports (no monthly data)"),
    "annual.hover_some": ("含年报数据：{count} 个区县", "includes annual-report figures of {count} district(s)"),
    "annual.note": (
        "{years}的数据来自年报（该年无月度报送），以斜纹浅色柱表示。",
        "{years}: figures from annual reports (no monthly data), drawn hatched and lighter.",
    ),
    "annual.differs_note": (
        "数据差异：{years}有 {count} 个区县·年的年报数据与月度报送合计不一致，统计采用月度合计。",
        "Figures differ: in {years}, {count} district-year(s) have an annual-report figure that differs from the "
        "monthly sum; the monthly sum is counted.",
    ),
    "annual.monthly_note": (
        "{year}的数据来自年报（年度数据），没有月度数据，故月度图无柱。",
        "{year}: figures from the annual report only; no monthly data to draw.",
    ),
    "annual.differs_hover": ("数据差异：{count} 个区县年报与月度合计不一致", "{count} district(s): annual ≠ monthly"),
    # completeness: approval
    "completeness.approval": ("审核状态", "Review status"),
    "completeness.approval_country": (
        "审核状态按市或省查看，请选择一个市或省。",
        "Review status is shown for a city or province: choose one.",
    ),
    # data
    "data.heading": ("月度数据", "Monthly values"),
    "data.download_csv": ("下载 CSV", "Download CSV"),
    "data.download_xlsx": ("下载 Excel", "Download Excel"),
    "data.hint": (
        "可在表头筛选、排序；下载内容即表格当前显示的行。空白表示未报送。",
        "Filter and sort in the column headers; downloads hold exactly the rows shown. Blank means not reported.",
    ),
    "data.rows": ("{rows} 行", "{rows} rows"),
    "data.too_many": (
        "数据过多（{rows} 行），请选择更小的区划。",
        "Too many rows ({rows}); choose a smaller area.",
    ),
    "data.district": ("区划代码", "District code"),
    "data.district_name": ("区划名称", "District"),
    "data.month": ("月份", "Month"),
    # reports
    "reports.heading": ("年度报告", "Year-end report"),
    "reports.intro": (
        "选择区划和年份，下载法治政府建设年度报告初稿，再据此修改定稿。",
        "Choose a district and a year and download the draft of the year-end report to edit.",
    ),
    "reports.unavailable": (
        "报告生成功能尚未上线（接口 /api/v1/reports/annual 暂不可用）。",
        "The report generator is not available yet (/api/v1/reports/annual answers 404).",
    ),
    "reports.docx": ("Word 文档（.docx）", "Word document (.docx)"),
    "reports.html": ("网页（.html）", "Web page (.html)"),
    "reports.md": ("Markdown（.md）", "Markdown (.md)"),
}


def lang_of(value: object) -> Lang:
    return "en" if value == "en" else "zh"


def t(key: str, lang: Lang = DEFAULT_LANG, **values: object) -> str:
    """The text of ``key`` in ``lang``; ``{name}`` placeholders filled from ``values``."""
    zh, en = TEXTS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def pick(lang: Lang, zh: str, en: str) -> str:
    """A name from the database in the page's language."""
    return zh if lang == "zh" else en


def colon(lang: Lang) -> str:
    """The colon after a label: full-width in Chinese, half-width (with a space) in English."""
    return "：" if lang == "zh" else ": "


def parenthesised(text: str, lang: Lang) -> str:
    """ "（家次）" in Chinese, " (visits)" in English."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def listed(items: list[str], lang: Lang) -> str:
    """河东区、河西区 in Chinese; "Hedong District, Hexi District" in English."""
    return ("、" if lang == "zh" else ", ").join(items)


def count_of(n: int, one: str, many: str) -> str:
    """ "1 district", "3 districts" (English text with a number)."""
    return f"{n} {one if n == 1 else many}"


def place_name(code: str, name: str, lang: Lang) -> str:
    """A district's name in the page's language: 河东区, or "Hedong District" (``app.districts.names_en``)."""
    return name if lang == "zh" else english_name(code, name)


def localised(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``frame`` (with ``code`` and ``name`` columns) with its names in the page's language."""
    if lang == "zh" or frame.empty:
        return frame
    return frame.assign(name=[english_name(str(c), str(n)) for c, n in zip(frame["code"], frame["name"], strict=True)])
