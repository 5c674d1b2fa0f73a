"""The conversation engine: `Assistant.reply(session_id, message) -> Reply`.

Every surface (HTTP API, widget, Slack, CLI, evals) calls this one object, and
only its public methods: replies and button actions, and what a surface reads
or changes about a session besides (its view, history, feedback, deletion,
token check, the brief), the leads, the insights report and the health of the
database. The surfaces never reach into the session store. It detects the language, routes the message (checklist, tools, question,
greeting), composes the reply from the catalog, the deterministic tools and
the retrieved passages, and stores both turns in the session with one atomic
save (`SessionStore.update`): concurrent messages to a session are serialised,
and no database lock is held while a reply is being worked out.
"""

from __future__ import annotations

import logging
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.answering.offline import Answer, OfflineAnswerer
from assistant.checklist.compute import costs_from_answers, staffing_from_answers
from assistant.checklist.flow import ChecklistFlow, Outcome
from assistant.errors import AssistantError, InvalidInput, NotFound, SessionConflict
from assistant.formatting import number, percent
from assistant.i18n import t
from assistant.index_watch import RetrieverHolder
from assistant.language import SUPPORTED, detect_language, is_unsupported_language
from assistant.reply import ACTIONS, ChecklistView, Choice, Citation, Reply, Suggestion, ToolRun, Understood
from assistant.routing import Route, route
from assistant.settings import Settings, get_settings
from assistant.state import ChecklistProgress, SessionState, SessionView, SlotNote
from assistant.user_text import clean_user_text
from assistant.tools import (
    CostComparisonRequest,
    OutsourcingOffer,
    StaffingRequest,
    compare_costs,
    merge_arguments,
    missing_arguments,
    plan_staffing,
    request_arguments,
)
from assistant.tools.extract import Extraction

if TYPE_CHECKING:
    from datetime import timedelta

    from assistant.insights import InsightsReport
    from assistant.leads import LeadStore
    from assistant.sessions import CreatedSession, Feedback, SessionStore, SessionTxn, Turn

log = logging.getLogger("assistant.engine")


def clean_message(message: Any, max_chars: int) -> str:
    """A user message, normalised; empty or oversized input is a clear error."""
    return clean_user_text(message, max_chars, "message", keep_newlines=True)


