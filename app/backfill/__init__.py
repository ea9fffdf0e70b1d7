"""History from published reports: a bureau's year-end reports read back into proposed figures.

Phase 1 (issue 18) reads and proposes; it stores nothing. The layers, lowest first:
``numbers`` (figures as reports write them) · ``phrases`` (which words name which indicator) ·
``sentences`` (headings, sentences, clauses, items) · ``places`` (district names → codes) ·
``rules`` (what is never a figure of the year, what is only a part) · ``title`` (issuer and year) ·
``proposals`` (the shapes handed on) · ``extract`` (the engine) · ``documents`` (.docx/.txt/.pdf to
text) · ``service`` and ``views`` (POST /api/v1/backfill/extract) with ``schemas``.
"""
