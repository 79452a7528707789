"""The scorecard as the office prints and files it: an A4 HTML page with inline SVG charts (no
external assets: government intranets have no internet), CSV and XLSX."""

from __future__ import annotations

import csv
import io
from html import escape

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from shared.scorecard.schemas import Metric, Scorecard, Section

COLUMNS = ("section", "section_title", "key", "label", "value", "target", "wording")

_CSS = """
@page { size: A4; margin: 16mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
       color: #222; margin: 0; }
h1 { font-size: 22pt; color: #b71c1c; margin: 0 0 4mm; }
h2 { font-size: 13pt; border-left: 4px solid #b71c1c; padding-left: 3mm; margin: 6mm 0 2mm; }
table { width: 100%; border-collapse: collapse; font-size: 10pt; table-layout: fixed; }
th:first-child { width: 50%; }
th:nth-child(2), th:nth-child(3) { text-align: right; }
td, th { border-bottom: 1px solid #ddd; padding: 1.5mm 2mm; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.wording { color: #b71c1c; font-weight: bold; }
figure { margin: 3mm 0; page-break-inside: avoid; }
figcaption { font-size: 9pt; color: #555; }
"""


def _rows(card: Scorecard) -> list[tuple[Section, Metric]]:
    return [(section, m) for section in card.sections for m in section.metrics]


def _value(metric: Metric) -> str:
    if isinstance(metric.value, float) and not metric.value.is_integer():
        return f"{metric.value:.4f}"
    return str(int(metric.value))


def to_csv(card: Scorecard) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for section, m in _rows(card):
        writer.writerow(
            (
                section.key,
                section.title,
                m.key,
                m.label,
                _value(m),
                "" if m.target is None else m.target,
                m.wording,
            )
        )
    return out.getvalue()


def to_xlsx(card: Scorecard) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{card.year}年履职成绩单"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for section, m in _rows(card):
        row = [section.key, section.title, m.key, m.label, m.value, m.target, m.wording]
        sheet.append([_cell(value) for value in row])
    for column, width in zip("ABCDEFG", (14, 28, 34, 36, 10, 8, 16), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: str | float | None) -> str | float | None:
    # XML cannot hold C0 control characters; names stored before input refused them (a campaign
    # title is a section title here) would make openpyxl refuse the whole sheet.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _bars(title: str, bars: list[tuple[str, float, float | None]]) -> str:
    """Horizontal bars: (label, value, target or None); the target is drawn as an outline."""
    if not bars:
        return ""
    top = max(max(v, t or 0) for _, v, t in bars) or 1
    height = 26 * len(bars) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="{height}" '
        f'role="img" aria-label="{escape(title)}">'
    ]
    for i, (label, value, target) in enumerate(bars):
        y = 6 + 26 * i
        width = 420 * value / top
        parts.append(f'<text x="0" y="{y + 14}" font-size="11">{escape(label)}</text>')
        if target:
            parts.append(
                f'<rect x="150" y="{y}" width="{420 * target / top:.1f}" height="18" '
                'fill="none" stroke="#999" stroke-dasharray="4 2"/>'
            )
        parts.append(f'<rect x="150" y="{y + 3}" width="{width:.1f}" height="12" fill="#c62828"/>')
        shown = f"{int(value)}" + (f" / 目标 {int(target)}" if target else "")
        parts.append(
            f'<text x="{156 + max(width, 0):.1f}" y="{y + 14}" font-size="10">{shown}</text>'
        )
    parts.append("</svg>")
    caption = f"<figcaption>{escape(title)}</figcaption>"
    return f"<figure>{''.join(parts)}{caption}</figure>"


def _charts(card: Scorecard) -> str:
    charts = []
    platforms = next((s for s in card.sections if s.key == "platforms"), None)
    if platforms is not None:
        charts.append(
            _bars(
                "“115”协商架构：各平台全年协商场次与年度目标",
                [(m.label, m.value, m.target) for m in platforms.metrics],
            )
        )
    for section in card.sections:
        if section.key == "campaign":
            funnel = {m.key: m for m in section.metrics}
            charts.append(
                _bars(
                    f"{section.title}：意见建议吸收采纳",
                    [
                        ("提出意见建议", funnel["suggestions"].value, None),
                        ("被吸收采纳", funnel["adopted_suggestions"].value, None),
                        (
                            "获主要领导批示报告",
                            funnel["reports_with_principal_instructions"].value,
                            None,
                        ),
                    ],
                )
            )
    return "".join(charts)


def to_html(card: Scorecard) -> str:
    sections = []
    for section in card.sections:
        rows = "".join(
            f"<tr><td>{escape(m.label)}</td><td class='num'>{_value(m)}</td>"
            f"<td class='num'>{'' if m.target is None else m.target}</td>"
            f"<td class='wording'>{escape(m.wording)}</td></tr>"
            for m in section.metrics
        )
        sections.append(
            f"<section><h2>{escape(section.title)}</h2><table><thead><tr><th>指标</th>"
            f"<th>数值</th><th>目标</th><th>表述</th></tr></thead><tbody>{rows}</tbody></table>"
            "</section>"
        )
    title = f"{escape(card.organisation)} {card.year}年履职成绩单"
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1>{_charts(card)}{''.join(sections)}</body></html>"
    )
