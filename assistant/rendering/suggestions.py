"""The suggestion buttons most replies carry."""

from __future__ import annotations

from assistant.i18n import t
from assistant.reply import Suggestion
from assistant.state import SessionState


def checklist_active(state: SessionState) -> bool:
    """The checklist was started (a completed checklist stays active until stopped)."""
    return state.checklist is not None and state.checklist.active


def default_suggestions(lang: str, state: SessionState, offer: bool = False) -> list[Suggestion]:
    """Staffing and costs; the checklist only where the reply offers it (a
    greeting, a declined question, a message about preparing a procurement)."""
    out: list[Suggestion] = []
    if offer and not checklist_active(state):
        out.append(Suggestion(label=t("suggest.checklist.label", lang), action="checklist.start"))
    out += [Suggestion(label=t("suggest.staffing.label", lang), action="tool.staffing"),
            Suggestion(label=t("suggest.costs.label", lang), action="tool.cost_comparison")]
    return out


def unique(suggestions: list[Suggestion]) -> list[Suggestion]:
    """The suggestions without repeats (same action and value), in order."""
    seen: set[tuple[str, str | None]] = set()
    out = []
    for s in suggestions:
        if (s.action, s.value) not in seen:
            seen.add((s.action, s.value))
            out.append(s)
    return out