class Assistant:
    """The engine. `Assistant()` builds everything from settings (environment)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        retriever: Any = None,
        store: SessionStore | None = None,
        llm_answerer: Any = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._retrievers = (RetrieverHolder.fixed(retriever) if retriever is not None else
                            RetrieverHolder(self.settings.index_dir, self._load_retriever,
                                            self.settings.index_reload_seconds))
        self._store = store
        self._answerer: OfflineAnswerer | None = None
        self._intents: Any = None
        if llm_answerer is None and self.settings.llm:
            from assistant.answering.llm import build_llm_answerer

            llm_answerer = build_llm_answerer(self.settings)
        self._llm = llm_answerer
        self.flow = ChecklistFlow()

    # -- lazily built parts (the CLI's tool commands never pay for them) --
    @property
    def retriever(self) -> Any:
        """The retriever of the current index build (a newer build is picked up while running)."""
        return self._retrievers.get()

    @property
    def retriever_loaded(self) -> bool:
        return self._retrievers.loaded

    def _load_retriever(self, first: bool) -> Any:
        from assistant.retrieval import load_retriever

        return load_retriever(self.settings, auto_rebuild=None if first else False)

    @property
    def store(self) -> SessionStore:
        """The session store. For wiring what shares its database (the lead worker, the
        Slack event ledger); surfaces read and change sessions through the methods below."""
        if self._store is None:
            from assistant.sessions import SessionStore

            self._store = SessionStore(self.settings.database_url)
        return self._store

    @property
    def intents(self) -> Any:
        """The exemplar intent classifier over the retriever's embeddings (None without embeddings)."""
        if self._intents is None:
            embeddings = getattr(self.retriever, "embeddings", None)
            if embeddings is None or not hasattr(embeddings, "embed_queries_np"):
                return None
            from assistant.intents import IntentClassifier

            self._intents = IntentClassifier(embeddings, cache_dir=Path(self.settings.index_dir) / "cache")
        return self._intents

    @property
    def answerer(self) -> OfflineAnswerer:
        retriever = self.retriever
        if self._answerer is None or self._answerer.retriever is not retriever:
            from assistant.corpus import corpus_by_id

            self._answerer = OfflineAnswerer(retriever, corpus_by_id(self.settings.corpus_dir))
        return self._answerer

    # -- sessions: what a surface reads and changes besides the replies --
    def create_session(self, language: str | None = None, *, session_id: str | None = None) -> CreatedSession:
        """A new session (under `session_id`, or a fresh id) with its secret token."""
        if language is not None and language not in SUPPORTED:
            raise InvalidInput("language", f"must be one of {', '.join(SUPPORTED)}")
        return self.store.create(session_id=session_id, language=language)

    def session_view(self, session_id: str) -> SessionView | None:
        """The session's language and state, or None when there is no such session."""
        snapshot = self.store.get(session_id)
        if snapshot is None:
            return None
        return SessionView(id=snapshot.id, language=snapshot.language, state=SessionState.from_json(snapshot.state))

    def _session(self, session_id: str) -> SessionView:
        view = self.session_view(session_id)
        if view is None:
            raise NotFound(f"no session '{session_id}'")
        return view

    def checklist_running(self, session_id: str) -> bool:
        """The session's checklist is started and not finished (False for an unknown session)."""
        view = self.session_view(session_id)
        return view is not None and view.state.checklist_running

    def history(self, session_id: str) -> list[Turn]:
        """The session's turns in order; an assistant turn's payload is its Reply."""
        return self.store.history(session_id)

    def verify_token(self, session_id: str, token: str) -> bool:
        """`token` is this session's secret (False for an unknown session too)."""
        return self.store.verify_token(session_id, token)

    def delete_session(self, session_id: str) -> bool:
        """Remove the session with its turns, feedback and checklist; False when there was none."""
        return self.store.delete(session_id)

    def feedback(self, session_id: str) -> dict[int, Feedback]:
        """The ratings of the session's answers, by turn number."""
        return self.store.feedback(session_id)

    def set_feedback(self, session_id: str, seq: int, rating: str, comment: str | None = None) -> Feedback:
        """Rate the assistant turn `seq` (a Reply's `turn`); rating again replaces it."""
        return self.store.set_feedback(session_id, seq, rating, comment)

    def database_reachable(self) -> bool:
        """The session database answers (what readiness checks ask)."""
        try:
            return bool(self.store.ping())
        except Exception:  # an unreachable database is a "no", not an error
            log.debug("the session database did not answer", exc_info=True)
            return False

    @property
    def leads(self) -> LeadStore:
        """The handoff leads and their deliveries (kept in the session database)."""
        from assistant.leads import LeadStore

        return LeadStore(self.store)

    def insights(self, *, since: timedelta, language: str = "en") -> InsightsReport:
        """What visitors asked that the sources don't cover, ratings, stalled tools and
        checklist drop-off over the conversations of the last `since`."""
        from assistant.insights import build_insights

        return build_insights(self.store, self.retriever, since=since, language=language)

    # -- conversation --

    def reply(self, session_id: str, message: str, on_delta: Callable[[str], None] | None = None) -> Reply:
        """Answer `message` in the session and store both turns.

        `on_delta` receives the answer text in pieces while a language model
        writes it (only then); the returned Reply is authoritative and may differ
        from the pieces (an answer that failed the grounding check is replaced
        by the offline answer).
        """
        text = clean_message(message, self.settings.max_message_chars)
        self.retriever  # load before taking the session lock: a first build must not hold it

        def answer(txn: SessionTxn, state: SessionState) -> Reply:
            language, notice = self._language(text, txn.language)
            embed = self._embedder(text)
            decision = route(text, language, state, embed=embed, classifier=self.intents)
            reply = self._dispatch(decision, text, language, state, txn.id, on_delta, embed)
            if notice:
                reply.notice = notice
                reply.text = f"{notice}\n\n{reply.text}"
            txn.language = language
            return reply

        return self._exchange(session_id, text, answer, create=True)

    def _embedder(self, text: str) -> Callable[[], Any]:
        """The message's query vector, computed on first call only (routing asks
        for it when its word rules are not decisive; retrieval reuses it)."""
        box: list[Any] = []

        def embed() -> Any:
            if not box:
                box.append(self.retriever.embeddings.embed_query_np(text))
            return box[0]

        embed.computed = lambda: bool(box)  # type: ignore[attr-defined]
        return embed

    def act(self, session_id: str, action: str, value: str | None = None) -> Reply:
        """Perform a suggestion's action (what the widget's and Slack's buttons send)."""
        if action not in ACTIONS:
            raise InvalidInput("action", f"must be one of {', '.join(ACTIONS)}")
        if action == "ask":
            if not value:
                raise InvalidInput("value", "is required for 'ask': the question to send")
            return self.reply(session_id, value)
        if action.startswith("checklist."):
            command = action.split(".", 1)[1]
            if command == "answer" and not value:
                raise InvalidInput("value", "is required for 'checklist.answer': the answer")
            if command == "export":
                return self._exchange(session_id, command, lambda txn, state: self._brief_reply(
                    txn.language or self.settings.default_language, state, txn.id), create=True)
            if self.session_view(session_id) is None:
                self.create_session(session_id=session_id)
            return self.checklist_action(session_id, command, answer=value)
        tool = action.split(".", 1)[1]

        def start(txn: SessionTxn, state: SessionState) -> Reply:
            lang = txn.language or self.settings.default_language
            state.pending_tool, state.last_tool = tool, None
            state.slots[tool] = {}
            return self._tool(Route("tool", argument=tool, extraction=Extraction(tool=tool)), lang, state, txn.id)

        return self._exchange(session_id, action, start, create=True)

    def checklist_action(self, session_id: str, command: str, answer: str | None = None,
                         step: int | None = None) -> Reply:
        """A checklist button (start, answer, skip, back, jump, status, restart) without
        routing: what the widget's buttons and the Slack actions call."""
        commands = {"start", "answer", "skip", "back", "jump", "status", "restart", "stop"}
        if command not in commands:
            raise InvalidInput("command", f"must be one of {', '.join(sorted(commands))}")
        text = clean_message(answer, self.settings.max_message_chars) if command == "answer" else command

        def act(txn: SessionTxn, state: SessionState) -> Reply:
            lang = txn.language or self.settings.default_language
            if command == "answer":
                lang, _ = self._language(text, txn.language)
            elif not _checklist_active(state) and command not in ("start", "restart", "jump"):
                raise InvalidInput("command", "the checklist is not running; start it first")
            reply = self._checklist(Route("checklist", command, step), text, lang, state, txn.id)
            txn.language = lang
            return reply

        return self._exchange(session_id, text, act, create=False)

    def _exchange(self, session_id: str, text: str, respond: Callable[[SessionTxn, SessionState], Reply], *,
                  create: bool) -> Reply:
        """Run `respond` on the session's state and save it with the two new turns.

        The store keeps the state as plain JSON; `respond` gets it typed, and
        what it changed is written back as JSON before the save.

        The reply is first computed without holding the database (see
        `SessionStore.update`). When another process or replica saved the same
        session meanwhile, it is computed once more under the session's lock:
        retrying optimistically could lose every race while several messages
        to one conversation arrive at once, the lock guarantees progress, and
        it is only held for a conversation that is really contended.
        """
        def exchange(txn: SessionTxn) -> Reply:
            state = SessionState.from_json(txn.state)
            reply = respond(txn, state)
            txn.state = state.to_json()
            txn.append("user", text)
            reply.turn = txn.append("assistant", reply.text, reply.model_dump(mode="json", exclude={"turn"})).seq
            return reply

        try:
            with self.store.update(session_id, create=create) as txn:
                reply = exchange(txn)
            return reply
        except SessionConflict:
            log.info("session %s changed in another process; answering again under its lock", session_id)
        with self.store.transaction(session_id, create=create) as txn:
            return exchange(txn)

    def checklist_view(self, session_id: str) -> ChecklistView | None:
        """Where the session's checklist is (None before it was ever started)."""
        session = self._session(session_id)
        cl = session.state.checklist
        return self._checklist_view(cl, session.language or self.settings.default_language) if cl is not None else None

    def brief(self, session_id: str, language: str | None = None) -> dict[str, Any]:
        """The procurement brief (JSON schema v1) in the session's language; allowed when empty."""
        from assistant.checklist.brief import build_brief

        session = self._session(session_id)
        lang = language or session.language or self.settings.default_language
        if lang not in SUPPORTED:
            raise InvalidInput("language", f"must be one of {', '.join(SUPPORTED)}")
        return build_brief(session.state.checklist_progress(), lang, self.flow,
                           corpus_dir=self.settings.corpus_dir)

    # -- language --
    def _language(self, text: str, session_language: str | None) -> tuple[str, str | None]:
        fallback = session_language or self.settings.default_language
        if is_unsupported_language(text):
            return fallback, t("scope.unsupported_language", fallback)
        # Only an established conversation language is sticky; the default is not.
        switch = 0.8 if session_language else 0.5
        return detect_language(text, fallback=fallback, switch_confidence=switch) or fallback, None

    # -- routing --
    def _dispatch(self, decision: Route, text: str, lang: str, state: SessionState, session_id: str,
                  on_delta: Callable[[str], None] | None = None, embed: Callable[[], Any] | None = None) -> Reply:
        if decision.kind == "checklist":
            return self._checklist(decision, text, lang, state, session_id)
        if decision.kind == "tool":
            return self._tool(decision, lang, state, session_id)
        if decision.kind == "greeting":
            return self._scope("scope.greeting", "greeting", lang, session_id, state)
        return self._question(text, lang, state, session_id, on_delta, embed, offer=decision.offer_checklist)

    # -- questions --
    def _question(self, text: str, lang: str, state: SessionState, session_id: str,
                  on_delta: Callable[[str], None] | None = None, embed: Callable[[], Any] | None = None,
                  offer: bool = False) -> Reply:
        answer = self._answer(text, lang, on_delta, embed)
        offered = offer and not _checklist_active(state)
        if not answer.covered:
            if offered:
                reply = Reply(session_id=session_id, text=t("offer_checklist.text", lang), language=lang,
                              intent="question", covered=True,
                              suggestions=self._default_suggestions(lang, state, offer=True))
                return self._with_checklist_reminder(reply, lang, state)
            reply = self._scope("answer.not_covered", "off_topic", lang, session_id, state)
            reply.covered = False
            reply.coverage = "not_covered"
            return reply
        suggestions = self._default_suggestions(lang, state, offer=True)[:1] if offered else []
        suggestions += [Suggestion(label=q, action="ask", value=q) for q in answer.related_questions]
        suggestions += self._default_suggestions(lang, state)
        body = f"{t('offer_checklist.text', lang)}\n\n{answer.text}" if offered else answer.text
        reply = Reply(session_id=session_id, text=body, language=lang, intent="question",
                      citations=answer.citations, covered=True, coverage=answer.coverage,  # type: ignore[arg-type]
                      missing_terms=list(answer.search.coverage.missing_terms) if answer.search and
                      answer.coverage == "partial" else [], suggestions=_unique(suggestions)[:4])
        return self._with_checklist_reminder(reply, lang, state)

    def _answer(self, text: str, lang: str, on_delta: Callable[[str], None] | None = None,
                embed: Callable[[], Any] | None = None) -> Answer:
        """Search once (with the turn's vector when routing computed it); the offline answerer
        and the language model both compose from that result."""
        vector = embed() if embed is not None else None
        result = self.retriever.search(text, k=5, language=lang, vector=vector)
        if self._llm is not None and result.coverage.outcome == "covered":
            try:
                return self._llm.answer(text, lang, result, on_delta=on_delta,
                                        fallback=lambda: self.answerer.compose(result, lang))
            except AssistantError as exc:  # the LLM path always has the offline answer to fall back on
                log.warning("LLM answer rejected, using the offline answer: %s", exc.message)
        return self.answerer.compose(result, lang)

    def _scope(self, key: str, intent: str, lang: str, session_id: str, state: SessionState) -> Reply:
        reply = Reply(session_id=session_id, text=t(key, lang), language=lang, intent=intent,  # type: ignore[arg-type]
                      covered=intent != "off_topic",
                      suggestions=self._default_suggestions(lang, state, offer=intent in ("greeting", "off_topic")))
        return self._with_checklist_reminder(reply, lang, state)

    def _default_suggestions(self, lang: str, state: SessionState, offer: bool = False) -> list[Suggestion]:
        """Staffing and costs; the checklist only where the reply offers it (a
        greeting, a declined question, a message about preparing a procurement)."""
        out: list[Suggestion] = []
        if offer and not _checklist_active(state):
            out.append(Suggestion(label=t("suggest.checklist.label", lang), action="checklist.start"))
        out += [Suggestion(label=t("suggest.staffing.label", lang), action="tool.staffing"),
                Suggestion(label=t("suggest.costs.label", lang), action="tool.cost_comparison")]
        return out

    # -- tools with slot filling --
    def _tool(self, decision: Route, lang: str, state: SessionState, session_id: str) -> Reply:
        tool = decision.argument
        continuing = state.pending_tool == tool or state.last_tool == tool
        previous = state.slots.get(tool, {}) if continuing else {}
        notes: dict[str, SlotNote] = dict(state.slot_notes.get(tool, {})) if continuing else {}
        extraction = decision.extraction
        new: dict[str, Any] = {}
        ambiguous = []
        if decision.command == "clarify":
            clarify, state.clarify = state.clarify, None
            chosen = _choose(clarify.options if clarify is not None else [], decision.signals.get("choice"))
            if chosen and clarify is not None:
                new = _put_path({}, chosen, clarify.value)
                notes[chosen] = SlotNote(source=clarify.text, how=None)
        elif extraction is not None:
            new = extraction.slots
            ambiguous = extraction.ambiguous
            for key in _paths(new):
                notes[key] = SlotNote(source=extraction.sources.get(key), how=extraction.derived.get(key))
            for key in ("aht_seconds", "contacts_per_day"):
                if key in extraction.derived:
                    notes[key] = SlotNote(source=extraction.sources.get(key), how=extraction.derived.get(key))
        arguments = merge_arguments(previous, new)
        state.slots[tool] = arguments
        state.slot_notes[tool] = {k: v for k, v in notes.items() if _has_path(arguments, k) or k in (
            "aht_seconds", "contacts_per_day")}
        recomputed = decision.command == "correct" and state.last_tool == tool
        if ambiguous:
            amb = ambiguous[0]
            state.pending_tool, state.awaiting = tool, None
            state.clarify = amb.model_copy(deep=True)
            understood, _ = self._understood(tool, arguments, state.slot_notes[tool], lang)
            given = t("values.so_far", lang, values="; ".join(dict.fromkeys(u.text for u in understood if u.text))) \
                if any(u.text for u in understood) else ""
            question = t("values.clarify_fte", lang, value=number(amb.value, lang, 0 if amb.value.is_integer() else 1))
            suggestions = [Suggestion(label=t("values.clarify_inhouse", lang), action="ask",
                                      value=t("values.clarify_inhouse", lang)),
                           Suggestion(label=t("values.clarify_vendor", lang), action="ask",
                                      value=t("values.clarify_vendor", lang))]
            return Reply(session_id=session_id, text="\n\n".join(p for p in (given, question) if p), language=lang,
                         intent="tool", missing=["party"], understood=understood, suggestions=suggestions)
        missing = missing_arguments(tool, arguments)
        if missing:
            state.pending_tool, state.awaiting = tool, missing[0]
            asked = t(f"tool.ask.{tool}.{missing[0]}", lang)
            understood, _ = self._understood(tool, arguments, state.slot_notes[tool], lang)
            given = t("values.so_far", lang, values="; ".join(dict.fromkeys(u.text for u in understood if u.text))) \
                if any(u.text for u in understood) else ""
            text = f"{given}\n\n{asked}" if given else f"{t(f'tool.intro.{tool}', lang)}\n\n{asked}"
            return self._with_checklist_reminder(
                Reply(session_id=session_id, text=text, language=lang, intent="tool", missing=missing,
                      pending_tool=tool, understood=understood,
                      suggestions=self._default_suggestions(lang, state)), lang, state)
        state.pending_tool, state.awaiting, state.last_tool = None, None, tool
        request = request_arguments(tool, arguments)
        try:
            run, result_text = self._run_tool(tool, request, lang)
        except InvalidInput as exc:
            field = exc.field.split(".")[0].split("[")[0]
            state.pending_tool, state.awaiting = tool, field
            state.slots[tool] = {k: v for k, v in arguments.items() if k != field}
            text = t("tool.invalid", lang, field=t(f"field.{field}", lang) if _has_field_label(field) else field,
                     detail=exc.message)
            return Reply(session_id=session_id, text=text, language=lang, intent="tool",
                         missing=[field], pending_tool=tool, suggestions=self._default_suggestions(lang, state))
        understood, assumptions = self._understood(tool, arguments, state.slot_notes[tool], lang, request=request)
        parts = []
        if recomputed:
            parts.append(t("values.recomputed", lang))
        parts.append(t("values.used", lang, values="; ".join(dict.fromkeys(u.text for u in understood
                                                                         if u.how != "assumed" and u.text))))
        if assumptions:
            parts.append(t("values.assumed", lang, values="; ".join(assumptions)))
        parts += [result_text, f"_{t('values.correct_hint', lang)}_"]
        return self._with_checklist_reminder(
            Reply(session_id=session_id, text="\n\n".join(parts), language=lang, intent="tool", tool=run,
                  understood=understood, suggestions=self._default_suggestions(lang, state)), lang, state)

    def _run_tool(self, tool: str, arguments: dict[str, Any], lang: str) -> tuple[ToolRun, str]:
        if tool == "staffing":
            plan = plan_staffing(StaffingRequest(**arguments))
            result = plan.model_dump(mode="json", exclude={"intervals"} if len(plan.intervals) > 24 else set())
            return ToolRun(name="staffing", arguments=arguments, result=result), self._staffing_text(plan, arguments, lang)
        request = CostComparisonRequest(**{**arguments, "offers": [OutsourcingOffer(**o) for o in arguments["offers"]]})
        comparison = compare_costs(request)
        return (ToolRun(name="cost_comparison", arguments=arguments, result=comparison.model_dump(mode="json")),
                self._costs_text(comparison, lang))

    def _staffing_text(self, plan: Any, arguments: dict[str, Any], lang: str) -> str:
        volume = arguments.get("contacts") or arguments.get("contacts_per_day")
        period = "interval" if arguments.get("contacts") is not None else "day"
        text = t(
            f"tool.staffing.result_{period}", lang,
            volume=number(volume, lang, 0 if float(volume).is_integer() else 1),
            minutes=arguments.get("interval_minutes", 60),
            aht=number(arguments["aht_seconds"], lang),
            target=percent(arguments["service_level"], lang),
            answer=number(arguments["answer_seconds"], lang),
            agents=plan.agents,
            service_level=percent(plan.service_level or 0, lang),
            asa=number(plan.asa_seconds or 0, lang, 1),
            occupancy=percent(plan.occupancy, lang),
        )
        if arguments.get("shrinkage"):
            text += " " + t("tool.staffing.shrinkage", lang, fte=plan.scheduled_fte,
                            shrinkage=percent(arguments["shrinkage"], lang))
        return text

    def _offer_name(self, name: str, n: int, lang: str) -> str:
        # Unnamed offers get the tool's placeholder names (offer_1); say "Offer 1" instead.
        if name == f"offer_{n}":
            return t("tool.costs.offer_name", lang, n=n)
        return t("values.offer_label", lang, label=name) if len(name) <= 2 else name

    def _costs_text(self, comparison: Any, lang: str) -> str:
        lines = []
        if comparison.in_house is not None:
            lines.append(t("tool.costs.in_house", lang, monthly=number(comparison.in_house.steady_monthly, lang),
                           total=number(comparison.in_house.total, lang), currency=comparison.currency,
                           months=comparison.horizon_months))
        for n, offer in enumerate(comparison.offers, 1):
            name = self._offer_name(offer.name, n, lang)
            if offer.savings_total is None:
                lines.append(t("values.offer_only", lang, name=name, monthly=number(offer.steady_monthly, lang),
                               total=number(offer.total, lang), currency=comparison.currency,
                               months=comparison.horizon_months))
                continue
            key = "tool.costs.offer_saves" if offer.savings_total >= 0 else "tool.costs.offer_costs_more"
            lines.append(t(key, lang, name=name, monthly=number(offer.steady_monthly, lang),
                           total=number(offer.total, lang), currency=comparison.currency,
                           savings=number(abs(offer.savings_total), lang),
                           break_even=offer.break_even_month if offer.break_even_month else t("tool.costs.never", lang)))
        text = "\n".join(f"- {line}" for line in lines)
        if comparison.in_house is None and len(comparison.offers) > 1:
            ranked = sorted(enumerate(comparison.offers, 1), key=lambda pair: pair[1].total)
            (n1, best), (n2, second) = ranked[0], ranked[1]
            text += "\n\n" + t("values.cheapest", lang, name=self._offer_name(best.name, n1, lang),
                                 other=self._offer_name(second.name, n2, lang), currency=comparison.currency,
                                 difference=number(second.total - best.total, lang),
                                 months=comparison.horizon_months)
        return text

    def _understood(self, tool: str, arguments: dict[str, Any], notes: dict[str, SlotNote], lang: str,
                    request: dict[str, Any] | None = None) -> tuple[list[Understood], list[str]]:
        """The values a tool has (stated, derived) in the user's language, and the
        assumptions a computation with `request` makes (defaults it used)."""
        from assistant.tools.understood import describe

        return describe(tool, arguments, notes, lang, request)

    # -- checklist --
    def _checklist(self, decision: Route, text: str, lang: str, state: SessionState, session_id: str) -> Reply:
        cl = state.checklist_progress()
        command = decision.command
        if command == "export":
            return self._brief_reply(lang, state, session_id)
        outcome: Outcome
        if command == "start":
            outcome = self.flow.start(cl)
        elif command == "restart":
            outcome = self.flow.restart(cl)
        elif command == "stop":
            outcome = self.flow.stop(cl)
        elif command == "skip":
            outcome = self.flow.skip(cl)
        elif command == "back":
            outcome = self.flow.back(cl)
        elif command == "jump":
            if decision.argument is None:
                raise InvalidInput("step", f"give a step number 1–{len(self.flow.spec.steps)}")
            outcome = self.flow.jump(cl, decision.argument)
        elif command == "status":
            outcome = Outcome("status")
        else:
            outcome = self.flow.answer(cl, text)
        tool_run, computed = self._checklist_tools(cl, lang) if outcome.event == "answered" else (None, "")
        return self._checklist_reply(outcome, lang, state, session_id, tool_run, computed)

    def _checklist_tools(self, cl: ChecklistProgress, lang: str) -> tuple[ToolRun | None, str]:
        """Recompute the staffing plan and the cost comparison when their inputs change."""
        answers = cl.answers
        run, text = None, ""
        try:
            staffing = staffing_from_answers(answers)
        except InvalidInput as exc:
            log.info("checklist staffing not computed: %s", exc.message)
            staffing = None
        if staffing and staffing != cl.staffing:
            cl.staffing = staffing
            run = ToolRun(name="staffing", arguments=staffing.arguments, result=staffing.result)
            res = staffing.result
            text = t("checklist.staffing_computed", lang, agents=res["agents"],
                     contacts=number(staffing.arguments["contacts"], lang, 1),
                     fte=number(res["monthly_fte"], lang, 1), service_level=percent(res["service_level"] or 0, lang))
        costs = costs_from_answers(answers, cl.staffing)
        if costs and costs != cl.costs:
            cl.costs = costs
            run = ToolRun(name="cost_comparison", arguments=costs.arguments, result=costs.result)
            offer = costs.result["offers"][0]
            text = t("checklist.costs_computed", lang, currency=costs.result["currency"],
                     in_house=number(costs.result["in_house"]["steady_monthly"], lang),
                     offer=number(offer["steady_monthly"], lang),
                     savings=number(offer["savings_total"], lang), months=costs.result["horizon_months"])
        return run, text

    def _checklist_reply(self, outcome: Outcome, lang: str, state: SessionState, session_id: str,
                         tool_run: ToolRun | None = None, computed: str = "") -> Reply:
        cl = state.checklist_progress()
        parts: list[str] = []
        values = {k: v for k, v in outcome.values.items() if isinstance(v, (str, int, float))}
        event_key = f"checklist.{outcome.event}"
        if outcome.event == "status":
            parts.append(self._status_text(cl, lang))
        elif outcome.event not in ("answered",):
            parts.append(t(event_key, lang, **values))
        if computed:
            parts.append(computed)
        view = self._checklist_view(cl, lang)
        current = self.flow.current(cl)
        citations: list[Citation] = []
        if cl.completed:
            parts.append(t("checklist.completed", lang))
            parts.append(t("handoff.offer", lang))
        elif current is not None and cl.active:
            step, question = current
            if not outcome.ok and outcome.event.startswith(("invalid", "number_expected", "text_expected",
                                                           "out_of_range", "yes_no", "choice", "empty")):
                parts.append(t("checklist.example", lang, example=question.example[lang]))
            first_of_step = step.questions[0].id == question.id
            if first_of_step and outcome.ok:
                parts.append(t("checklist.step_header", lang, n=self.flow.step_number(step),
                               total=len(self.flow.spec.steps), title=step.title[lang]))
                parts.append(step.why[lang])
                citations = self._step_citations(step)
            parts.append(f"**{question.text[lang]}**")
        suggestions = self._checklist_suggestions(cl, lang)
        return Reply(session_id=session_id, text="\n\n".join(p for p in parts if p), language=lang,
                     intent="checklist", checklist=view, tool=tool_run, citations=citations,
                     suggestions=suggestions)

    def _step_citations(self, step: Any) -> list[Citation]:
        from assistant.citations import Citations
        from assistant.corpus import corpus_by_id

        citations = Citations(corpus_by_id(self.settings.corpus_dir))
        return [citations.quote(n, c.doc_id, c.quote) for n, c in enumerate(step.citations, 1)]

    def _status_text(self, cl: ChecklistProgress, lang: str) -> str:
        open_points = self.flow.open_points(cl)
        text = t("checklist.status", lang, done=self.flow.steps_done(cl), total=len(self.flow.spec.steps),
                 open=len(open_points))
        if open_points:
            listed = "\n".join(f"- {s.title[lang]}: {q.text[lang]}" for s, q in open_points[:5])
            text += "\n" + listed
        return text

    def _checklist_view(self, cl: ChecklistProgress, lang: str) -> ChecklistView:
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

    def _checklist_suggestions(self, cl: ChecklistProgress, lang: str) -> list[Suggestion]:
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

    def _brief_reply(self, lang: str, state: SessionState, session_id: str) -> Reply:
        from assistant.checklist.brief import build_brief, render_markdown

        cl = state.checklist_progress()
        brief = build_brief(cl, lang, self.flow, corpus_dir=self.settings.corpus_dir)
        text = t("checklist.brief_ready", lang) + "\n\n" + render_markdown(brief)
        return Reply(session_id=session_id, text=text, language=lang, intent="checklist",
                     checklist=self._checklist_view(cl, lang), suggestions=self._checklist_suggestions(cl, lang))

    def _with_checklist_reminder(self, reply: Reply, lang: str, state: SessionState) -> Reply:
        """A free question in the middle of the checklist: answer it, then resume."""
        cl = state.checklist
        current = self.flow.current(cl) if cl is not None else None
        if cl is not None and cl.running and current is not None:
            _, question = current
            reply.text += "\n\n" + t("checklist.resume", lang, question=question.text[lang])
            reply.checklist = self._checklist_view(cl, lang)
        return reply


