"""Schemathesis hooks (``SCHEMATHESIS_HOOKS=fuzz.hooks``): besides what the schema allows, offer
each generated case spoiled in one place with the input that broke Tongxin before (issue 11): a
NUL, a control character or a lone surrogate in a text, a number far outside int4/int8, an
explicit null. Hypothesis picks the spoiled or the clean case, so both are explored and shrunk.
"""

from __future__ import annotations

import copy
from typing import Any

import schemathesis
from hypothesis import strategies as st

# Lone surrogates cannot travel in a URL (clients refuse to encode them): bodies only.
URL_TEXT = ["\x00", "\x07", "\x1f"]
BODY_TEXT = [*URL_TEXT, "\ud800", "\udfff"]
NUMBERS = [-5_161_303_736, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30]

Path = tuple[Any, ...]


def _leaves(value: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    """Every (path, value) below ``value``: containers and scalars alike."""
    found: list[tuple[Path, Any]] = [(path, value)] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _leaves(item, (*path, index))
    return found


def _spoil(value: Any, path: Path, bad: Any) -> Any:
    spoiled = copy.deepcopy(value)
    holder = spoiled
    for step in path[:-1]:
        holder = holder[step]
    old = holder[path[-1]]
    holder[path[-1]] = f"{old}{bad}" if isinstance(old, str) and isinstance(bad, str) else bad
    return spoiled


def _spoiled(value: Any, texts: list[str], nulls: bool) -> st.SearchStrategy[Any]:
    options: list[tuple[Path, Any]] = []
    for path, leaf in _leaves(value):
        if isinstance(leaf, str):
            options += [(path, text) for text in texts]
        elif isinstance(leaf, int) and not isinstance(leaf, bool):
            options += [(path, number) for number in NUMBERS]
        if nulls and leaf is not None:
            options.append((path, None))
    if not options:
        return st.just(value)
    spoil = st.sampled_from(options).map(lambda choice: _spoil(value, *choice))
    return st.one_of(st.just(value), spoil)


@schemathesis.hook
def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
    return _spoiled(query, URL_TEXT, nulls=False) if isinstance(query, dict) else st.just(query)


@schemathesis.hook
def flatmap_path_parameters(context: Any, parameters: Any) -> st.SearchStrategy[Any]:
    if not isinstance(parameters, dict):
        return st.just(parameters)
    return _spoiled(parameters, URL_TEXT, nulls=False)


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict | list):
        return st.just(body)
    # A form (the login) is encoded as UTF-8 by the client itself: no lone surrogates there.
    media = [payload.media_type for payload in getattr(context.operation, "body", ())]
    texts = BODY_TEXT if media and all("json" in m for m in media) else URL_TEXT
    return _spoiled(body, texts, nulls=True)
