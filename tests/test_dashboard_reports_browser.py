"""The Reports page in a real browser (headless Chromium) against a real server (issue 15): the
chosen report previewed in a sandboxed frame (a hostile activity title stays text inside it), saved
editions listed with the figures revised since, DOCX/HTML/MD downloads, and every child district's
report in one zip with a progress indication while it is written.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import httpx

from tests.conftest import ARTIFACTS, LiveServer
from tests.test_dashboard_browser import Watch, leader_page, open_page, token  # noqa: F401  (fixture)

# A district-year no other browser test reads: this test saves an edition and changes a month.
HEXI, YEAR = "120103", 2022
HOSTILE = '</iframe><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>演练'


def change_march(live_server: LiveServer, headers: dict[str, str]) -> int:
    """Re-submit March with 5 more enterprise inspections and a drill with a hostile title."""
    url = f"{live_server.url}/api/v1/districts/{HEXI}/months/{YEAR}-03"
    month = httpx.get(url, headers=headers, timeout=30).json()
    values = {k: int(v) if float(v).is_integer() else v for k, v in month["values"].items()}
    values["inspection.enterprises"] = values.get("inspection.enterprises", 0) + 5
    activities = [{k: a[k] for k in ("kind", "date", "title", "participants", "notes")} for a in month["activities"]]
    activities.append({"kind": "drill", "date": f"{YEAR}-03-15", "title": HOSTILE, "participants": 30, "notes": ""})
    r = httpx.put(url, json={"values": values, "activities": activities}, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    return int(values["inspection.enterprises"])


def test_reports_page_previews_lists_editions_and_downloads_a_batch(
    leader_page: tuple[Any, Watch],  # noqa: F811  (the fixture imported above)
    live_server: LiveServer,
) -> None:
    page, watch = leader_page
    made = live_server.cli("users", "create", "--name", "report_clerk", "--role", "staff", "--district", "120000")
    assert made.returncode == 0, made.stderr
    clerk = {"Authorization": f"Bearer {token(live_server, 'report_clerk')}"}
    saved = httpx.post(
        live_server.url + "/api/v1/reports", json={"district": HEXI, "year": YEAR}, headers=clerk, timeout=60
    )
    assert saved.status_code == 201, saved.text
    edition = saved.json()["id"]
    change_march(live_server, clerk)

    open_page(page, f"{live_server.url}/dashboard/reports?district={HEXI}&year={YEAR}")
    # The preview: the generator's HTML in a frame that may run nothing and reach nothing.
    frame = page.locator("#annual-preview")
    assert frame.get_attribute("sandbox") == ""
    text = page.frame_locator("#annual-preview").locator("body").inner_text(timeout=30000)
    assert "河西区" in text and "执法检查" in text
    assert HOSTILE.replace("演练", "") in text  # the typed title shows as text
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert page.evaluate("() => document.querySelectorAll('iframe').length") == 1

    # The saved edition, with the figure revised since (old → new).
    row = page.locator(f"#edition-{edition}")
    assert f"第{edition}号" in row.inner_text()
    row.locator("summary").click()
    revised = row.locator(".edition-revisions").inner_text()
    # Two: the inspections (5 more) and the named drills (one added, its hostile title shown as text).
    assert "2 项数字已修改" in revised and "→" in revised
    inspections = next(line for line in revised.splitlines() if line.startswith("执法检查："))
    old, new = (int(re.search(r"(\d+)家次", side).group(1)) for side in inspections.split(" → "))  # type: ignore[union-attr]
    assert new == old + 5
    assert HOSTILE in revised
    with page.expect_download() as docx:
        page.click(f"#edition-{edition}-docx")
    assert docx.value.path().read_bytes()[:2] == b"PK"

    # The draft's own downloads.
    for fmt in ("docx", "md"):
        with page.expect_download() as report:
            page.click(f"#report-{fmt}")
        content = report.value.path().read_bytes()
        assert content[:2] == b"PK" if fmt == "docx" else "河西区".encode() in content
    html_link = f"/api/v1/reports/annual?district={HEXI}&year={YEAR}&format=html"
    assert page.get_attribute("#report-html", "href") == html_link
    page.screenshot(path=str(ARTIFACTS / "dashboard-reports.png"), full_page=True)

    # Tianjin's sixteen districts in one zip; the progress bar shows while they are written.
    open_page(page, f"{live_server.url}/dashboard/reports?district=120000&year=2021")
    assert "16 个下级区划" in page.inner_text("#batch-heading + p")
    page.click("#batch-format label:has-text('MD')")
    with page.expect_download(timeout=120000) as batch:
        page.click("#batch-download")
        page.wait_for_selector("#batch-progress:not([hidden])", timeout=10000)
        assert page.is_disabled("#batch-download")
    archive = zipfile.ZipFile(io.BytesIO(batch.value.path().read_bytes()))
    names = sorted(n for n in archive.namelist() if n.endswith(".md"))
    assert len(names) == 16 and "120102-河东区-2021.md" in names
    assert "执法检查807家次" in archive.read("120102-河东区-2021.md").decode("utf-8")
    page.wait_for_function("() => document.getElementById('batch-status').innerText.includes('已生成 16 份报告')")
    assert page.is_hidden("#batch-progress") and not page.is_disabled("#batch-download")
    assert re.fullmatch(r"120000-2021-children-md\.zip", batch.value.suggested_filename)
    assert watch.problems == []
