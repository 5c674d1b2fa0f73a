"""The guided checklist: ten steps in five languages, ending in a procurement brief."""

from __future__ import annotations

import json
import threading

import pytest

from assistant.checklist.brief import build_brief, render_markdown
from assistant.checklist.compute import staffing_from_answers
from assistant.checklist.flow import new_state
from assistant.checklist.steps import STEPS_PATH, load_steps, parse_steps
from assistant.corpus import corpus_by_id
from assistant.engine import Assistant
from assistant.errors import CorpusError
from assistant.i18n import t

# What users type for the commands (routing reads them through assistant/data/vocabulary.yaml).
TYPED = {
    "skip": {"sv": "hoppa över", "fi": "ohita", "da": "spring over", "nb": "hopp over", "en": "skip"},
    "back": {"sv": "tillbaka", "fi": "takaisin", "da": "tilbage", "nb": "tilbake", "en": "back"},
    "export": {"sv": "exportera", "fi": "yhteenveto", "da": "eksporter", "nb": "eksporter", "en": "export"},
}

NUMBERS = {
    "monthly_volume": "24 000", "aht_seconds": "4 min", "opening_hours_per_day": "10", "open_days_per_month": "22",
    "sl_target_percent": "80", "sl_answer_seconds": "20", "inhouse_monthly_salary": "32 000",
    "employer_oncost_percent": "31,4", "offer_price": "9,5",
}
INVALID = {"sv": "ungefär tusen", "fi": "noin tuhat", "da": "omkring tusind", "nb": "omtrent tusen", "en": "about a thousand"}
START = {"sv": "starta checklistan", "fi": "aloita tarkistuslista", "da": "start tjeklisten", "nb": "start sjekklisten",
         "en": "start the checklist"}


def answer_for(question, lang: str) -> str:
    if question.type == "number":
        return NUMBERS[question.id]
    if question.type == "yes_no":
        return t("checklist.yes", lang)
    if question.type == "choice":
        return question.choices[0].label[lang]
    if question.type == "multi_choice":
        return ", ".join(c.label[lang] for c in question.choices[:2])
    return question.example[lang]


@pytest.mark.parametrize("lang", ["sv", "fi", "da", "nb", "en"])
def test_a_scripted_conversation_completes_all_ten_steps_and_exports_a_cited_brief(engine, lang):
    session = f"checklist-{lang}"
    reply = engine.reply(session, START[lang])
    assert reply.checklist.step_number == 1 and reply.language == lang
    skipped = backed = invalid = False
    for _ in range(100):  # 49 questions plus the detours; a stuck flow fails instead of looping
        if reply.checklist and reply.checklist.completed:
            break
        view = reply.checklist
        _, question = engine.flow.spec.question(view.question_id)
        if question.id == "supplier_type" and not skipped:
            reply, skipped = engine.reply(session, TYPED["skip"][lang]), True
            continue
        if question.id == "monthly_volume" and not invalid:
            reply, invalid = engine.reply(session, INVALID[lang]), True
            assert reply.checklist.question_id == "monthly_volume"
            assert t("checklist.invalid.number_expected", lang) in reply.text
            assert question.example[lang] in reply.text
            continue
        if question.id == "case_types" and not backed:
            reply, backed = engine.reply(session, TYPED["back"][lang]), True
            assert reply.checklist.question_id == "business_idea"
            continue
        before = view.question_id
        reply = engine.reply(session, answer_for(question, lang))
        assert reply.language == lang and reply.checklist.question_id != before, reply.text
    assert reply.checklist.completed and skipped and backed and invalid
    state = engine.session_view(session).state.checklist
    brief = build_brief(state, lang)
    markdown = render_markdown(brief)
    agents = staffing_from_answers(state.answers).result["agents"]
    assert f"**{agents}" in markdown
    assert brief["cost_comparison"] is not None
    assert len(brief["sources"]) >= 5 and len({s["doc_id"] for s in brief["sources"]}) >= 4
    assert [p["question_id"] for p in brief["open_points"]] == []  # the skipped question is optional
    assert brief["steps"][0]["answers"][1]["status"] == "skipped"
    export = engine.reply(session, TYPED["export"][lang])
    assert t("brief.title", lang) in export.text


