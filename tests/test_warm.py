"""The report renderers are warmed once per process in the background when the server starts."""

from __future__ import annotations

import sys

from app.reports import warm


def test_warm_up_imports_and_draws_once() -> None:
    warm.warm_reports()
    assert warm._done.is_set()
    assert "matplotlib" in sys.modules and "docx" in sys.modules
    from app.reports.docx import chart_font

    assert chart_font.cache_info().currsize == 1  # the font list was read, not left to the first report
    warm.warm_reports()  # a second call returns at once (the lock is held for good)


def test_the_server_starts_it_unless_told_not_to(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import dashboard.app
    from app.core.config import Settings
    from app.core.db import Database
    from app.main import create_app

    started: list[bool] = []
    monkeypatch.setattr(warm, "warm_in_background", lambda: started.append(True))
    # Not the map boundaries' warm-up too (a child process of a minute).
    monkeypatch.setattr(dashboard.app.boundaries, "warm", lambda data_dir: None)
    url = f"sqlite:///{(tmp_path / 'w.db').as_posix()}"
    create_app(Settings(database_url=url, environment="local", data_dir=tmp_path), Database(url))
    assert started == [True]
    create_app(Settings(database_url=url, environment="local", data_dir=tmp_path, warm_up=False), Database(url))
    assert started == [True]