def _checklist_active(state: SessionState) -> bool:
    """The checklist was started (a completed checklist stays active until stopped)."""
    return state.checklist is not None and state.checklist.active


def _unique(suggestions: list[Suggestion]) -> list[Suggestion]:
    seen: set[tuple[str, str | None]] = set()
    out = []
    for s in suggestions:
        if (s.action, s.value) not in seen:
            seen.add((s.action, s.value))
            out.append(s)
    return out


def _paths(arguments: dict[str, Any]) -> list[str]:
    """Argument paths: top-level keys and offers.<i>.<field>."""
    out = []
    for key, value in arguments.items():
        if key == "offers" and isinstance(value, list):
            out += [f"offers.{i}.{k}" for i, offer in enumerate(value) for k in offer]
        else:
            out.append(key)
    return out


def _has_path(arguments: dict[str, Any], path: str) -> bool:
    parts = path.split(".")
    if parts[0] == "offers" and len(parts) == 3:
        offers = arguments.get("offers") or []
        return int(parts[1]) < len(offers) and parts[2] in offers[int(parts[1])]
    return path in arguments


def _put_path(arguments: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    parts = path.split(".")
    if parts[0] == "offers" and len(parts) == 3:
        offers = [dict(o) for o in arguments.get("offers") or []]
        while len(offers) <= int(parts[1]):
            offers.append({})
        offers[int(parts[1])][parts[2]] = value
        return {**arguments, "offers": offers}
    return {**arguments, path: value}


def _choose(options: list[str], choice: str | None) -> str | None:
    """The option a clarification answer picked: "vendor" -> offers.<i>.<field>, "inhouse" -> the other."""
    for option in options:
        if (choice == "vendor") == option.startswith("offers."):
            return option
    return None


def _has_field_label(key: str) -> bool:
    from assistant.i18n import has

    return has(f"field.{key}")
