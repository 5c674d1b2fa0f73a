"""Routing rules: checklist commands, tool requests, greetings and questions."""

from __future__ import annotations

import pytest

from assistant.routing import checklist_command, route
from assistant.state import ChecklistProgress, SessionState

ACTIVE = SessionState(checklist=ChecklistProgress(active=True))
FRESH = SessionState()
AFTER_STAFFING = SessionState(last_tool="staffing")


@pytest.mark.parametrize(
    ("message", "command"),
    [
        ("skip", "skip"),
        ("skip this one", "skip"),
        ("ok, go back", "back"),
        ("hoppa över den här frågan", "skip"),
        ("export the brief", "export"),
        ("gå til trinn 7", "jump"),
        ("status", "status"),
    ],
)
def test_a_command_is_recognised_while_a_checklist_question_waits(message, command):
    assert route(message, "en", ACTIVE).command == command


@pytest.mark.parametrize(
    "message",
    [
        "we export furniture to Germany",
        "vi exporterar möbler till Tyskland",
        "kundene spør mest om status",
        "soitamme asiakkaille takaisin saman päivän aikana",
    ],
)
def test_an_answer_containing_a_command_word_is_an_answer(message):
    decision = route(message, "en", ACTIVE)
    assert (decision.kind, decision.command) == ("checklist", "answer")


def test_outside_the_checklist_a_command_word_anywhere_in_a_short_message_counts():
    assert checklist_command("let's do the checklist") == ("start", None)
    assert checklist_command("kör igång checklistan") == ("start", None)


def test_long_messages_and_questions_are_never_commands():
    assert checklist_command("could you tell me what the status of the market is?") is None
    assert checklist_command("we would like to export the whole thing to our partner in Poland soon") is None


def test_next_and_back_mean_nothing_outside_the_checklist():
    assert route("back", "en", FRESH).kind != "checklist"


def test_naming_the_checklist_while_it_runs_is_a_start_not_an_answer():
    assert route("start the checklist", "en", ACTIVE).command == "start"


@pytest.mark.parametrize(
    ("message", "language"),
    [("Jag vill gå igenom checklistan inför en upphandling av kundtjänst", "sv"),
     ("Voisimmeko käydä tarkistuslistan läpi ennen kilpailutusta", "fi"),
     ("Vi vil gerne bruge tjeklisten før udbuddet", "da"),
     ("Kan vi starte sjekklisten for anskaffelsen nå", "nb")],
)
def test_the_checklist_named_in_any_inflection_starts_it(message, language):
    decision = route(message, language, FRESH)
    assert (decision.kind, decision.command) == ("checklist", "start")


def test_preparing_an_outsourcing_offers_the_checklist_without_asking_the_embedding():
    calls = []
    decision = route("Can you walk me through what we need to prepare before outsourcing?", "en", FRESH,
                     embed=lambda: calls.append(1))
    assert decision.kind == "question" and decision.offer_checklist and not calls


def test_a_command_in_another_language_than_the_conversation_is_still_a_command():
    assert route("hoppa över", "en", ACTIVE).command == "skip"


def test_a_value_for_a_waiting_tool_continues_it_without_the_embedding():
    calls = []
    state = SessionState(pending_tool="staffing", awaiting="aht_seconds")
    decision = route("ca 4,5 minutter", "nb", state, embed=lambda: calls.append(1))
    assert decision.kind == "tool" and decision.extraction.slots == {"aht_seconds": 270} and not calls


def test_figures_after_a_computed_result_are_a_correction():
    decision = route("actually AHT is 5 minutes", "en", AFTER_STAFFING)
    assert (decision.kind, decision.command) == ("tool", "correct")
    assert decision.extraction.slots == {"aht_seconds": 300}


class Scores:
    def __init__(self, best: str) -> None:
        self.best, self.margin = best, 0.1
        self.scores = {best: 0.9}


class Classifier:
    def __init__(self, best: str) -> None:
        self.best = best

    def classify(self, vector):
        return Scores(self.best)


def test_when_the_words_are_not_decisive_the_exemplar_vote_decides():
    decision = route("Where would we even begin with all this?", "en", FRESH, embed=lambda: [0.0],
                     classifier=Classifier("checklist"))
    assert decision.kind == "question" and decision.offer_checklist and decision.signals["by"] == "embedding"


def test_the_exemplar_vote_alone_never_makes_a_tool_of_a_message_without_a_word_of_its_kind():
    decision = route("what does a minute of support cost at vendors today?", "en", FRESH, embed=lambda: [0.0],
                     classifier=Classifier("cost_comparison"))
    assert decision.kind == "question"


def test_a_question_about_a_figure_after_a_result_is_not_a_correction():
    assert route("Is 30 % shrinkage normal?", "en", AFTER_STAFFING).kind == "question"


def test_a_what_if_question_after_a_result_recomputes():
    decision = route("what if AHT were 6 min?", "en", AFTER_STAFFING)
    assert (decision.kind, decision.command) == ("tool", "correct")


@pytest.mark.parametrize("message, language", [
    ("Er det lettere at få døgnbemanding, hvis vi flytter kundeservicen til udlandet?", "da"),
    ("Is round-the-clock staffing easier if we outsource abroad?", "en"),
])
def test_a_yes_no_question_about_staffing_without_figures_is_for_the_articles(message, language):
    assert route(message, language, FRESH).kind == "question"


@pytest.mark.parametrize("message, language", [
    ("Kan du beregne bemandingen for os?", "da"),
    ("Could you work out how many agents we need?", "en"),
])
def test_a_request_to_compute_staffing_still_starts_the_calculator(message, language):
    assert route(message, language, FRESH).kind == "tool"
