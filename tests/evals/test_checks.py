"""Per-reply checks: verbatim citations, grounded numbers, answer and turn expectations."""

from __future__ import annotations

import pytest

from assistant.corpus import corpus_by_id
from evals.answers import AnswerItem, failures, judge_answer, summarise_answers
from evals.conversations import Conversation, Expect, Turn, check_turn, lookup, same_value
from evals.grounding import Sources, citation_problems, reply_ungrounded_numbers

FI = "fi-ei-pikavoittoja"


@pytest.fixture(scope="module")
def sources() -> Sources:
    return Sources.load()


def citation(doc_id: str, quote: str, n: int = 1, shift: int = 0) -> dict:
    text = corpus_by_id()[doc_id].text
    start = text.index(quote) + shift
    return {"n": n, "doc_id": doc_id, "title": corpus_by_id()[doc_id].title, "language": "fi", "heading": "",
            "quote": quote, "start_index": start, "end_index": start + len(quote)}


def reply(text: str, **fields) -> dict:
    return {"session_id": "s", "text": text, "language": fields.pop("language", "en"),
            "intent": fields.pop("intent", "question"), "covered": fields.pop("covered", True),
            "citations": fields.pop("citations", []), "tool": fields.pop("tool", None),
            "missing": fields.pop("missing", []), "checklist": fields.pop("checklist", None), **fields}


QUOTE = "Tämä oppimisaikataulu on syy miksi pilotit ja testijaksot ovat harvoin suositeltavia asiakaspalveluyhteistyössä."


def test_a_verbatim_citation_passes_and_a_shifted_one_is_reported(sources: Sources) -> None:
    assert citation_problems(reply("x", citations=[citation(FI, QUOTE)]), sources) == []
    [problem] = citation_problems(reply("x", citations=[citation(FI, QUOTE, shift=1)]), sources)
    assert "not verbatim" in problem
    assert "unknown article" in citation_problems(
        reply("x", citations=[{**citation(FI, QUOTE), "doc_id": "nope"}]), sources)[0]


def test_numbers_from_a_cited_note_summary_are_grounded(sources: Sources) -> None:
    note = next(n for n in sources.notes if n.doc_id == FI and any(ch.isdigit() for ch in n.summary["en"]))
    cited = {"n": 1, "doc_id": FI, "title": "t", "language": "fi", "heading": "", "quote": note.quote,
             "start_index": note.start_index, "end_index": note.end_index}
    text = f"{note.summary['en']} [1]\n\n> {note.quote}"
    assert reply_ungrounded_numbers(reply(text, citations=[cited]), sources) == []
    assert reply_ungrounded_numbers(reply(text + " It saves 37 %.", citations=[cited]), sources) == ["37 %"]


def test_tool_replies_are_grounded_in_arguments_and_result(sources: Sources) -> None:
    tool = {"name": "staffing", "arguments": {"contacts": 100, "interval_minutes": 30, "aht_seconds": 180},
            "result": {"agents": 14, "service_level": 0.88835, "occupancy": 0.714285}}
    ok = "With **100 calls per 30 minutes**, handling time 180 s you need **14 agents**: 88.8 % and 71.4 %."
    assert reply_ungrounded_numbers(reply(ok, intent="tool", tool=tool), sources) == []
    bad = ok.replace("14 agents", "15 agents")
    assert reply_ungrounded_numbers(reply(bad, intent="tool", tool=tool), sources) == ["15"]


def test_catalog_replies_are_not_number_checked(sources: Sources) -> None:
    asking = reply("How many calls do you get (e.g. “300 calls per hour”)?", intent="tool", missing=["contacts"])
    assert reply_ungrounded_numbers(asking, sources) == []
    assert reply_ungrounded_numbers(reply("Step 3/10", intent="checklist"), sources) == []


