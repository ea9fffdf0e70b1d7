"""Text people type, made safe to store and to render: what is refused, and what renderers do with
what was stored before the rules existed.

Control characters (other than tab and line breaks where a note allows them), NUL, lone UTF-16
surrogates and the non-characters U+FFFE/U+FFFF cannot be stored on PostgreSQL (NUL), encoded
(surrogates) or written into XML (DOCX, XLSX): every write path refuses them with a clear problem;
renderers replace them, so that nothing stored can break a report or a download.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab and line feed / carriage return, DEL, C1 controls, surrogates, U+FFFE/U+FFFF.
_UNSAFE_INLINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\t\n\r]")
_UNSAFE_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"
# Spreadsheet programs read a cell that starts with one of these as a formula (CSV/XLSX injection).
FORMULA_STARTS = ("=", "+", "-", "@")


def unsafe_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The characters of ``text`` that may not be stored, as ``U+XXXX`` (each once, in order)."""
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE_INLINE
    found: list[str] = []
    for ch in pattern.findall(text):
        label = f"U+{ord(ch):04X}"
        if label not in found:
            found.append(label)
    return found


def safe_text(text: str, *, multiline: bool = True) -> str:
    """``text`` with every character a renderer cannot write replaced by U+FFFD (tab and line
    breaks kept where ``multiline``)."""
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE_INLINE
    return pattern.sub(REPLACEMENT, text)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def safe_strings(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, strings) with every string made ``safe_text``: what a
    renderer is given, so that text stored before the rules existed cannot break it."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {k: safe_strings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe_strings(v) for v in value]
    return value
