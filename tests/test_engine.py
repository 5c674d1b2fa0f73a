"""The conversation engine: grounded multilingual answers, tool slot filling, sessions."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from assistant.corpus import corpus_by_id
from assistant.engine import Assistant
from assistant.errors import InvalidInput
from assistant.i18n import t
from assistant.store import SessionStore
from assistant.tools import StaffingRequest, plan_staffing


def assert_citations_are_verbatim(reply) -> None:
    docs = corpus_by_id()
    for c in reply.citations:
        assert docs[c.doc_id].text[c.start_index : c.end_index] == c.quote


def test_swedish_staffing_slots_fill_across_turns_then_a_pilot_question_cites_the_finnish_article(engine):
    s = "sv-acceptance"
    first = engine.reply(s, "Hur många agenter behöver vi?")
    assert first.intent == "tool" and first.language == "sv"
    assert first.missing == ["contacts", "aht_seconds", "service_level", "answer_seconds"]
    assert first.text.endswith(t("tool.ask.staffing.contacts", "sv"))

    second = engine.reply(s, "Vi får ungefär 300 samtal i timmen")
    assert second.missing == ["aht_seconds", "service_level", "answer_seconds"]
    third = engine.reply(s, "Hanteringstiden är 4 minuter inklusive efterarbete")
    assert third.missing == ["service_level", "answer_seconds"]
    done = engine.reply(s, "80 % inom 20 sekunder")

    expected = plan_staffing(StaffingRequest(contacts=300, interval_minutes=60, aht_seconds=240,
                                             service_level=0.8, answer_seconds=20))
    assert done.tool is not None and done.tool.name == "staffing"
    assert done.tool.result["agents"] == expected.agents
    assert f"**{expected.agents} agenter**" in done.text and done.language == "sv"

    pilot = engine.reply(s, "Borde vi börja med ett pilotprojekt först?")
    assert pilot.intent == "question" and pilot.language == "sv" and pilot.covered
    assert any(c.doc_id == "fi-ei-pikavoittoja" and c.language == "fi" for c in pilot.citations)
    assert "pilot" in pilot.text.lower() and t("language_name.fi", "sv") in pilot.text
    assert_citations_are_verbatim(pilot)


def test_english_exit_clause_question_is_answered_from_the_danish_article(engine):
    reply = engine.reply("en-exit", "Should we put an exit clause in the contract?")
    assert reply.language == "en" and reply.covered
    assert reply.citations[0].doc_id == "da-call-center-outsourcing"
    assert "opt-out" in reply.citations[0].quote
    assert_citations_are_verbatim(reply)


@pytest.mark.parametrize(
    ("message", "language"),
    [("What's the weather like in Helsinki this weekend?", "en"), ("Har du ett bra recept på kanelbullar?", "sv"),
     ("Kuka voitti jalkapallon MM-kisat vuonna 2018?", "fi")],
)
def test_unanswerable_questions_get_a_scope_message_and_covered_false(engine, message, language):
    reply = engine.reply(f"scope-{language}", message)
    assert reply.covered is False and reply.intent == "off_topic"
    assert reply.text == t("answer.not_covered", language) and not reply.citations
    assert [s.action for s in reply.suggestions][:1] == ["checklist.start"]


def test_a_greeting_gets_the_scope_message_with_suggestions(engine):
    reply = engine.reply("greet", "Hei! Kiitos paljon")
    assert reply.intent == "greeting" and len(reply.suggestions) == 3


def test_answers_end_with_next_step_suggestions(engine):
    reply = engine.reply("suggest", "Vilka prismodeller finns?")
    assert reply.suggestions and any(s.action == "tool.staffing" for s in reply.suggestions)


@pytest.mark.parametrize("message", ["", "   ", "\x00\x07"])
def test_an_empty_message_is_refused(engine, message):
    with pytest.raises(InvalidInput, match="message: must not be empty"):
        engine.reply("empty", message)


def test_a_100_kb_message_is_refused_with_the_limit(engine):
    with pytest.raises(InvalidInput, match="the limit is 4000"):
        engine.reply("big", "a" * 100_000)


def test_control_characters_are_stripped(engine):
    reply = engine.reply("ctrl", "Should we\x00 put an exit\x1b clause in the contract?")
    assert reply.covered and reply.citations[0].doc_id == "da-call-center-outsourcing"


def test_an_unknown_session_id_starts_a_new_session_under_that_id(engine, store):
    engine.reply("brand-new-id", "Hej")
    assert [t_.role for t_ in store.history("brand-new-id")] == ["user", "assistant"]


def test_an_invalid_session_id_is_refused(engine):
    with pytest.raises(InvalidInput, match="session_id"):
        engine.reply("bad id with spaces/..", "Hej")


def test_an_unsupported_language_is_answered_in_the_default_language_with_a_note(engine):
    reply = engine.reply("de", "Welche Preismodelle gibt es für ausgelagerten Kundenservice?")
    assert reply.language == "en" and reply.notice == t("scope.unsupported_language", "en")


def test_the_session_language_is_the_fallback_for_short_messages(engine):
    engine.reply("fallback", "Montako agenttia tarvitsemme?")
    reply = engine.reply("fallback", "300")
    assert reply.language == "fi"


def test_slot_values_survive_a_restart(retriever, store):
    Assistant(retriever=retriever, store=store).reply("restart", "How many agents do we need? 200 calls per hour")
    again = Assistant(retriever=retriever, store=store).reply("restart", "AHT 180 s, 80/20")
    assert again.tool is not None and again.tool.arguments["contacts"] == 200


def test_a_tool_value_out_of_range_is_re_asked_with_the_allowed_range(engine):
    engine.reply("range", "How many agents do we need? 300 calls per hour, AHT 4 min")
    reply = engine.reply("range", "150 % within 20 seconds")
    assert reply.tool is None and "service_level" in reply.missing
    assert "(0, 1]" in reply.text


def test_concurrent_replies_to_one_session_are_serialised_and_none_is_lost(engine, store):
    messages = [f"hej {i}" for i in range(6)]
    threads = [threading.Thread(target=engine.reply, args=("concurrent", m)) for m in messages]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    turns = store.history("concurrent")
    assert len(turns) == 12
    assert [t_.role for t_ in turns] == ["user", "assistant"] * 6
    assert sorted(t_.text for t_ in turns if t_.role == "user") == sorted(messages)


def test_every_reply_is_stored_with_its_structured_payload(engine, store):
    engine.reply("payload", "Should we put an exit clause in the contract?")
    assistant_turn = store.history("payload")[-1]
    assert assistant_turn.payload["citations"][0]["doc_id"] == "da-call-center-outsourcing"


class _RacedStore(SessionStore):
    """A store on which another replica saves the session while a reply is
    being computed without the lock (between reading the state and saving it):
    once, or every time (`always`)."""

    def __init__(self, url: str, db_file: Path, *, always: bool = False) -> None:
        super().__init__(url)
        self.db_file = db_file
        self.always = always
        self.races = 0

    @contextmanager
    def update(self, session_id: str, **kwargs: Any) -> Iterator[Any]:
        with super().update(session_id, **kwargs) as txn:
            yield txn
            if self.always or self.races == 0:
                self.races += 1
                with sqlite3.connect(self.db_file) as other:
                    other.execute("UPDATE sessions SET state = ?, version = version + 1 WHERE id = ?",
                                  (f'{{"slots": {{"from": "the other replica {self.races}"}}}}', session_id))


@pytest.mark.parametrize("always", [False, True], ids=["raced-once", "raced-every-time"])
def test_a_reply_raced_by_another_replica_is_computed_again_on_fresh_state(retriever, tmp_path, always):
    """However busy the conversation is elsewhere, the message is answered: the
    second computation holds the session's lock, so it cannot lose a race."""
    store = _RacedStore(f"sqlite:///{tmp_path / 'raced.db'}", tmp_path / "raced.db", always=always)
    store.create("raced")
    engine = Assistant(retriever=retriever, store=store)
    reply = engine.reply("raced", "hello")
    assert reply.intent == "greeting" and store.races == 1
    turns = store.history("raced")
    assert [(t_.role, t_.text) for t_ in turns] == [("user", "hello"), ("assistant", reply.text)]
    snapshot = store.get("raced")
    assert snapshot is not None and snapshot.state.get("slots") == {"from": "the other replica 1"}
    assert snapshot.version == 2  # the other replica's save, then this reply's
    store.close()


