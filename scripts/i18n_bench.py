"""Measures the two ways to put validation messages in Chinese (issue 11): ``pydantic-i18n``
and our template table (``services.api.i18n``), per validation error, on the same messages and
the same translations. Not part of the app: ``pip install pydantic-i18n==0.4.5`` first, then
``.venv/bin/python scripts/i18n_bench.py``.
"""

from __future__ import annotations

import re
import timeit

from pydantic import BaseModel, Field, ValidationError
from pydantic_i18n import PydanticI18n

from services.api import i18n
from services.api.i18n_zh import DETAILS, PYDANTIC
from shared.studio.schemas import StudioCreate


def _errors() -> list[dict[str, object]]:
    """Real pydantic errors of a bad request body (eight kinds)."""

    class Body(BaseModel):
        n: int
        d: str = Field(min_length=1)
        x: float = Field(le=90)

    found: list[dict[str, object]] = []
    for model, data in (
        (StudioCreate, {"kind": "museum", "name": "", "lat": 91, "lon": "x", "extra": 1}),
        (Body, {"n": "ten", "d": ""}),
        (StudioCreate, {}),
    ):
        try:
            model.model_validate(data)
        except ValidationError as exc:
            found += [dict(e) for e in exc.errors()]
    return found


def _positional(english: str, chinese: str) -> tuple[str, str]:
    """Our named template as pydantic-i18n's positional one ("{}" in, "{0}" … out)."""
    names = re.findall(r"\{(\w+)\}", english)
    for index, name in enumerate(names):
        chinese = chinese.replace("{" + name + "}", "{" + str(index) + "}")
    return re.sub(r"\{\w+\}", "{}", english), chinese


def main() -> None:
    errors = _errors()
    pairs = [_positional(e, c) for e, c in {**DETAILS, **PYDANTIC}.items()]
    library = PydanticI18n({"en_US": {e: e for e, _ in pairs}, "zh_CN": dict(pairs)})
    loops = 2000
    theirs = timeit.timeit(lambda: library.translate(errors, "zh_CN"), number=loops)
    ours = timeit.timeit(
        lambda: [{**e, "msg": i18n.message_zh(str(e["msg"]))} for e in errors], number=loops
    )
    per = loops * len(errors)
    print(f"{len(errors)} validation errors, {len(pairs)} templates, {loops} rounds")
    print(f"pydantic-i18n: {theirs / per * 1e6:.2f} µs per error")
    print(f"own table:     {ours / per * 1e6:.2f} µs per error")
    for error, translated in zip(errors, library.translate(errors, "zh_CN"), strict=True):
        print(f"  {error['msg']!r}\n    pydantic-i18n: {translated['msg']!r}")
        print(f"    own table:     {i18n.message_zh(str(error['msg']))!r}")


if __name__ == "__main__":
    main()