def test_judging_an_answer() -> None:
    sources = Sources.load()
    item = AnswerItem(id="a1", question="q", language="sv", answerable=True, cross_lingual=True, gold_doc_ids=[FI])
    good = judge_answer(item, reply("Svar [1]", language="sv", citations=[citation(FI, QUOTE)]), sources)
    assert good["language_ok"] and good["gold_cited"] and good["covered"] and not good["bad_citations"]
    wrong = judge_answer(item, reply("Answer", language="en", intent="off_topic", covered=False), sources)
    unanswerable = AnswerItem(id="u1", question="q", language="sv", answerable=False)
    declined = judge_answer(unanswerable, reply("Nej", language="sv", intent="off_topic", covered=False), sources)
    summary = summarise_answers([good, wrong, declined])["overall"]
    assert summary["language"] == pytest.approx(2 / 3)
    assert summary["gold_cited"] == pytest.approx(0.5) and summary["unanswerable_declined"] == 1.0
    assert summary["citations_verbatim"] == 1.0 and summary["ungrounded_numbers"] == 0
    [failed] = failures([good, wrong, declined])
    assert failed["id"] == "a1" and "replied in en" in failed["reasons"]


CONV = Conversation(id="c", language="sv", turns=[Turn(message="m")])


def test_a_turn_passes_when_every_expectation_holds(sources: Sources) -> None:
    expect = Expect(intent="tool", tool="staffing", result={"agents": 14, "service_level": 0.888})
    tool = {"name": "staffing", "arguments": {}, "result": {"agents": 14, "service_level": 0.88835}}
    got = reply("**14 agenter**, servicenivå 88,8 %", language="sv", intent="tool", tool=tool)
    assert check_turn(CONV, Turn(message="m", expect=expect), got, sources) == []


def test_a_turn_names_every_failed_expectation(sources: Sources) -> None:
    expect = Expect(intent="checklist", asks_for="aht_seconds", cites=[FI], covered=False,
                    checklist_step="problem", checklist_question="supplier_type", result={"agents": 14})
    got = reply("x", language="da", intent="tool", missing=["service_level"],
                checklist={"step_id": "goals", "question_id": "primary_goal"})
    problems = check_turn(CONV, Turn(message="m", expect=expect), got, sources)
    assert len(problems) == 8, problems
    joined = " | ".join(problems)
    for part in ("intent 'tool'", "language 'da'", "asks for ['service_level']", "expected one of",
                 "covered True", "checklist step 'goals'", "checklist question 'primary_goal'", "no agents"):
        assert part in joined


def test_result_paths_and_tolerances() -> None:
    data = {"offers": [{"total": 10.0, "break_even_month": None}], "agents": 14}
    assert lookup(data, "offers.0.total") == 10.0 and lookup(data, "agents") == 14
    with pytest.raises(KeyError):
        lookup(data, "in_house.total")
    assert same_value(0.88835, 0.888) and not same_value(0.8895, 0.888)
    assert same_value(14, 14) and not same_value(15, 14) and same_value(1440000.0, 1440000)
    assert same_value(None, None) and not same_value(7, None)


def test_an_engine_error_on_one_message_becomes_a_failing_reply_not_a_crash(sources: Sources) -> None:
    from assistant.errors import InvalidInput
    from evals.client import InProcessClient

    class Broken:
        def reply(self, session: str, message: str):
            raise InvalidInput("message", "must not be empty")

    got = InProcessClient(Broken()).send("s", "hej")
    assert got["intent"] == "error" and "must not be empty" in got["text"]
    item = AnswerItem(id="a", question="hej", language="sv", answerable=True, gold_doc_ids=[FI])
    row = judge_answer(item, got, sources)
    assert not row["language_ok"] and not row["covered"] and not row["gold_cited"]


def test_a_turn_that_asks_for_a_value_is_about_the_tool_asking(sources: Sources) -> None:
    conv = Conversation(id="c", language="en", turns=[])
    turn = Turn(message="how many agents for 300 calls an hour?",
                expect=Expect(intent="tool", tool="staffing", asks_for="aht_seconds"))
    asking = reply("What is the average handling time?", intent="tool", missing=["aht_seconds"],
                   pending_tool="staffing")
    assert check_turn(conv, turn, asking, sources) == []
    other = {**asking, "pending_tool": "cost_comparison"}
    assert check_turn(conv, turn, other, sources) == ["tool 'cost_comparison', expected 'staffing'"]
    # a turn that expects a result needs the tool to have run
    computed = Turn(message="…", expect=Expect(intent="tool", tool="staffing", result={"agents": 25}))
    assert "tool None, expected 'staffing'" in check_turn(conv, computed, asking, sources)
