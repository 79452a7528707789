"""Figures worded the way the article words them: "30余次", "1300多人次", "500场以上", "全部".

"N余/N多" means N < value < the next step of that precision: under 1,000 the precision is the
leading digit (35 → 30余, 512 → 500多), from 1,000 on the two leading digits (1,347 → 1300多),
as in the article. A round value is worded exactly ("30次"), and so is anything under ten.
"""

from __future__ import annotations

from typing import Literal

Style = Literal["exact", "yu", "duo", "at_least", "many", "share"]


def approximate(value: int, suffix: str, unit: str) -> str:
    if value < 10:
        return f"{value}{unit}"
    digits = len(str(value))
    step = 10 ** (digits - (2 if value >= 1000 else 1))
    floor = value - value % step
    return f"{value}{unit}" if floor == value else f"{floor}{suffix}{unit}"


def word(value: float, unit: str, style: Style, target: int | None = None) -> str:
    count = int(value)
    if style == "yu":
        return approximate(count, "余", unit)
    if style == "duo":
        return approximate(count, "多", unit)
    if style == "at_least":
        # The article states tiers against their targets: "100场以上" once a target is passed.
        if target is not None and count > target:
            return f"{target}{unit}以上"
        return f"{count}{unit}"
    if style == "many":
        return f"多{unit}" if count > 1 else f"{count}{unit}"
    if style == "share":
        if value >= 1:
            return "全部"
        return f"{value * 100:.1f}%"
    return f"{count}{unit}"
