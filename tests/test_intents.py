"""The exemplar file and the nearest-exemplar intent vote."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.intents import INTENTS, ExemplarError, IntentClassifier, load_exemplars


def test_every_intent_has_exemplars_in_every_language() -> None:
    rows = load_exemplars()
    assert {(i, lang) for i, lang, _ in rows} == {(i, lang) for i in INTENTS for lang in ("sv", "fi", "da", "nb", "en")}


def test_an_intent_with_too_few_exemplars_is_named(tmp_path: Path) -> None:
    path = tmp_path / "intents.yaml"
    path.write_text("intents:\n  staffing:\n    en: [one]\n", encoding="utf-8")
    with pytest.raises(ExemplarError, match="staffing.sv needs at least 8"):
        load_exemplars.__wrapped__(path)


def test_the_vote_goes_to_the_intent_of_the_nearest_exemplars(hash_embeddings) -> None:
    classifier = IntentClassifier(hash_embeddings)
    rows = load_exemplars()
    text = next(t for i, lang, t in rows if i == "staffing" and lang == "sv")
    assert classifier.classify(hash_embeddings.embed_query_np(text)).best == "staffing"
