"""The blind tuning sets waiting outside the dev split (evals/tuning/dev5…dev10) are well formed and
their expected results are the independent reference's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.conversations import Conversation
from evals.tuning import blind_reference
from evals.tuning.blind_sets import SETS


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_script_is_a_valid_conversation_of_its_set(name: str) -> None:
    rows = [json.loads(line) for line in Path(SETS[name]).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert rows and all(r["id"].startswith(f"{name}-") for r in rows)
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        Conversation.model_validate(row)


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_expected_result_is_the_reference_s(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert blind_reference.main(["--file", str(SETS[name])]) == 0
    assert "0 mismatches" in capsys.readouterr().out
