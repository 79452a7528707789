"""Problems in the caller's language: English by default, Chinese for ``Accept-Language: zh…``.

Messages are written once, in English, where they are raised; this module holds their Chinese
as *templates*: an English template (``No {thing} with id {id}.``) is turned into a pattern, and
its parameters are carried into the Chinese one, so a detail that names an id, a state or a
field is translated whatever it names. Pydantic's messages are translated by the same table
(its English templates, per error type). A message no template knows keeps its English after a
Chinese sentence for its code, so nothing is ever lost. Chosen over ``pydantic-i18n``: one
mechanism for validation and domain messages alike, parameters by name (Chinese word order
differs), and far faster per message (``scripts/i18n_bench.py`` measures both).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from services.api.i18n_zh import DETAILS, FALLBACK, NOUNS, PYDANTIC, TITLES

Template = tuple[str, str]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def negotiate(header: str | None) -> str:
    """``zh`` when the caller prefers Chinese (zh, zh-CN, zh-Hans…, by q-value), else ``en``."""
    if not header:
        return "en"
    best, best_q = "en", 0.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in ("zh", "en") and q > best_q and q > 0:
            best, best_q = language, q
    return best


def _pattern(english: str) -> tuple[re.Pattern[str], list[str]]:
    """A regex for one English template, and its parameters' names in order."""
    names: list[str] = []
    parts: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(english):
        parts.append(re.escape(english[last : match.start()]))
        names.append(match.group(1))
        parts.append("(s?)" if match.group(1) == "expected_plural" else "(.+?)")
        last = match.end()
    parts.append(re.escape(english[last:]))
    return re.compile("".join(parts), re.DOTALL), names


def _first_word(text: str) -> str:
    return text.split(" ", 1)[0]


# A template with parameters: its literal head and tail (cheap checks before the regex), the
# regex, the parameters' names, the Chinese.
Entry = tuple[str, str, re.Pattern[str], list[str], str]


def _entry(english: str, chinese: str) -> Entry:
    pattern, names = _pattern(english)
    pieces = _PLACEHOLDER.split(english)
    return pieces[0], pieces[-1], pattern, names, chinese


class Catalogue:
    """English templates → Chinese ones. A message is looked up whole first (most have no
    parameter), then only against the templates that begin with its first word (and the few
    that begin with a parameter), most specific first: a handful of regexes, not hundreds."""

    def __init__(self, templates: list[Template]) -> None:
        self._exact: dict[str, str] = {}
        self._by_word: dict[str, list[Entry]] = {}
        self._open: list[Entry] = []
        for english, chinese in templates:
            if not _PLACEHOLDER.search(english):
                self._exact[english] = chinese
                continue
            word = _first_word(english)
            if _PLACEHOLDER.search(word):
                self._open.append(_entry(english, chinese))
            else:
                self._by_word.setdefault(word, []).append(_entry(english, chinese))

    def translate(self, message: str, word: Callable[[str, str], str]) -> str | None:
        exact = self._exact.get(message)
        if exact is not None:
            return exact
        for head, tail, pattern, names, chinese in (
            *self._by_word.get(_first_word(message), ()),
            *self._open,
        ):
            if not (message.startswith(head) and message.endswith(tail)):
                continue
            match = pattern.fullmatch(message)
            if match is not None:
                values: dict[str, str] = dict(zip(names, match.groups(), strict=True))
                return str(chinese).format(**{name: word(name, v) for name, v in values.items()})
        return None


def _templates() -> list[Template]:
    # More literal text first: where two templates could match, the more specific one wins
    # ("Input should be null" before "Input should be {expected}").
    pairs = [*DETAILS.items(), *PYDANTIC.items()]
    return sorted(pairs, key=lambda pair: len(_PLACEHOLDER.sub("", pair[0])), reverse=True)


CATALOGUE = Catalogue(_templates())


# Parameters that name a kind of thing (translated through NOUNS); any other parameter (an id,
# a username, a field, a state) is a value of the API and stays as it is.
_NAMED = frozenset({"thing", "workflow", "role", "kind", "level", "level2"})


def _word(name: str, value: str) -> str:
    """A parameter's value in Chinese: nested messages and known nouns are translated too."""
    if name in ("error", "reason"):
        return translate(value) or value
    if name == "expected":
        return value.replace(" or ", " 或 ")
    if name in _NAMED:
        return NOUNS.get(value.replace("_", " "), value)
    return value


def translate(message: str) -> str | None:
    """One English message in Chinese, or ``None`` when no template knows it."""
    return CATALOGUE.translate(message, _word)


def message_zh(message: str) -> str:
    """One validation message in Chinese (unknown ones keep their English after a lead)."""
    found = translate(message)
    return found if found is not None else f"{FALLBACK['validation_error']}（{message}）"


def detail_zh(code: str, detail: str, errors: list[dict[str, Any]] | None) -> str:
    found = translate(detail)
    if found is not None:
        return found
    if errors:
        # A validation detail quotes its errors' messages: translate each where it stands.
        for error in errors:
            msg = str(error.get("msg", ""))
            if msg and msg in detail:
                detail = detail.replace(msg, message_zh(msg))
        return detail
    lead = FALLBACK.get(code, FALLBACK["bad_request"])
    return f"{lead}（{detail}）"


def localise(body: Mapping[str, Any]) -> dict[str, Any]:
    """A problem body with its title, detail and error messages in Chinese."""
    localised = dict(body)
    code = str(body.get("code", ""))
    localised["title"] = TITLES.get(code, TITLES["bad_request"])
    errors = body.get("errors")
    english_errors = [dict(e) for e in errors] if isinstance(errors, list) else None
    localised["detail"] = detail_zh(code, str(body.get("detail", "")), english_errors)
    if english_errors is not None:
        localised["errors"] = [
            {**e, "msg": message_zh(str(e.get("msg", "")))} for e in english_errors
        ]
    return localised


def _accept_language(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            text: str = value.decode("latin-1")
            return text
    return None


class ProblemResponse(JSONResponse):
    """A problem+json body rendered in English, re-rendered in Chinese when the request asks for
    it: the language is read from the request as the response is sent, so every problem (from a
    handler, a middleware or a route) is localised in this one place."""

    def __init__(
        self,
        body: dict[str, Any],
        *,
        status_code: int,
        media_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.problem = body
        language = {"Vary": "Accept-Language", "Content-Language": "en"}
        super().__init__(
            body,
            status_code=status_code,
            media_type=media_type,
            headers={**headers, **language} if headers else language,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if negotiate(_accept_language(scope)) == "zh":
            self.body = self.render(localise(self.problem))
            self.headers["content-length"] = str(len(self.body))
            self.headers["content-language"] = "zh-CN"
        await super().__call__(scope, receive, send)
