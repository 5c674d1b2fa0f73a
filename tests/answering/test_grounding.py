"""The numeric guard: which numbers of an answer no supporting text states, read
the way the five languages write numbers and within the rounding their digits imply."""

from __future__ import annotations

import pytest

from assistant.answering.grounding import ungrounded_numbers


@pytest.mark.parametrize(
    ("answer", "support", "ungrounded"),
    [
        ("17 agents, 87.5 % within 20 s [1]", ['{"agents": 17, "service_level": 0.8754, "answer_seconds": 20}'], []),
        ("costs about 25 000 kr", ["24 600 SEK per month"], []),
        ("1,5 million or 1.5 million", ["1.5 million"], []),
        ("1. first\n2. second", [], []),
        ("the price is 999 kr", ["1 000 kr"], ["999"]),
        ("months 3–6, then 12", ["months 3–6"], ["12"]),
    ],
    ids=["tool-rounding", "rounded-thousands", "decimal-comma", "list-markers", "near-miss", "range"],
)
def test_guard_normalises_formats_and_flags_the_rest(answer, support, ungrounded):
    assert ungrounded_numbers(answer, support) == ungrounded