def test_a_slow_reply_does_not_hold_up_other_sessions(retriever, tmp_path):
    """While one reply is being computed (think of a slow language model), another
    session can be answered and saved: the database is not locked meanwhile."""
    store = SessionStore(f"sqlite:///{tmp_path / 'slow.db'}", busy_timeout=0.5)
    inside, done = threading.Event(), threading.Event()
    other: dict[str, Any] = {}

    def other_user() -> None:
        inside.wait(10)
        other["reply"] = engine.reply("other", "hej")
        done.set()

    class SlowAnswerer:
        def answer(self, text: str, lang: str, search: Any, on_delta: Any = None, fallback: Any = None) -> Any:
            inside.set()
            assert done.wait(10), "the other session's reply waited for this one"
            return fallback()

    # An answerer that waits for the other session (the real LLM path is tested in tests/answering).
    engine = Assistant(retriever=retriever, store=store, llm_answerer=SlowAnswerer())
    thread = threading.Thread(target=other_user)
    thread.start()
    reply = engine.reply("slow", "Should we put an exit clause in the contract?")
    thread.join(10)
    assert reply.covered and other["reply"].intent == "greeting"
    assert len(store.history("other")) == 2 and len(store.history("slow")) == 2
    store.close()


# ---------------------------------------------------------------- understood values, corrections, offers


