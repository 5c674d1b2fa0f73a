"""`assistant insights` and its report: unanswered questions by topic and language,
👎 answers with comments, stalled tool requests, checklist drop-off."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant.errors import InvalidInput
from assistant.insights import build_insights, parse_since
from assistant.insights.cluster import cluster
from assistant.store import SessionStore
from tests.insights.conftest import DECLINED, PARTIAL


@pytest.fixture
def report(seeded_url, retriever):
    store = SessionStore(seeded_url)
    yield build_insights(store, retriever, since=timedelta(days=30))
    store.close()


def test_declined_and_partly_covered_questions_are_counted_by_language(report):
    u = report.unanswered
    assert (u.total, u.declined, u.partial) == (6, 5, 1)
    assert u.by_language == {"sv": 2, "en": 1, "da": 1, "fi": 1, "nb": 1}


def test_questions_on_one_topic_are_grouped_across_languages(report):
    groups = {frozenset(q.text for q in topic.questions) for topic in report.unanswered.topics}
    by_topic: dict[str, set[str]] = {}
    for _lang, text, topic in DECLINED:
        by_topic.setdefault(topic, set()).add(text)
    assert frozenset(by_topic["gdpr"]) in groups
    assert frozenset(by_topic["notice"]) in groups
    assert frozenset({PARTIAL[1]}) in groups
    gdpr = next(t for t in report.unanswered.topics if t.size == 3)
    assert gdpr.languages == {"sv": 1, "en": 1, "da": 1} and gdpr.label in by_topic["gdpr"]
    partial = next(t for t in report.unanswered.topics if t.partial)
    assert (partial.size, partial.declined, partial.partial) == (1, 0, 1)


def test_answers_rated_down_come_with_their_comments(report):
    f = report.feedback
    assert (f.rated, f.up, f.down) == (3, 1, 2)
    assert f.by_language == {"en": {"up": 0, "down": 1}, "sv": {"up": 1, "down": 1}}
    commented = next(d for d in f.disliked if d.comment)
    assert commented.question == "Hur lång är en typisk pilot?"
    assert commented.answer == "En pilot brukar pågå några månader."
    assert commented.comment == "Svaret sa inte hur många månader."


def test_tool_requests_that_stalled_on_a_missing_value_are_counted(report):
    [stalled] = report.stalled_tools
    assert (stalled.tool, stalled.missing, stalled.count) == ("staffing", "aht_seconds", 2)
    assert stalled.languages == {"sv": 1, "en": 1}
    assert "Hur många agenter behöver vi för 300 samtal i timmen?" in stalled.examples


def test_checklist_drop_off_is_counted_per_step(report):
    c = report.checklist
    assert (c.started, c.completed) == (3, 1)
    reached = [s.reached for s in c.steps]
    dropped = [s.dropped for s in c.steps]
    assert reached == [3, 3, 2, 1, 1, 1, 1, 1, 1, 1]
    assert dropped == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]  # the running one has not dropped yet
    assert c.steps[2].number == 3 and c.steps[2].id == "operation"


def test_conversations_older_than_the_period_are_left_out(seeded_url, retriever):
    store = SessionStore(seeded_url)
    wide = build_insights(store, retriever, since=timedelta(days=90))
    assert wide.unanswered.total == 7
    store.close()


@pytest.mark.parametrize("text,expected", [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)),
                                           (" 2W ", timedelta(weeks=2))])
def test_the_period_is_a_number_and_a_unit(text, expected):
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["", "30", "d", "0d", "3 months", "-1d"])
def test_a_period_that_is_not_understood_is_refused_clearly(text):
    with pytest.raises(InvalidInput) as exc:
        parse_since(text)
    assert exc.value.field == "since"


def test_the_cli_prints_the_groups_of_a_seeded_database(seeded_url, real_index_dir, retriever, monkeypatch):
    from cli.main import app
    from assistant.settings import get_settings

    monkeypatch.setenv("ASSISTANT_DATABASE_URL", seeded_url)
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(real_index_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["insights", "--since", "30d"])
        as_json = CliRunner().invoke(app, ["insights", "--since", "30d", "--json"])
        bad = CliRunner().invoke(app, ["insights", "--since", "soon"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    out = result.output
    assert "6 questions unanswered (5 declined, 1 partly covered)" in out
    assert "Unanswered questions by topic" in out
    assert "│         3 │              3 / 0 │" in out and "│         2 │              2 / 0 │" in out
    assert "Svaret sa inte hur många månader." in out
    assert "aht_seconds" in out and "Checklist drop-off: 3 started, 1 completed" in out
    data = json.loads(as_json.output)
    assert data["unanswered"]["total"] == 6 and len(data["unanswered"]["topics"]) == 3
    assert bad.exit_code == 2 and "since: must be a number and a unit" in bad.output


def test_clustering_matches_merging_the_closest_groups_first():
    def brute(x: np.ndarray, threshold: float) -> list[list[int]]:
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        sim = x @ x.T
        groups = [[i] for i in range(len(x))]
        while len(groups) > 1:
            pairs = [(sim[np.ix_(a, b)].mean(), i, j) for i, a in enumerate(groups) for j, b in enumerate(groups) if i < j]
            best, i, j = max(pairs)
            if best < threshold:
                break
            groups[i] += groups.pop(j)
        return sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))

    rng = np.random.default_rng(7)
    for _ in range(60):
        x = rng.normal(size=(int(rng.integers(2, 20)), 6)) + rng.normal(size=6) * 1.5
        threshold = float(rng.uniform(-0.2, 0.9))
        assert cluster(x, threshold) == brute(x, threshold)


def test_clustering_nothing_or_one_question():
    assert cluster(np.zeros((0, 4))) == [] and cluster(np.ones((1, 4))) == [[0]]
