"""What the documents show, worked out once from the brief JSON: texts in the
brief's language, the staffing and cost tables as rows, and the chart's data.
The PDF and DOCX renderers only lay this out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assistant.formatting import number, percent
from assistant.i18n import t


@dataclass(frozen=True)
class StepContent:
    number: int
    id: str
    title: str
    advice: str
    refs: str
    answers: list[tuple[str, str]]


@dataclass(frozen=True)
class Series:
    label: str
    role: str  # "in_house" or "offer": which brand colour draws it
    values: list[float]  # cumulative cost at the end of month 1..n


@dataclass(frozen=True)
class ChartData:
    title: str
    x_label: str
    months: int
    series: list[Series]
    y_ticks: list[float]
    tick_labels: list[str]
    break_even: int | None
    break_even_label: str | None


@dataclass(frozen=True)
class BriefContent:
    language: str
    title: str
    prepared_by: str
    generated: str
    progress: str
    steps: list[StepContent]
    staffing_title: str
    staffing_header: tuple[str, str]
    staffing_rows: list[tuple[str, str]] | None
    staffing_missing: str
    costs_title: str
    cost_header: list[str]
    cost_rows: list[list[str]] | None
    costs_missing: str
    chart: ChartData | None
    open_points_title: str
    open_points: list[str]
    no_open_points: str
    sources_title: str
    sources: list[tuple[int, str, str]] = field(default_factory=list)  # (n, quote, "title (language) – heading")


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2, 2.5 or 5 × 10^k) up to at least `top`."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def short_amount(value: float, lang: str) -> str:
    """Axis labels: 1,2 M / 350 k in the language's number style."""
    if abs(value) >= 1_000_000:
        return f"{number(value / 1_000_000, lang, 1 if value % 1_000_000 else 0)}\u00a0M"
    if abs(value) >= 1_000:
        return f"{number(value / 1_000, lang, 0)}\u00a0k"
    return number(value, lang)


def _cumulative(monthly: list[float]) -> list[float]:
    out, total = [], 0.0
    for v in monthly:
        total += float(v)
        out.append(total)
    return out


def cost_chart(costs: dict[str, Any], lang: str) -> ChartData | None:
    r = costs.get("result") or {}
    in_house = (r.get("in_house") or {}).get("monthly") or []
    offers = r.get("offers") or []
    if not in_house or not offers:
        return None
    series = [Series(t("document.in_house", lang), "in_house", _cumulative(in_house))]
    for i, offer in enumerate(offers):
        label = t("document.offer", lang) if len(offers) == 1 else f"{t('document.offer', lang)} {i + 1}"
        series.append(Series(label, "offer", _cumulative(offer.get("monthly") or [])))
    top = max(max(s.values) for s in series if s.values)
    ticks = nice_ticks(top)
    break_even = offers[0].get("break_even_month")
    return ChartData(
        title=t("document.chart_title", lang, months=r.get("horizon_months", len(in_house)),
                currency=r.get("currency", "")),
        x_label=t("document.month", lang), months=len(in_house), series=series, y_ticks=ticks,
        tick_labels=[short_amount(v, lang) for v in ticks], break_even=break_even,
        break_even_label=f"{t('document.break_even', lang)}: {t('document.month_n', lang, n=break_even)}"
        if break_even else None)


def staffing_rows(staffing: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    a, r = staffing["arguments"], staffing["result"]
    rows = [
        (t("document.contacts_per_hour", lang), number(a["contacts"], lang, 1)),
        (t("document.aht", lang), f"{number(a['aht_seconds'], lang)} s"),
        (t("document.target", lang), t("document.target_value", lang, target=percent(a["service_level"], lang),
                                       answer=number(a["answer_seconds"], lang))),
        (t("document.agents", lang), str(r["agents"])),
    ]
    if r.get("monthly_fte") is not None:
        rows.append((t("document.fte", lang), number(float(r["monthly_fte"]), lang, 1)))
    if r.get("service_level") is not None:
        rows.append((t("document.service_level", lang), percent(float(r["service_level"]), lang)))
    if r.get("asa_seconds") is not None:
        rows.append((t("document.asa", lang), f"{number(float(r['asa_seconds']), lang, 1)} s"))
    if r.get("occupancy") is not None:
        rows.append((t("document.occupancy", lang), percent(float(r["occupancy"]), lang)))
    return rows


def cost_table(costs: dict[str, Any], lang: str) -> tuple[list[str], list[list[str]]]:
    r = costs["result"]
    cur = r.get("currency", "")
    offers = r.get("offers") or []
    money = lambda v: f"{number(float(v), lang)} {cur}".strip()  # noqa: E731
    names = [t("document.offer", lang) if len(offers) == 1 else f"{t('document.offer', lang)} {i + 1}"
             for i in range(len(offers))]
    header = ["", t("document.in_house", lang), *names]
    never = t("tool.costs.never", lang)
    rows = [
        [t("document.per_month", lang), money(r["in_house"]["steady_monthly"]),
         *[money(o["steady_monthly"]) for o in offers]],
        [t("document.total", lang, months=r.get("horizon_months", "")), money(r["in_house"]["total"]),
         *[money(o["total"]) for o in offers]],
        [t("document.savings", lang), "–", *[money(o["savings_total"]) for o in offers]],
        [t("document.break_even", lang), "–",
         *[t("document.month_n", lang, n=o["break_even_month"]) if o.get("break_even_month") else never
           for o in offers]],
    ]
    return header, rows


def brief_content(brief: dict[str, Any], company: str) -> BriefContent:
    lang = brief["language"]
    steps = []
    for step in brief["steps"]:
        answers = []
        for row in step["answers"]:
            shown = row["display"] or (t("brief.skipped", lang) if row["status"] == "skipped" else "—")
            answers.append((row["question"], str(shown)))
        steps.append(StepContent(number=step["number"], id=step["id"], title=step["title"], advice=step["advice"],
                                 refs="".join(f"[{n}]" for n in step["citations"]), answers=answers))
    staffing = brief.get("staffing")
    costs = brief.get("cost_comparison")
    header, rows = cost_table(costs, lang) if costs else ([], None)
    try:
        generated = datetime.fromisoformat(brief["generated_at"]).date().isoformat()
    except (KeyError, ValueError):
        generated = ""
    sources = []
    for s in brief.get("sources") or []:
        language = t(f"language_name.{s['language']}", lang) if s.get("language") in ("sv", "fi", "da", "nb", "en") \
            else s.get("language", "")
        where = t("document.source_line", lang, title=s["title"], language=language, heading=s.get("heading") or "")
        sources.append((int(s["n"]), s["quote"], where.rstrip(" –")))
    return BriefContent(
        language=lang, title=t("brief.title", lang), prepared_by=t("document.prepared_by", lang, company=company),
        generated=t("document.generated", lang, date=generated),
        progress=t("brief.progress", lang, done=brief["progress"]["done"], total=brief["progress"]["total"]),
        steps=steps, staffing_title=t("brief.staffing", lang),
        staffing_header=(t("document.figure", lang), t("document.value", lang)),
        staffing_rows=staffing_rows(staffing, lang) if staffing else None,
        staffing_missing=t("document.no_staffing", lang), costs_title=t("brief.costs", lang), cost_header=header,
        cost_rows=rows, costs_missing=t("document.no_costs", lang),
        chart=cost_chart(costs, lang) if costs else None,
        open_points_title=t("brief.open_points", lang), open_points=[p["question"] for p in brief["open_points"]],
        no_open_points=t("brief.no_open_points", lang), sources_title=t("brief.sources", lang), sources=sources)
