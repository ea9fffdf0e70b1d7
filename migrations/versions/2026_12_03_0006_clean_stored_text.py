"""Clean text stored before control characters were refused: activity titles and notes, user display
names, upload file names.

From this revision on, every write path refuses control characters (other than tab and line breaks
in notes), NUL, lone surrogates and U+FFFE/U+FFFF (app/core/text.py). Rows written before may hold
them; such a title broke every DOCX report of its district and city. Each is rewritten — line breaks
and tabs in a one-line field become a space, anything else U+FFFD — and each rewrite is logged
(table, id, column), so that nothing changes silently. The rules are written out here, not imported,
so that this migration keeps working whatever the application code becomes. There is nothing to
undo: the downgrade leaves the cleaned text as it is.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:00:00
"""

import logging
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
LINE_BREAKS = re.compile("[\t\r\n]+")
# (table, column, one line only)
COLUMNS = (
    ("activities", "title", True),
    ("activities", "notes", False),
    ("users", "display_name", True),
    ("submissions", "file_name", True),
)


def clean(text: str, *, one_line: bool) -> str:
    if one_line:
        text = LINE_BREAKS.sub(" ", text)
    return UNSAFE.sub("\ufffd", text)


def upgrade() -> None:
    conn = op.get_bind()
    for table, column, one_line in COLUMNS:
        t = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.Text))
        rows = conn.execute(sa.select(t.c.id, t.c[column]).where(t.c[column].is_not(None))).all()
        for id_, text in rows:
            cleaned = clean(text, one_line=one_line)
            if cleaned != text:
                conn.execute(sa.update(t).where(t.c.id == id_).values({column: cleaned}))
                log.warning("cleaned %s.%s of row %s: control characters replaced", table, column, id_)


def downgrade() -> None:
    pass  # the cleaned text stays: the characters removed cannot be stored or rendered
