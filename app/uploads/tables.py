"""What an uploaded file is read into (tables of rows) and the bounds of reading it.

Reading a file is bounded four ways (docs/SECURITY.md): its size (MAX_UPLOAD_BYTES, before it is
read), its shape (rows, columns, merged ranges, the uncompressed size of every XLSX part), the
wall-clock time it takes (``Budget.check``, called inside every loop) and the memory it holds
(``Budget.charge``: an estimate of what the tables cost, charged as they grow). A file beyond its
time or memory is refused as ``file.too_complex`` (422), never a server in trouble.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from typing import Any

from app.core.errors import Problem

MAX_ROWS = 200_000
MAX_COLUMNS = 1_000
HEADER_SCAN_ROWS = 30
PARSE_SECONDS = 60.0
PARSE_MEMORY_BYTES = 128 * 1024 * 1024
# Merged ranges per sheet, and the cells of the rows read that they cover (one range of over
# 100,000 cells is formatting, a whole-sheet merge, and is not looked into).
MAX_MERGED_RANGES = 1_000
MAX_MERGED_CELLS = 250_000
MERGE_AS_LABEL_CELLS = 100_000

# What held data costs, as estimated: a row (its tuple and list), a slot in a row's list, a value
# (a float or int object and its slot's share), a character of text (CPython stores CJK text in
# two bytes a character), an entry of the merged-cell index.
ROW_BYTES = 150
SLOT_BYTES = 8
VALUE_BYTES = 48
CHAR_BYTES = 2
MERGE_CELL_BYTES = 150


class FileRejected(Exception):
    """The file cannot be read at all; carries the one problem that says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message_en)
        self.problem = problem


class ParseTimeout(Exception):
    """Reading ran over its time (answered as file.too_complex, not left to hang)."""


class OverBudget(Exception):
    """Reading would hold more memory than its budget."""


class Budget:
    """The time and memory one file's reading may take."""

    def __init__(self, seconds: float = PARSE_SECONDS, memory_bytes: int = PARSE_MEMORY_BYTES) -> None:
        self.until = time.monotonic() + seconds
        self.memory_bytes = memory_bytes
        self.used = 0

    def check(self) -> None:
        if time.monotonic() > self.until:
            raise ParseTimeout

    def charge(self, nbytes: int) -> None:
        self.used += nbytes
        if self.used > self.memory_bytes:
            raise OverBudget


def file_problem(code: str, zh: str, en: str, **extra: Any) -> FileRejected:
    return FileRejected(Problem(code, zh, en, extra=extra))


def too_many_rows() -> FileRejected:
    return file_problem(
        "file.too_many_rows",
        f"文件超过 {MAX_ROWS:,} 行数据，请分成几个文件上传",
        f"The file has more than {MAX_ROWS:,} data rows; split it into several files",
        limit=MAX_ROWS,
    )


def too_many_columns(where_zh: str, where_en: str) -> FileRejected:
    return file_problem(
        "file.too_many_columns",
        f"{where_zh}超过 {MAX_COLUMNS} 列",
        f"{where_en} has more than {MAX_COLUMNS} columns",
        limit=MAX_COLUMNS,
    )


def too_complex(budget: Budget | None = None) -> Problem:
    return Problem(
        "file.too_complex",
        "文件过于复杂，超出读取的时间或内存限度（合并单元格、超长文本或超大工作表）：请简化或拆分后上传",
        "The file is too complex to read within the time and memory allowed (merged cells, very long "
        "text or huge sheets): simplify it or split it",
        extra={"memory_budget_bytes": budget.memory_bytes} if budget else {},
    )


@dataclass
class Table:
    """The rows of one CSV file or one sheet: (row number, cells), blank rows left out."""

    sheet: str | None
    rows: list[tuple[int, list[Any]]]
    # Merged ranges: (min_col, min_row, max_col, max_row), 1-based, as Excel states them.
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    # (row, 0-based column) of a cell covered by a merged range → the range's first cell.
    merge_index: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    _by_number: dict[int, list[Any]] | None = None

    def raw(self, row: int, col: int) -> Any:
        if self._by_number is None:
            self._by_number = dict(self.rows)
        cells = self._by_number.get(row)
        return cells[col] if cells is not None and col < len(cells) else None

    def label(self, row: int, col: int) -> Any:
        """A header or label cell: a cell covered by a merged range reads as the range's first cell."""
        value = self.raw(row, col)
        if value is not None or not self.merge_index:
            return value
        origin = self.merge_index.get((row, col))
        return self.raw(*origin) if origin else None


def index_merges(
    rows: list[tuple[int, list[Any]]], merges: list[tuple[int, int, int, int]], budget: Budget
) -> dict[tuple[int, int], tuple[int, int]]:
    """Where each merged range lies over the rows read: the cells it covers in those rows (not in
    the whole range: 60 ranges of 100,000 cells over two rows of data are a few hundred entries,
    where indexing them whole took 6.6 s and 900 MB). At most MAX_MERGED_CELLS entries."""
    numbers = sorted(n for n, _cells in rows)
    index: dict[tuple[int, int], tuple[int, int]] = {}
    for c0, r0, c1, r1 in merges:
        budget.check()
        if merge_area((c0, r0, c1, r1)) > MERGE_AS_LABEL_CELLS:
            continue  # a whole-sheet merge is formatting, not a label
        origin = (r0, c0 - 1)
        columns = range(c0, min(c1, MAX_COLUMNS) + 1)
        for r in numbers[bisect.bisect_left(numbers, r0) : bisect.bisect_right(numbers, r1)]:
            for c in columns:
                if (r, c) != (r0, c0):
                    index[(r, c - 1)] = origin
            if len(index) > MAX_MERGED_CELLS:
                raise OverBudget
    budget.charge(MERGE_CELL_BYTES * len(index))
    return index


def merge_area(bounds: tuple[int, int, int, int]) -> int:
    c0, r0, c1, r1 = bounds
    return (c1 - c0 + 1) * (r1 - r0 + 1)
