"""Routing rules: checklist commands, tool requests, greetings and questions."""

from __future__ import annotations

import pytest

from assistant.routing import checklist_command, route

ACTIVE = {"checklist": {"active": True}}


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
    assert route("back", "en", {}).kind != "checklist"


def test_naming_the_checklist_while_it_runs_is_a_start_not_an_answer():
    assert route("start the checklist", "en", ACTIVE).command == "start"
