"""Checklist replies: the step and its question, the result of a command, the
status, figures computed from the answers, the brief, and the reminder of the
open question after a free question in the middle of the checklist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.checklist.flow import ChecklistFlow, Outcome
from assistant.checklist.steps import StepSpec
from assistant.formatting import number, percent
from assistant.i18n import t
from assistant.reply import ChecklistView, Choice, Citation, Reply, Suggestion, ToolRun
from assistant.state import ChecklistProgress, SessionState

#: Outcomes of an answer the checklist could not take: the question's example is shown with it.
_REFUSED_ANSWER = ("invalid", "number_expected", "text_expected", "out_of_range", "yes_no", "choice", "empty")


class ChecklistRendering:
    def __init__(self, flow: ChecklistFlow, corpus_dir: Path | None = None) -> None:
        self.flow = flow
        self.corpus_dir = corpus_dir

    def reply(self, outcome: Outcome, lang: str, cl: ChecklistProgress, session_id: str,
              figure: str | None = None) -> Reply:
        """What a checklist command did, then the next question (a new step opens with
        its title, its advice and the advice's sources). `figure` names the figure the
        answer (re)computed: "staffing" or "cost_comparison"."""
        parts: list[str] = []
        values = {k: v for k, v in outcome.values.items() if isinstance(v, (str, int, float))}
        if outcome.event == "status":
            parts.append(self.status_text(cl, lang))
        elif outcome.event not in ("answered",):
            parts.append(t(f"checklist.{outcome.event}", lang, **values))
        tool_run, computed = self.figure(figure, cl, lang) if figure else (None, "")
        if computed:
            parts.append(computed)
        view = self.view(cl, lang)
        current = self.flow.current(cl)
        citations: list[Citation] = []
        if cl.completed:
            parts.append(t("checklist.completed", lang))
            parts.append(t("handoff.offer", lang))
        elif current is not None and cl.active:
            step, question = current
            if not outcome.ok and outcome.event.startswith(_REFUSED_ANSWER):
                parts.append(t("checklist.example", lang, example=question.example[lang]))
            first_of_step = step.questions[0].id == question.id
            if first_of_step and outcome.ok:
                parts.append(t("checklist.step_header", lang, n=self.flow.step_number(step),
                               total=len(self.flow.spec.steps), title=step.title[lang]))
                parts.append(step.why[lang])
                citations = self.step_citations(step)
            parts.append(f"**{question.text[lang]}**")
        return Reply(session_id=session_id, text="\n\n".join(p for p in parts if p), language=lang,
                     intent="checklist", checklist=view, tool=tool_run, citations=citations,
                     suggestions=self.suggestions(cl, lang))

    def figure(self, name: str, cl: ChecklistProgress, lang: str) -> tuple[ToolRun, str]:
        """The tool run and the sentence for a figure the answers just (re)computed."""
        if name == "staffing" and cl.staffing is not None:
            staffing = cl.staffing
            res = staffing.result
            text = t("checklist.staffing_computed", lang, agents=res["agents"],
                     contacts=number(staffing.arguments["contacts"], lang, 1),
                     fte=number(res["monthly_fte"], lang, 1), service_level=percent(res["service_level"] or 0, lang))
            return ToolRun(name="staffing", arguments=staffing.arguments, result=staffing.result), text
        if name == "cost_comparison" and cl.costs is not None:
            costs = cl.costs
            offer = costs.result["offers"][0]
            text = t("checklist.costs_computed", lang, currency=costs.result["currency"],
                     in_house=number(costs.result["in_house"]["steady_monthly"], lang),
                     offer=number(offer["steady_monthly"], lang),
                     savings=number(offer["savings_total"], lang), months=costs.result["horizon_months"])
            return ToolRun(name="cost_comparison", arguments=costs.arguments, result=costs.result), text
        raise ValueError(f"no computed figure {name!r} in the checklist")

    def step_citations(self, step: StepSpec) -> list[Citation]:
        from assistant.citations import Citations
        from assistant.corpus import corpus_by_id

        citations = Citations(corpus_by_id(self.corpus_dir))
        return [citations.quote(n, c.doc_id, c.quote) for n, c in enumerate(step.citations, 1)]

    def status_text(self, cl: ChecklistProgress, lang: str) -> str:
        open_points = self.flow.open_points(cl)
        text = t("checklist.status", lang, done=self.flow.steps_done(cl), total=len(self.flow.spec.steps),
                 open=len(open_points))
        if open_points:
            listed = "\n".join(f"- {s.title[lang]}: {q.text[lang]}" for s, q in open_points[:5])
            text += "\n" + listed
        return text

    def view(self, cl: ChecklistProgress, lang: str) -> ChecklistView:
        """Where the checklist is, for a client to show (the current question and its choices)."""
        current = self.flow.current(cl)
        total = len(self.flow.spec.steps)
        if current is None:
            last = self.flow.spec.steps[-1]
            return ChecklistView(step_id=last.id, step_number=total, title=last.title[lang],
                                 done=self.flow.steps_done(cl), total=total, completed=True)
        step, q = current
        return ChecklistView(
            step_id=step.id, step_number=self.flow.step_number(step), title=step.title[lang], question_id=q.id,
            question=q.text[lang], answer_type=q.type, unit=q.unit, required=q.required,
            choices=[Choice(id=c.id, label=c.label[lang]) for c in q.choices],
            done=self.flow.steps_done(cl), total=total, completed=cl.completed,
        )

    def suggestions(self, cl: ChecklistProgress, lang: str) -> list[Suggestion]:
        """Answer buttons for a yes/no or choice question, skip and back, and the export."""
        out: list[Suggestion] = []
        current = self.flow.current(cl)
        if current is not None and cl.running:
            _, q = current
            if q.type == "yes_no":
                out += [Suggestion(label=t("checklist.yes", lang), action="checklist.answer",
                                   value=t("checklist.yes", lang)),
                        Suggestion(label=t("checklist.no", lang), action="checklist.answer",
                                   value=t("checklist.no", lang))]
            elif q.type == "choice":
                out += [Suggestion(label=c.label[lang], action="checklist.answer", value=c.label[lang])
                        for c in q.choices]
            for key in ("skip", "back"):
                out.append(Suggestion(label=t(f"checklist.button.{key}", lang), action=f"checklist.{key}"))
        out.append(Suggestion(label=t("checklist.button.export", lang), action="checklist.export"))
        return out

    def brief_reply(self, brief: dict[str, Any], cl: ChecklistProgress, lang: str, session_id: str) -> Reply:
        """The brief as Markdown in the conversation."""
        from assistant.checklist.brief import render_markdown

        text = t("checklist.brief_ready", lang) + "\n\n" + render_markdown(brief)
        return Reply(session_id=session_id, text=text, language=lang, intent="checklist",
                     checklist=self.view(cl, lang), suggestions=self.suggestions(cl, lang))

    def with_reminder(self, reply: Reply, lang: str, state: SessionState) -> Reply:
        """A reply to something else in the middle of the checklist: then the open question again."""
        cl = state.checklist
        current = self.flow.current(cl) if cl is not None else None
        if cl is not None and cl.running and current is not None:
            _, question = current
            reply.text += "\n\n" + t("checklist.resume", lang, question=question.text[lang])
            reply.checklist = self.view(cl, lang)
        return reply
