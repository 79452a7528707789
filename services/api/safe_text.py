"""Query strings and paths carry no text the database cannot hold: one check for every route.

Request bodies are checked by ``shared.schemas.Input``; this is the same rule (``UNSAFE_TEXT``)
for what arrives in the URL, before any route reads it. Percent-decoding turns invalid UTF-8 into
U+FFFD, so what can arrive here is NUL and the other control characters.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from services.api.problems import invalid
from shared.schemas import UNSAFE_TEXT, UNSAFE_TEXT_MESSAGE

# A control character, raw or percent-encoded: only such query strings are parsed here.
_MAYBE_UNSAFE = re.compile(rb"%[01][0-9a-fA-F]|[\x00-\x1f]")


class SafeText:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            errors = url_errors(scope["path"], scope.get("query_string", b""))
            if errors:
                await invalid(errors)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def url_errors(path: str, query: bytes) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if UNSAFE_TEXT.search(path):
        errors.append({"loc": ["path"], "msg": UNSAFE_TEXT_MESSAGE})
    if query and _MAYBE_UNSAFE.search(query):
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if UNSAFE_TEXT.search(name) or UNSAFE_TEXT.search(value):
                shown = UNSAFE_TEXT.sub("", name)
                errors.append({"loc": ["query", shown], "msg": UNSAFE_TEXT_MESSAGE})
    return errors