def test_a_computed_answer_first_lists_the_values_it_used(engine):
    reply = engine.reply("used", "Peak hour: 1,050 calls. AHT 180 s, 80 % in 30 s, shrinkage 32 %")
    assert reply.tool is not None and reply.tool.name == "staffing"
    assert reply.text.startswith(t("values.used", "en", values="").rstrip("."))
    stated = {u.slot: u.value for u in reply.understood if u.how == "stated"}
    assert stated.items() >= {"contacts": 1050, "aht_seconds": 180, "service_level": 0.8, "answer_seconds": 30,
                              "shrinkage": 0.32}.items()
    assert t("assumption.peak_hour", "en") in reply.text


def test_a_correction_in_the_next_message_replaces_that_value_and_recomputes(engine):
    engine.reply("correct", "300 calls an hour, AHT 4 min, 80/20")
    reply = engine.reply("correct", "actually AHT is 5 minutes")
    expected = plan_staffing(StaffingRequest(contacts=300, interval_minutes=60, aht_seconds=300,
                                             service_level=0.8, answer_seconds=20))
    assert reply.tool is not None and reply.tool.arguments["aht_seconds"] == 300
    assert reply.tool.result["agents"] == expected.agents
    assert reply.text.startswith(t("values.recomputed", "en"))


def test_a_yearly_salary_is_turned_into_a_monthly_one_and_shown_as_yearly(engine):
    reply = engine.reply("yearly", "Vi har 8 heltidare som tjänar 520 000 kr i årslön. Leverantören tar 38 kr per samtal, "
                                   "9 000 samtal i månaden")
    assert reply.tool is not None and reply.tool.arguments["monthly_salary"] == pytest.approx(520_000 / 12)
    assert "520\u00a0000" in reply.text


