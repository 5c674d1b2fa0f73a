"""The new evaluation datasets are well-formed and cover what the harness promises."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.checklist.steps import load_steps
from assistant.corpus import corpus_by_id
from evals.answers import load_answers_dataset
from evals.conversations import load_conversations
from evals.tools_eval import load_reference_dataset

LANGUAGES = {"sv", "fi", "da", "nb", "en"}


def test_answers_dataset() -> None:
    items = load_answers_dataset()
    docs = corpus_by_id()
    assert len(items) >= 30 and {i.language for i in items} == LANGUAGES
    assert len({i.id for i in items}) == len(items)
    for item in items:
        assert set(item.gold_doc_ids) <= set(docs), item.id
        assert bool(item.gold_doc_ids) == item.answerable, item.id
        cross = item.answerable and all(docs[d].language != item.language for d in item.gold_doc_ids)
        assert item.cross_lingual == cross, item.id
    per_language = Counter(i.language for i in items if i.answerable)
    assert min(per_language.values()) >= 5
    assert sum(i.cross_lingual for i in items) >= 10 and sum(not i.answerable for i in items) >= 10


def test_conversations_dataset() -> None:
    convs = load_conversations()
    steps = {s.id: {q.id for q in s.questions} for s in load_steps().steps}
    questions = set().union(*steps.values())
    docs = corpus_by_id()
    assert len(convs) >= 10 and len({c.id for c in convs}) == len(convs)
    assert min(Counter(c.language for c in convs)[lang] for lang in LANGUAGES) >= 2
    staffing = {c.language for c in convs for t in c.turns if t.expect.tool == "staffing"}
    assert staffing == LANGUAGES  # a staffing slot-filling script per language
    turns = [(c, t) for c in convs for t in c.turns]
    for c, t in turns:
        e = t.expect
        assert e.intent in {None, "question", "off_topic", "greeting", "tool", "checklist"}, c.id
        assert set(e.cites) <= set(docs), c.id
        assert e.checklist_step is None or e.checklist_step in steps, c.id
        assert e.checklist_question is None or e.checklist_question in questions, c.id
    assert any(t.expect.intent == "off_topic" for _, t in turns)
    cross = [t for c, t in turns if t.expect.intent == "question"
             and t.expect.cites and all(docs[d].language != c.language for d in t.expect.cites)]
    assert cross, "no cross-lingual question"
    messages = " ".join(t.message.lower() for _, t in turns if t.expect.intent == "checklist")
    for word in ("start", "hoppa över", "tillbaka"):  # start, skip, back in one script
        assert word in messages


def test_tool_reference_dataset_has_the_published_erlang_c_example() -> None:
    cases = {c.id: c for c in load_reference_dataset()}
    published = cases["erlang-published-100-30"]
    assert published.request == {"contacts": 100, "interval_minutes": 30, "aht_seconds": 180,
                                  "service_level": 0.8, "answer_seconds": 20}
    assert published.expected == {"agents": 14, "service_level": 0.888, "occupancy": 0.714,
                                  "probability_of_waiting": 0.174}
    assert {c.tool for c in cases.values()} == {"staffing", "cost_comparison"}


def test_a_malformed_dataset_line_is_reported_by_file_line_and_field(tmp_path):
    from evals.answers import load_answers_dataset
    from evals.jsonl import DatasetError

    bad = tmp_path / "answers.jsonl"
    bad.write_text('{"id": "a1", "question": "q", "language": "sv", "answerable": true}\n\n'
                   '{"id": "a2", "language": "sv", "answerable": false}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"answers\.jsonl:3: question: Field required"):
        load_answers_dataset(bad)


def test_a_missing_dataset_is_a_clear_error(tmp_path):
    from evals.jsonl import DatasetError
    from evals.routing import load_routing_dataset

    with pytest.raises(DatasetError, match="cannot read dataset"):
        load_routing_dataset(tmp_path / "nope.jsonl")
