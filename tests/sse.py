"""Reading a text/event-stream in tests (the widget has its own reader)."""

from __future__ import annotations

from collections.abc import Iterable


def parse_sse(lines: Iterable[str]) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream, comments (pings) dropped."""
    events: list[tuple[str, str]] = []
    event: str | None = None
    data: list[str] = []
    for line in lines:
        if line == "":
            if event is not None or data:
                events.append((event or "message", "\n".join(data)))
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if event is not None or data:
        events.append((event or "message", "\n".join(data)))
    return events