def test_two_vendor_offers_without_an_in_house_side_are_compared_with_each_other(engine):
    reply = engine.reply("two", "Vendor A charges €0.90 per minute, vendor B €4,100 per FTE per month with 9 FTE. "
                                "20,000 calls a month, AHT 4 min")
    assert reply.tool is not None and reply.tool.result["in_house"] is None
    assert [o["name"] for o in reply.tool.result["offers"]] == ["A", "B"]
    assert reply.tool.result["cheapest"] == "B"
    assert t("assumption.offers_only", "en") in reply.text


def test_a_head_count_that_could_be_either_side_is_asked_about(engine):
    reply = engine.reply("which", "The vendor charges €4,000 per FTE per month. 9 FTE.")
    assert reply.missing == ["party"] and reply.tool is None
    nxt = engine.reply("which", "the vendor's")
    assert nxt.missing[0] == "in_house_fte"
    assert engine.session_view("which").state.slots["cost_comparison"]["offers"][0]["fte"] == 9


def test_preparing_a_procurement_offers_the_checklist(engine):
    reply = engine.reply("offer", "Can you walk me through what we need to prepare before outsourcing?")
    assert reply.intent == "question" and reply.suggestions[0].action == "checklist.start"
    assert reply.text.startswith(t("offer_checklist.text", "en"))


def test_an_inflected_name_of_the_checklist_in_a_long_message_starts_it(engine):
    reply = engine.reply("inflected", "Jag vill gå igenom checklistan inför en upphandling av kundtjänst")
    assert reply.intent == "checklist" and reply.checklist is not None and reply.checklist.step_number == 1


def test_a_suggestion_action_starts_the_tool_it_names(engine):
    reply = engine.act("act-tool", "tool.staffing")
    assert reply.intent == "tool" and reply.missing[0] == "contacts"
    follow = engine.reply("act-tool", "300 samtal i timmen")
    assert follow.missing[0] == "aht_seconds"


def test_an_unknown_action_is_refused_by_name(engine):
    with pytest.raises(InvalidInput) as info:
        engine.act("act-bad", "tool.weather")
    assert info.value.field == "action"


class CountingEmbeddings:
    """The real embeddings, counting query embeddings (what the router may ask for)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, 0
        self.model_id = inner.model_id

    def embed_query_np(self, text: str) -> Any:
        self.calls += 1
        return self.inner.embed_query_np(text)

    def embed_queries_np(self, texts: list[str]) -> Any:
        return self.inner.embed_queries_np(texts)


def test_commands_tool_values_and_greetings_are_routed_without_the_embedding(retriever, store):
    engine = Assistant(retriever=retriever, store=store)
    counting = CountingEmbeddings(retriever.embeddings)
    engine.retriever._embeddings = counting
    try:
        for message in ("start the checklist", "skip", "hello!", "Hur många agenter behöver vi?",
                        "300 samtal i timmen", "AHT 4 min"):
            engine.reply("no-embed", message)
        assert counting.calls == 0
        engine.reply("no-embed-2", "Should we put an exit clause in the contract?")
        assert counting.calls == 1  # a question: once, shared by routing and retrieval
    finally:
        engine.retriever._embeddings = counting.inner


# ---------------------------------------------------------------- what the surfaces read through the engine


def test_the_engine_tells_a_surface_about_a_session_without_its_store(engine):
    assert engine.session_view("door") is None and not engine.checklist_running("door")
    reply = engine.reply("door", "start the checklist")
    view = engine.session_view("door")
    assert view is not None and view.language == "en" and view.state.checklist_running
    assert engine.checklist_running("door")
    assert [(t_.seq, t_.role) for t_ in engine.history("door")][-1] == (reply.turn, "assistant")
    engine.set_feedback("door", reply.turn, "up")
    assert engine.feedback("door")[reply.turn].rating == "up"
    assert engine.delete_session("door") and engine.session_view("door") is None
    assert engine.database_reachable()
