"""Building the insights report from the conversation store.

Definitions (all over turns written since the cutoff):

* unanswered: an assistant reply that declined (`covered` false, or `coverage`
  "not_covered") or answered only in part (`coverage` "partial", when the
  answerer reports it); the question is the user turn just before it.
* stalled tool request: a tool asked for a missing value (`missing`) and the
  conversation moved on, or went quiet for `IDLE`, without the tool running.
* checklist drop-off: per step, the sessions whose checklist reached it, and
  those that stopped there (not completed, idle for `IDLE`).
* feedback: 👍/👎 counts per language and intent; every 👎 with its comment.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import select

from assistant.errors import InvalidInput
from assistant.insights.cluster import DEFAULT_THRESHOLD, centred, cluster, language_offsets, medoid
from assistant.store import SessionStore
from assistant.store.schema import feedback_table, sessions_table, turns_table

if TYPE_CHECKING:
    from assistant.checklist.flow import ChecklistFlow

#: A conversation idle for this long has stopped (its open tool request stalled, its checklist dropped).
IDLE = timedelta(minutes=30)
TOOL_OF_RUN = {"staffing_plan": "staffing", "cost_comparison": "cost_comparison"}
EXCERPT_CHARS = 300

_SINCE = re.compile(r"^\s*(\d{1,5})\s*([hdw])\s*$")


def parse_since(value: str) -> timedelta:
    """'30d', '12h', '2w' -> timedelta; anything else is a clear error."""
    match = _SINCE.match(str(value or "").lower())
    if not match or int(match.group(1)) == 0:
        raise InvalidInput("since", "must be a number and a unit: h (hours), d (days) or w (weeks), e.g. 30d")
    n, unit = int(match.group(1)), match.group(2)
    return timedelta(hours=n) if unit == "h" else timedelta(days=n * (7 if unit == "w" else 1))


# ------------------------------------------------------------------ the report's shape


class Question(BaseModel):
    text: str
    language: str
    status: Literal["declined", "partial"]
    at: datetime


class Topic(BaseModel):
    label: str = Field(description="The most central question of the group.")
    size: int
    declined: int
    partial: int
    languages: dict[str, int]
    questions: list[Question]


class Unanswered(BaseModel):
    total: int
    declined: int
    partial: int
    by_language: dict[str, int]
    topics: list[Topic]


class Disliked(BaseModel):
    question: str
    answer: str
    comment: str | None
    language: str
    intent: str | None
    at: datetime


class FeedbackSummary(BaseModel):
    rated: int
    up: int
    down: int
    by_language: dict[str, dict[str, int]]
    by_intent: dict[str, dict[str, int]]
    disliked: list[Disliked] = Field(description="Every 👎, newest first, with its comment if any.")


class StalledTool(BaseModel):
    tool: str
    missing: str = Field(description="The value the tool asked for and never got.")
    count: int
    languages: dict[str, int]
    examples: list[str] = Field(description="Up to three requests that stalled there (the user's words).")


class ChecklistStep(BaseModel):
    number: int
    id: str
    title: str
    reached: int
    dropped: int


class ChecklistDropOff(BaseModel):
    started: int
    completed: int
    steps: list[ChecklistStep]


class InsightsReport(BaseModel):
    since: datetime
    generated_at: datetime
    sessions: int
    questions: int = Field(description="User turns in the period.")
    unanswered: Unanswered
    feedback: FeedbackSummary
    stalled_tools: list[StalledTool]
    checklist: ChecklistDropOff


# ------------------------------------------------------------------ building it


def _status(payload: dict[str, Any]) -> Literal["declined", "partial"] | None:
    coverage = payload.get("coverage")
    if coverage == "partial":
        return "partial"
    if coverage == "not_covered" or (payload.get("covered") is False and payload.get("intent") in
                                     ("off_topic", "question")):
        return "declined"
    return None


def build_insights(store: SessionStore, retriever: Any = None, *, since: timedelta = timedelta(days=30),
                   now: datetime | None = None, language: str = "en", threshold: float = DEFAULT_THRESHOLD,
                   embeddings: Any = None, offsets: dict[str, np.ndarray] | None = None,
                   flow: ChecklistFlow | None = None) -> InsightsReport:
    """The report over the conversations of the last `since`. Questions are embedded with
    the retriever's embeddings (or `embeddings`) and centred with its index's language
    offsets (or `offsets`); `language` names the checklist steps of `flow` (default: the
    checklist of the configured corpus)."""
    from assistant.checklist.flow import ChecklistFlow

    now = now or datetime.now(UTC)
    cutoff = now - since
    if retriever is not None:
        embeddings = embeddings or retriever.embeddings  # the object the retriever embeds questions with
        offsets = offsets if offsets is not None else language_offsets(retriever.index)
    turns_by_session: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with store.read_connection("read conversations for insights") as conn:
        rows = conn.execute(
            select(turns_table.c.session_id, turns_table.c.seq, turns_table.c.role, turns_table.c.text,
                   turns_table.c.payload, turns_table.c.created_at)
            .where(turns_table.c.created_at >= cutoff)
            .order_by(turns_table.c.session_id, turns_table.c.seq)).mappings()
        for r in rows:
            turns_by_session[r["session_id"]].append(dict(r))
        states = conn.execute(
            select(sessions_table.c.id, sessions_table.c.state, sessions_table.c.updated_at)
            .where(sessions_table.c.updated_at >= cutoff)).mappings().all()
        ratings = conn.execute(
            select(feedback_table).where(feedback_table.c.updated_at >= cutoff)
            .order_by(feedback_table.c.updated_at.desc())).mappings().all()

    questions = sum(1 for turns in turns_by_session.values() for t in turns if t["role"] == "user")
    unanswered = _unanswered(turns_by_session, embeddings, offsets or {}, threshold)
    feedback = _feedback(turns_by_session, ratings, store)
    stalled = _stalled(turns_by_session, now)
    checklist = _checklist([dict(s) for s in states], now, flow or ChecklistFlow(), language)
    sessions = len(set(turns_by_session) | {s["id"] for s in states})
    return InsightsReport(since=cutoff, generated_at=now, sessions=sessions, questions=questions,
                          unanswered=unanswered, feedback=feedback, stalled_tools=stalled, checklist=checklist)


def _unanswered(turns_by_session: dict[str, list[dict[str, Any]]], embeddings: Any,
                offsets: dict[str, np.ndarray], threshold: float) -> Unanswered:
    found: list[Question] = []
    for turns in turns_by_session.values():
        for prev, turn in zip(turns, turns[1:]):
            payload = turn["payload"] or {}
            status = _status(payload) if turn["role"] == "assistant" else None
            if status and prev["role"] == "user" and prev["seq"] == turn["seq"] - 1:
                found.append(Question(text=prev["text"], language=str(payload.get("language") or "?"),
                                      status=status, at=turn["created_at"]))
    topics: list[Topic] = []
    if found:
        if embeddings is None:
            groups = [[i] for i in range(len(found))]
            vectors = None
        else:
            raw = np.asarray(embeddings.embed_queries_np([q.text for q in found]))
            vectors = centred(raw, [q.language for q in found], offsets)
            groups = cluster(vectors, threshold)
        for group in groups:
            members = sorted((found[i] for i in group), key=lambda q: q.at, reverse=True)
            label = found[medoid(vectors, group)].text if vectors is not None else members[0].text
            topics.append(Topic(label=label, size=len(group), declined=sum(q.status == "declined" for q in members),
                                partial=sum(q.status == "partial" for q in members),
                                languages=dict(Counter(q.language for q in members).most_common()),
                                questions=members))
    return Unanswered(total=len(found), declined=sum(q.status == "declined" for q in found),
                      partial=sum(q.status == "partial" for q in found),
                      by_language=dict(Counter(q.language for q in found).most_common()), topics=topics)


def _feedback(turns_by_session: dict[str, list[dict[str, Any]]], ratings: list[Any],
              store: SessionStore) -> FeedbackSummary:
    by_language: dict[str, Counter[str]] = defaultdict(Counter)
    by_intent: dict[str, Counter[str]] = defaultdict(Counter)
    disliked: list[Disliked] = []
    index = {(sid, t["seq"]): (i, turns) for sid, turns in turns_by_session.items() for i, t in enumerate(turns)}
    for r in ratings:
        located = index.get((r["session_id"], r["seq"]))
        if located is None:  # rated recently, but the turn is older than the period: read it
            turns = store.history(r["session_id"])
            pos = next((i for i, t in enumerate(turns) if t.seq == r["seq"]), None)
            if pos is None:
                continue
            turns_d = [t.model_dump() for t in turns]
            located = (pos, turns_d)
        i, turns = located
        turn = turns[i]
        payload = turn.get("payload") or {}
        lang, intent = str(payload.get("language") or "?"), str(payload.get("intent") or "?")
        by_language[lang][r["rating"]] += 1
        by_intent[intent][r["rating"]] += 1
        if r["rating"] == "down":
            question = next((t["text"] for t in reversed(turns[:i]) if t["role"] == "user"), "")
            answer = turn["text"]
            disliked.append(Disliked(question=question, answer=answer[:EXCERPT_CHARS] + ("…" if len(answer) >
                                     EXCERPT_CHARS else ""), comment=r["comment"], language=lang,
                                     intent=intent, at=r["updated_at"]))
    up = sum(1 for r in ratings if r["rating"] == "up")
    return FeedbackSummary(
        rated=len(ratings), up=up, down=len(ratings) - up,
        by_language={k: {"up": v["up"], "down": v["down"]} for k, v in sorted(by_language.items())},
        by_intent={k: {"up": v["up"], "down": v["down"]} for k, v in sorted(by_intent.items())}, disliked=disliked)


def _stalled(turns_by_session: dict[str, list[dict[str, Any]]], now: datetime) -> list[StalledTool]:
    counts: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for turns in turns_by_session.values():
        open_requests: dict[str, tuple[str, str, int]] = {}  # tool -> (missing, language, index)
        for i, turn in enumerate(turns):
            payload = turn["payload"] or {}
            if turn["role"] != "assistant":
                continue
            ran = (payload.get("tool") or {}).get("name")
            if ran in TOOL_OF_RUN:
                open_requests.pop(TOOL_OF_RUN[ran], None)
            tool, missing = payload.get("pending_tool"), payload.get("missing") or []
            if payload.get("intent") == "tool" and tool and missing:
                first = open_requests.get(tool)
                start = first[2] if first else i
                open_requests[tool] = (str(missing[0]), str(payload.get("language") or "?"), start)
        if not open_requests or not turns:
            continue
        last = turns[-1]
        for tool, (missing, lang, start) in open_requests.items():
            moved_on = any(((t["payload"] or {}).get("intent") != "tool") for t in turns[start + 1:]
                           if t["role"] == "assistant")
            if moved_on or now - last["created_at"] >= IDLE:
                request = turns[start - 1]["text"] if start > 0 and turns[start - 1]["role"] == "user" else ""
                counts[(tool, missing)].append((lang, request))
    out = [StalledTool(tool=tool, missing=missing, count=len(items),
                       languages=dict(Counter(lang for lang, _ in items).most_common()),
                       examples=[text for _, text in items if text][:3])
           for (tool, missing), items in counts.items()]
    return sorted(out, key=lambda s: (-s.count, s.tool, s.missing))


def _checklist(states: list[dict[str, Any]], now: datetime, flow: Any, language: str) -> ChecklistDropOff:
    steps = flow.spec.steps
    position_step = [flow.step_number(s) for s, _ in flow.order]
    reached: Counter[int] = Counter()
    dropped: Counter[int] = Counter()
    started = completed = 0
    for s in states:
        cl = (s["state"] or {}).get("checklist") or {}
        touched = cl.get("active") or cl.get("answers") or cl.get("skipped") or cl.get("completed")
        if not touched:
            continue
        started += 1
        positions = [int(p) for p in [cl.get("position", 0), *(cl.get("trail") or [])] if isinstance(p, int)]
        furthest = min(max(positions or [0]), len(position_step) - 1)
        for n in range(1, position_step[furthest] + 1):
            reached[n] += 1
        if cl.get("completed"):
            completed += 1
        elif now - s["updated_at"] >= IDLE:
            current = min(int(cl.get("position", 0)), len(position_step) - 1)
            dropped[position_step[current]] += 1
    lang = language if language in ("sv", "fi", "da", "nb", "en") else "en"
    return ChecklistDropOff(started=started, completed=completed, steps=[
        ChecklistStep(number=i, id=step.id, title=step.title[lang], reached=reached[i], dropped=dropped[i])
        for i, step in enumerate(steps, 1)])
