"""A month's way through the dashboard in a real browser (Debian's Chromium, headless) against a real
server: a clerk fills the month in the form and saves, uploads a file after seeing its preview and
confirms; a reviewer returns it with a reason; the clerk sees the reason, corrects and sends it
again; the reviewer approves; the clerk's next edit is refused, in Chinese. Screenshots of the two
pages go to tests/artifacts/ (copied by hand to docs/screenshots/ for the README's "A clerk's day /
A reviewer's day": a test run does not change the repository's files)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, LiveServer
from tests.test_dashboard_browser import Watch, choose

CLERK = ("clerk", "clerk-pass-2026")
REVIEWER = ("checker", "checker-pass-2026")
DISTRICT = "120106"  # 红桥区, seeded
MONTH = "2026-09"
SUBMIT = f"/dashboard/submit?district={DISTRICT}&month={MONTH}"
REVIEW = f"/dashboard/review?district=120000&month={MONTH}&focus={DISTRICT}"
SCREENSHOTS = ARTIFACTS


def signed_in(browser: Any, live_server: LiveServer, user: tuple[str, str]) -> tuple[Any, Any, Watch]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    watch = Watch(page)
    page.goto(live_server.url + "/dashboard/login")
    page.fill("#username", user[0])
    page.fill("#password", user[1])
    page.click("#login-submit")
    page.wait_for_selector(f"#signed-in-user:has-text('{user[0]}')", timeout=20000)
    return context, page, watch


@pytest.fixture
def people(live_server: LiveServer, browser: Any) -> Iterator[tuple[Any, Watch, Any, Watch]]:
    for name, password, role, district in (
        (*CLERK, "staff", DISTRICT),
        (*REVIEWER, "reviewer", "120000"),
    ):
        made = live_server.cli(
            "users", "create", "--name", name, "--role", role, "--district", district, "--password", password
        )
        assert made.returncode == 0, made.stderr
    clerk_context, clerk, clerk_watch = signed_in(browser, live_server, CLERK)
    reviewer_context, reviewer, reviewer_watch = signed_in(browser, live_server, REVIEWER)
    yield clerk, clerk_watch, reviewer, reviewer_watch
    clerk_context.close()
    reviewer_context.close()


def open_form(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + SUBMIT)
    page.wait_for_selector("#report-form", timeout=30000)


def field(page: Any, indicator: str) -> Any:
    return page.locator(f'#report-form tr[data-indicator="{indicator}"] input')


def save_form(page: Any) -> str:
    page.click("#report-save")
    page.wait_for_selector("#report-save-result .notice", timeout=30000)
    return str(page.inner_text("#report-save-result"))


def open_review(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + REVIEW)
    page.wait_for_selector("#review-grid", timeout=30000)
    page.wait_for_selector("#review-detail table", timeout=30000)


def review(page: Any, button: str, expect: str, reason: str = "") -> str:
    if reason:
        page.fill("#review-reason", reason)
    page.click(f"#{button}")
    page.wait_for_selector(f"#review-done:has-text('{expect}')", timeout=30000)
    return str(page.inner_text("#review-result"))


def test_a_month_from_the_form_through_review_to_the_lock(
    people: tuple[Any, Watch, Any, Watch], live_server: LiveServer, tmp_path: Path
) -> None:
    clerk, clerk_watch, reviewer, reviewer_watch = people
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The clerk opens the form (last month by default), picks September and fills it in.
    clerk.goto(live_server.url + f"/dashboard/submit?district={DISTRICT}")
    clerk.wait_for_selector("#report-form", timeout=30000)
    assert "2026年9月" not in clerk.inner_text("#page-heading")  # the last month that has ended
    choose(clerk, "month", "2026年9月")
    clerk.wait_for_url(re.compile(r"month=2026-09"))
    clerk.wait_for_function("() => document.querySelector('#page-heading').innerText.includes('2026年9月')")
    clerk.wait_for_selector("#report-form", timeout=30000)
    assert "上年同月" in clerk.inner_text("#report-form")
    field(clerk, "drill.drills").fill("6")
    field(clerk, "drill.participants").fill("480")
    assert "已保存" in save_form(clerk)
    assert "已报送待审" in clerk.inner_text("#report-status-panel")

    # … then uploads a file: the preview lists old → new with the withdrawal marked; confirm writes it.
    file = tmp_path / "红桥区9月.csv"
    file.write_text(
        f"区划代码,月份,指标,数值\n{DISTRICT},{MONTH},penalty.detentions,3\n{DISTRICT},{MONTH},publicity.audience,\n",
        encoding="utf-8",
    )
    clerk.set_input_files("#report-upload input[type=file]", str(file))
    clerk.wait_for_selector("#report-preview-counts", timeout=30000)
    assert clerk.locator(".change-table tr.withdrawn").count() == 1
    assert "撤回" in clerk.inner_text(".change-table tr.withdrawn")
    clerk.screenshot(path=str(SCREENSHOTS / "dashboard-submit.png"), full_page=True)
    clerk.click("#report-confirm")
    clerk.wait_for_selector("#report-uploaded", timeout=30000)
    assert "红桥区9月.csv" in clerk.inner_text("#report-log")

    # The reviewer returns it with a reason.
    reason = "行政拘留人数与公安通报不一致，请核对"
    open_review(reviewer, live_server)
    assert "罚款金额" in reviewer.inner_text("#review-detail")
    assert "已退回" in review(reviewer, "review-return", "已退回", reason)
    assert "红桥区" in review(reviewer, "review-remind", "已催报")

    # The clerk sees the reminder at the top of the page and the reason, corrects and sends again.
    open_form(clerk, live_server)
    clerk.wait_for_selector("#reminders:has-text('催报提醒')", timeout=30000)
    assert "红桥区 2026年9月：已退回" in clerk.inner_text("#reminders")
    assert not clerk.is_visible("#nav-review") and clerk.is_visible("#nav-submit")
    assert reason in clerk.inner_text("#report-return-reason")
    assert "已退回" in clerk.inner_text("#report-status-panel")
    field(clerk, "penalty.detentions").fill("2")
    assert "已保存" in save_form(clerk)
    assert "已报送待审" in clerk.inner_text("#report-status-panel")

    # The reviewer approves.
    open_review(reviewer, live_server)
    reviewer.screenshot(path=str(SCREENSHOTS / "dashboard-review.png"), full_page=True)
    assert not reviewer.is_visible("#nav-submit") and reviewer.is_visible("#nav-review")
    assert "已审核通过（锁定）" in review(reviewer, "review-approve", "已审核通过")
    cell = reviewer.locator(f'#review-grid td[data-district="{DISTRICT}"][data-month="{MONTH}"]')
    assert cell.get_attribute("data-status") == "approved"

    # The clerk's next edit is refused, with the reason in Chinese; nothing changes. The reminder
    # is gone: the month was sent.
    open_form(clerk, live_server)
    assert not clerk.is_visible("#reminders")
    assert "已审核通过（锁定）" in clerk.inner_text("#report-status-panel")
    field(clerk, "penalty.detentions").fill("9")
    refused = save_form(clerk)
    assert "已审核通过并锁定，不能修改" in refused and "联系审核人解锁" in refused
    open_form(clerk, live_server)
    assert field(clerk, "penalty.detentions").input_value() == "2"

    assert clerk_watch.problems == [] and reviewer_watch.problems == []
