"""The insights report as rich tables (what `assistant insights` prints)."""

from __future__ import annotations

from typing import Any

from assistant.insights.report import InsightsReport

QUESTIONS_SHOWN = 4


def print_report(report: InsightsReport, console: Any) -> None:
    from rich.table import Table

    u = report.unanswered
    console.print(f"[bold]Insights[/] since {report.since:%Y-%m-%d %H:%M} UTC: {report.sessions} conversations, "
                  f"{report.questions} messages; {u.total} questions unanswered ({u.declined} declined, "
                  f"{u.partial} partly covered)")
    if u.by_language:
        console.print("by language: " + ", ".join(f"{lang} {n}" for lang, n in u.by_language.items()))
    topics = Table(title="Unanswered questions by topic (what to write next)", title_justify="left", show_lines=True)
    for col, justify in (("#", "right"), ("topic (most central question)", "left"), ("questions", "right"),
                         ("declined / partial", "right"), ("languages", "left"), ("examples", "left")):
        topics.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for i, topic in enumerate(u.topics, 1):
        examples = "\n".join(f"· {q.text}" for q in topic.questions[:QUESTIONS_SHOWN] if q.text != topic.label)
        topics.add_row(str(i), topic.label, str(topic.size), f"{topic.declined} / {topic.partial}",
                       ", ".join(f"{k} {v}" for k, v in topic.languages.items()), examples)
    console.print(topics if u.topics else "[dim]No unanswered questions in the period.[/]")

    f = report.feedback
    console.print(f"[bold]Feedback[/]: {f.rated} answers rated, 👍 {f.up}, 👎 {f.down}")
    if f.disliked:
        disliked = Table(title="Answers rated 👎", title_justify="left", show_lines=True)
        for col in ("when", "lang", "question", "answer", "comment"):
            disliked.add_column(col, overflow="fold")
        for d in f.disliked:
            disliked.add_row(f"{d.at:%Y-%m-%d}", d.language, d.question, d.answer, d.comment or "—")
        console.print(disliked)

    stalled = Table(title="Tool requests that stalled on a missing value", title_justify="left")
    for col, justify in (("tool", "left"), ("missing value", "left"), ("times", "right"), ("languages", "left"),
                         ("examples", "left")):
        stalled.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for s in report.stalled_tools:
        stalled.add_row(s.tool, s.missing, str(s.count), ", ".join(f"{k} {v}" for k, v in s.languages.items()),
                        "\n".join(s.examples))
    console.print(stalled if report.stalled_tools else "[dim]No tool request stalled.[/]")

    c = report.checklist
    steps = Table(title=f"Checklist drop-off: {c.started} started, {c.completed} completed", title_justify="left")
    for col, justify in (("step", "right"), ("title", "left"), ("reached", "right"), ("stopped here", "right")):
        steps.add_column(col, justify=justify)  # type: ignore[arg-type]
    for s in c.steps:
        steps.add_row(str(s.number), s.title, str(s.reached), str(s.dropped))
    console.print(steps)