def test_a_session_interrupted_after_step_4_resumes_at_step_5_after_a_restart(retriever, store):
    first = Assistant(retriever=retriever, store=store)
    reply = first.reply("resume", "start the checklist")
    while reply.checklist.step_id != "risks":
        _, question = first.flow.spec.question(reply.checklist.question_id)
        reply = first.reply("resume", answer_for(question, "en"))
    answers_before = store.get("resume").state["checklist"]["answers"]
    restarted = Assistant(retriever=retriever, store=store)  # a new process: nothing in memory
    resumed = restarted.reply("resume", "start the checklist")
    assert resumed.checklist.step_number == 5 and resumed.checklist.step_id == "risks"
    assert store.get("resume").state["checklist"]["answers"] == answers_before
    assert len(answers_before) == sum(len(s.questions) for s in restarted.flow.spec.steps[:4])


def test_out_of_range_values_are_re_asked_with_the_allowed_range(engine):
    engine.reply("range", "start the checklist")
    engine.reply("range", "steg 4")
    for _ in range(4):  # channels, opening hours, open days -> service level target
        view = engine.session_view("range").state.checklist
        q = engine.flow.current(view)[1]
        if q.id == "sl_target_percent":
            break
        engine.reply("range", answer_for(q, "en"))
    reply = engine.reply("range", "150")
    assert reply.checklist.question_id == "sl_target_percent"
    assert t("checklist.invalid.out_of_range", "en", value="150", min="1", max="100") in reply.text


def test_text_where_a_number_is_expected_and_the_reverse_are_re_asked(engine):
    engine.reply("types", "start the checklist")
    reply = engine.reply("types", "12000")
    assert reply.checklist.question_id == "problem_statement"
    assert t("checklist.invalid.text_expected", "en") in reply.text


def test_jumping_to_a_step_that_does_not_exist_says_so(engine):
    engine.reply("jump", "start the checklist")
    reply = engine.reply("jump", "step 12")
    assert reply.text.startswith(t("checklist.no_such_step", "en", step=12, total=10))
    assert reply.checklist.step_number == 1


def test_a_free_question_mid_checklist_is_answered_and_the_flow_resumes(engine):
    engine.reply("free", "start the checklist")
    reply = engine.reply("free", "Should we put an exit clause in the contract?")
    assert reply.intent == "question" and reply.citations
    assert reply.checklist.question_id == "problem_statement"
    assert t("checklist.resume", "en", question=reply.checklist.question) in reply.text


def test_switching_language_mid_flow_switches_the_prompts(engine):
    engine.reply("switch", "start the checklist")
    reply = engine.reply("switch", "Vi har för långa köer i kundtjänsten under julhandeln")
    assert reply.language == "sv" and reply.checklist.question == engine.flow.spec.steps[0].questions[1].text["sv"]


def test_exporting_an_empty_checklist_lists_every_required_question_as_open(engine):
    brief = build_brief(new_state(), "en")
    required = [q.id for s in load_steps().steps for q in s.questions if q.required]
    assert [p["question_id"] for p in brief["open_points"]] == required
    assert brief["schema"] == "procurement-brief" and brief["version"] == 1
    json.dumps(brief)  # the JSON export is plain JSON


def test_concurrent_answers_to_one_checklist_are_serialised_and_neither_is_lost(engine):
    engine.reply("race", "start the checklist")
    engine.reply("race", "steg 3")
    threads = [threading.Thread(target=engine.reply, args=("race", text))
               for text in ("Vi säljer sportkläder online", "Returer, leveransfrågor och reklamationer")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    answers = engine.session_view("race").state.checklist.answers
    assert {"business_idea", "case_types"} <= set(answers)


def test_every_citation_in_the_step_data_resolves_to_corpus_text():
    docs = corpus_by_id()
    spec = load_steps()
    assert [s.id for s in spec.steps] == ["problem", "goals", "operation", "kpis", "risks", "processes",
                                          "technology", "pricing", "partnership", "transition"]
    for step in spec.steps:
        for citation in step.citations:
            assert citation.quote in docs[citation.doc_id].text


def test_a_step_citation_that_is_not_in_the_corpus_fails_at_load(tmp_path):
    broken = tmp_path / "steps.yaml"
    text = STEPS_PATH.read_text(encoding="utf-8")
    original = 'quote: "Utan en korrekt problembeskrivning'
    assert original in text
    broken.write_text(text.replace(original, 'quote: "Utan en PÅHITTAD problembeskrivning', 1), encoding="utf-8")
    with pytest.raises(CorpusError, match="step 'problem': citation not found verbatim"):
        parse_steps(broken)
