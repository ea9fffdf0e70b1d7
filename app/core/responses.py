"""JSON answers built as plain dicts (uploads' answers, problems, health), serialised with orjson.

Routes with a response model need nothing: FastAPI serialises those with pydantic-core straight to
bytes. Plain dicts went through the standard library's json, several times slower on an upload's
answer of thousands of district-months.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        # Non-string keys (a dict keyed by int) are written as strings, as json.dumps does.
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
