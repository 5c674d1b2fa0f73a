"""Visitors' ratings in the evaluation report (reported, not gated)."""

from __future__ import annotations

from assistant.store import SessionStore
from evals.feedback import feedback_markdown, feedback_section


def test_the_report_counts_visitors_ratings_by_language_and_shows_the_comments(tmp_path):
    url = f"sqlite:///{tmp_path / 'visitors.db'}"
    store = SessionStore(url)
    for lang, rating, comment in (("sv", "up", None), ("sv", "down", "För vagt."), ("fi", "up", None)):
        sid = store.create().id
        with store.transaction(sid) as txn:
            txn.append("user", "?")
            txn.append("assistant", "!", {"language": lang, "intent": "question"})
        store.set_feedback(sid, 2, rating, comment)
    store.close()
    section = feedback_section(url)
    assert (section["rated"], section["up"], section["down"]) == (3, 2, 1)
    assert section["by_language"] == {"fi": {"up": 1}, "sv": {"up": 1, "down": 1}}
    assert [c["comment"] for c in section["comments"]] == ["För vagt."]
    text = "\n".join(feedback_markdown(section))
    assert "## Visitor feedback" in text and "3 answers rated, 👍 2, 👎 1 (67% 👍)" in text and "För vagt." in text


def test_without_a_store_the_report_says_so_and_creates_nothing(tmp_path):
    path = tmp_path / "absent" / "assistant.db"
    section = feedback_section(f"sqlite:///{path}")
    assert "no conversation store yet" in section["note"] and not path.exists()
    assert feedback_markdown(None) == []
