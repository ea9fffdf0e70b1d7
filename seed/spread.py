"""Split a yearly total over months so that the parts are whole and add up exactly."""

from __future__ import annotations

from collections.abc import Sequence


def spread_total(total: int, weights: Sequence[float]) -> list[int]:
    """Largest-remainder split of ``total`` in proportion to ``weights``; sum(result) == total.

    Ties go to the earlier month, so the split is deterministic.
    """
    if total < 0:
        raise ValueError("total must be non-negative")
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("weights must be non-negative with a positive sum")
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    parts = [int(x) for x in exact]
    short = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:short]:
        parts[i] += 1
    return parts
