"""Visitors' 👍/👎 in the evaluation report: what real users thought of the answers,
beside what the datasets measure. Read from the configured conversation store
(ASSISTANT_DATABASE_URL) over the last 30 days; never part of the gate (it
depends on traffic, not on the code under test)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PERIOD_DAYS = 30
COMMENTS_SHOWN = 5


def feedback_section(database_url: str | None = None, days: int = PERIOD_DAYS) -> dict[str, Any]:
    """{"source", "days", "rated", "up", "down", "up_share", "by_language", "by_intent", "comments"};
    {"source", "note"} when there is no store to read (a fresh checkout) or it can't be read."""
    from sqlalchemy import select
    from sqlalchemy.engine import make_url

    from assistant.errors import AssistantError
    from assistant.settings import get_settings

    url = database_url or get_settings().database_url
    parsed = make_url(url)
    source = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        return {"source": source, "note": "no conversation store yet: no visitor feedback"}
    from assistant.store import SessionStore
    from assistant.store.schema import feedback_table, turns_table

    cutoff = datetime.now(UTC) - timedelta(days=days)
    store = SessionStore(url)
    try:
        with store.read_connection("read feedback for the eval report") as conn:
            rows = conn.execute(
                select(feedback_table.c.rating, feedback_table.c.comment, feedback_table.c.updated_at,
                       turns_table.c.payload)
                .join(turns_table, (turns_table.c.session_id == feedback_table.c.session_id)
                      & (turns_table.c.seq == feedback_table.c.seq))
                .where(feedback_table.c.updated_at >= cutoff)
                .order_by(feedback_table.c.updated_at.desc())).mappings().all()
    except AssistantError as exc:
        return {"source": source, "note": f"the conversation store could not be read: {exc.message}"}
    finally:
        store.close()
    by_language: dict[str, Counter[str]] = defaultdict(Counter)
    by_intent: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        payload = r["payload"] or {}
        by_language[str(payload.get("language") or "?")][r["rating"]] += 1
        by_intent[str(payload.get("intent") or "?")][r["rating"]] += 1
    up = sum(r["rating"] == "up" for r in rows)
    return {
        "source": source, "days": days, "rated": len(rows), "up": up, "down": len(rows) - up,
        "up_share": round(up / len(rows), 4) if rows else None,
        "by_language": {k: dict(v) for k, v in sorted(by_language.items())},
        "by_intent": {k: dict(v) for k, v in sorted(by_intent.items())},
        "comments": [{"rating": r["rating"], "comment": r["comment"], "language": (r["payload"] or {}).get("language"),
                      "at": r["updated_at"].isoformat(timespec="seconds")}
                     for r in rows if r["comment"]][:COMMENTS_SHOWN],
    }


def feedback_markdown(section: dict[str, Any] | None) -> list[str]:
    """The report's "Visitor feedback" section (empty list without a section)."""
    if not section:
        return []
    lines = ["## Visitor feedback", ""]
    if "note" in section:
        return lines + [f"{section['note']} ({section['source']}).", ""]
    lines.append(f"Last {section['days']} days in `{section['source']}`: {section['rated']} answers rated, "
                 f"👍 {section['up']}, 👎 {section['down']}"
                 + (f" ({section['up_share']:.0%} 👍)." if section["up_share"] is not None else "."))
    if section["by_language"]:
        lines += ["", "| language | 👍 | 👎 |", "|---|---|---|"]
        lines += [f"| {lang} | {v.get('up', 0)} | {v.get('down', 0)} |" for lang, v in section["by_language"].items()]
    if section["comments"]:
        lines += ["", "Latest comments:", ""]
        lines += [f"- {'👍' if c['rating'] == 'up' else '👎'} ({c['language']}) {c['comment']}" for c in section["comments"]]
    return lines + ["", "Not gated: it depends on visitors, not on the code. `assistant insights` has the details.", ""]


def print_feedback(section: dict[str, Any] | None, console: Any) -> None:
    if not section:
        return
    if "note" in section:
        console.print(f"[dim]visitor feedback: {section['note']}[/]")
        return
    share = f" ({section['up_share']:.0%} 👍)" if section["up_share"] is not None else ""
    console.print(f"visitor feedback, last {section['days']} days: {section['rated']} rated, "
                  f"👍 {section['up']}, 👎 {section['down']}{share}")
