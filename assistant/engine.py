"""The conversation engine: `Assistant.reply(session_id, message) -> Reply`.

Every surface (HTTP API, widget, Slack, CLI, evals) calls this one object, and
only its public methods: replies and button actions, and what a surface reads
or changes about a session besides (its view, history, feedback, deletion,
token check, the brief), the leads, the insights report and the health of the
database. The surfaces never reach into the session store.

A turn is orchestration only: detect the language, route the message
(`assistant.routing`), hand it to the handler for its kind (the checklist, a
tool, a greeting, a question), and store both turns with the new state in one
atomic save (`SessionStore.update`): concurrent messages to a session are
serialised, and no database lock is held while a reply is being worked out.
The handlers call the parts that decide (`assistant.checklist.flow`,
`assistant.tools.conversation`, the retriever and the answerers) and the parts
that say it (`assistant.rendering`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answering.offline import Answer, OfflineAnswerer
from assistant.checklist.compute import update_figures
from assistant.checklist.flow import ChecklistFlow
from assistant.errors import AssistantError, InvalidInput, NotFound
from assistant.i18n import t
from assistant.index_watch import RetrieverHolder
from assistant.language import SUPPORTED, detect_language, is_unsupported_language
from assistant.rendering import answers as answer_replies
from assistant.rendering import tools as tool_replies
from assistant.rendering.checklist import ChecklistRendering
from assistant.rendering.suggestions import checklist_active
from assistant.reply import ACTIONS, ChecklistView, Reply
from assistant.routing import Route, RouteKind, route
from assistant.settings import Settings, get_settings
from assistant.state import SessionState, SessionView
from assistant.tools import missing_arguments, request_arguments
from assistant.tools.conversation import fill_slots, run_tool
from assistant.tools.extract import Extraction
from assistant.user_text import clean_user_text

if TYPE_CHECKING:
    from datetime import timedelta

    from assistant.insights import InsightsReport
    from assistant.leads import LeadStore
    from assistant.store import CreatedSession, Feedback, SessionStore, SessionTxn, Turn

log = logging.getLogger("assistant.engine")


def clean_message(message: Any, max_chars: int) -> str:
    """A user message, normalised; empty or oversized input is a clear error."""
    return clean_user_text(message, max_chars, "message", keep_newlines=True)


@dataclass
class TurnContext:
    """One message on its way through a handler: where routing sent it, in which
    language, and the session's state (which the handler changes)."""

    decision: Route
    text: str
    lang: str
    state: SessionState
    session_id: str
    on_delta: Callable[[str], None] | None = None
    embed: Callable[[], Any] | None = None


Handler = Callable[[TurnContext], Reply]


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
        self._event_ledger: Any = None
        self._labels_by_language: dict[str, frozenset[str]] = {}
        self._answerer: OfflineAnswerer | None = None
        self._intents: Any = None
        if llm_answerer is None and self.settings.llm:
            from assistant.answering.llm import build_llm_answerer

            llm_answerer = build_llm_answerer(self.settings)
        self._llm = llm_answerer
        self.flow = ChecklistFlow(corpus_dir=self.settings.corpus_dir)
        self.checklist_rendering = ChecklistRendering(self.flow, self.settings.corpus_dir)
        #: What each kind of route is answered by.
        self._handlers: dict[RouteKind, Handler] = {
            "checklist": self._checklist,
            "tool": self._tool,
            "greeting": self._greeting,
            "question": self._question,
        }
        #: What a suggestion's action does, by its kind ("ask", "checklist.<command>", "tool.<name>").
        self._actions: dict[str, Callable[[str, str, str | None], Reply]] = {
            "ask": self._ask_action,
            "checklist": self._checklist_action,
            "tool": self._tool_action,
        }

    # -- lazily built parts (the CLI's tool commands never pay for them) --
    @property
    def retriever(self) -> Any:
        """The retriever of the current index build (a newer build is picked up while running)."""
        return self._retrievers.get()

    @property
    def retriever_loaded(self) -> bool:
        return self._retrievers.loaded

    def _load_retriever(self, first: bool) -> Any:
        from assistant.retrieval import load_search

        return load_search(self.settings, auto_rebuild=None if first else False)

    @property
    def store(self) -> SessionStore:
        """The session store (the engine's own; surfaces read and change sessions through
        the methods below)."""
        if self._store is None:
            from assistant.store import SessionStore

            self._store = SessionStore(self.settings.database_url)
        return self._store

    def claim_event(self, event_id: str) -> bool:
        """True for the first delivery of a chat platform's event id (do the work), False
        for a redelivery; shared by every replica on the same database. Needs no index."""
        if self._event_ledger is None:
            from assistant.store.event_ledger import EventLedger

            self._event_ledger = EventLedger(lambda: self.store)
        return bool(self._event_ledger.claim(event_id))

    def background_worker(self, senders: dict[str, Any]) -> Any:
        """The worker that delivers queued leads through `senders` and runs the retention
        purge, on this engine's store (not started)."""
        from assistant.leads import BackgroundWorker

        return BackgroundWorker(self.settings, self.store, senders)

    @property
    def intents(self) -> Any:
        """The exemplar intent classifier over the retriever's embeddings (None without embeddings)."""
        if self._intents is None:
            embeddings = getattr(self.retriever, "embeddings", None)
            if embeddings is None or not hasattr(embeddings, "embed_queries_np"):
                return None
            from assistant.intents import IntentClassifier

            self._intents = IntentClassifier(embeddings, cache_dir=Path(self.settings.index_dir) / "cache",
                                             build_dir=getattr(getattr(self.retriever, "index", None), "path", None))
        return self._intents

    def warm_up(self) -> None:
        """Load now what the first answer would otherwise load: the index, the language
        tables, the routing vocabulary and catalog, the intent exemplars, the store's
        schema, and the embedding engine's first call (~0.7 s of one-time set-up)."""
        from assistant.i18n import catalog
        from assistant.language import detect_language, is_unsupported_language
        from assistant.lexicon import vocabulary

        retriever = self.retriever
        detect_language("warm up the language models")
        is_unsupported_language("warm up the language models")
        vocabulary()
        catalog()
        self.answerer
        self.store
        classifier = self.intents
        if classifier is not None:
            classifier.classify(retriever.embeddings.embed_query_np("warm up the embedding engine"))

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

        return build_insights(self.store, self.retriever, since=since, language=language, flow=self.flow)

    # -- conversation --
    def reply(self, session_id: str, message: str, on_delta: Callable[[str], None] | None = None, *,
              token: str | None = None) -> Reply:
        """Answer `message` in the session and store both turns; the Reply's `turn`
        is the stored assistant turn's number (what feedback and sharing name).

        Without `token` an unknown session is created; with it the session must exist
        and `token` must be its secret (`NotFound` otherwise, as `verify_token` would
        say): the HTTP API checks the visitor's token on the row the turn reads anyway.

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
            reply = self._handlers[decision.kind](TurnContext(decision, text, language, state, txn.id,
                                                              on_delta, embed))
            if notice:
                reply.notice = notice
                reply.text = f"{notice}\n\n{reply.text}"
            txn.language = language
            return reply

        return self._exchange(session_id, text, answer, create=True, token=token)

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
        kind, _, name = action.partition(".")
        return self._actions[kind](session_id, name, value)

    def _ask_action(self, session_id: str, _name: str, value: str | None) -> Reply:
        if not value:
            raise InvalidInput("value", "is required for 'ask': the question to send")
        return self.reply(session_id, value)

    def _checklist_action(self, session_id: str, command: str, value: str | None) -> Reply:
        if command == "answer" and not value:
            raise InvalidInput("value", "is required for 'checklist.answer': the answer")
        if command == "export":
            return self._exchange(session_id, command, lambda txn, state: self._brief_reply(
                txn.language or self.settings.default_language, state, txn.id), create=True)
        if self.session_view(session_id) is None:
            self.create_session(session_id=session_id)
        return self.checklist_action(session_id, command, answer=value)

    def _tool_action(self, session_id: str, tool: str, _value: str | None) -> Reply:
        def start(txn: SessionTxn, state: SessionState) -> Reply:
            lang = txn.language or self.settings.default_language
            state.pending_tool, state.last_tool = tool, None
            state.slots[tool] = {}
            decision = Route("tool", argument=tool, extraction=Extraction(tool=tool))
            return self._tool(TurnContext(decision, f"tool.{tool}", lang, state, txn.id))

        return self._exchange(session_id, f"tool.{tool}", start, create=True)

    def checklist_action(self, session_id: str, command: str, answer: str | None = None,
                         step: int | None = None) -> Reply:
        """A checklist button (start, answer, skip, back, jump, status, restart) without
        routing: what the widget's buttons and the Slack actions call."""
        if command not in self.flow.commands:
            raise InvalidInput("command", f"must be one of {', '.join(sorted(self.flow.commands))}")
        text = clean_message(answer, self.settings.max_message_chars) if command == "answer" else command

        def act(txn: SessionTxn, state: SessionState) -> Reply:
            lang = txn.language or self.settings.default_language
            if command == "answer":
                lang, _ = self._language(text, txn.language)
            elif not checklist_active(state) and command not in ("start", "restart", "jump"):
                raise InvalidInput("command", "the checklist is not running; start it first")
            reply = self._checklist(TurnContext(Route("checklist", command, step), text, lang, state, txn.id))
            txn.language = lang
            return reply

        return self._exchange(session_id, text, act, create=False)

    def _exchange(self, session_id: str, text: str, respond: Callable[[SessionTxn, SessionState], Reply], *,
                  create: bool, token: str | None = None) -> Reply:
        """Run `respond` on the session's state and save it with the two new turns.

        The store keeps the state as plain JSON; `respond` gets it typed, and
        what it changed is written back as JSON before the save.

        The store's `exchange` owns the retry policy (optimistic first, then under
        the session's lock when another process saved the session meanwhile).
        """
        def exchange(txn: SessionTxn) -> Reply:
            state = SessionState.from_json(txn.state)
            reply = respond(txn, state)
            txn.state = state.to_json()
            txn.append("user", text)
            reply.turn = txn.append("assistant", reply.text, reply.model_dump(mode="json", exclude={"turn"})).seq
            return reply

        return self.store.exchange(session_id, exchange, create=create, token=token)

    def checklist_view(self, session_id: str) -> ChecklistView | None:
        """Where the session's checklist is (None before it was ever started)."""
        session = self._session(session_id)
        cl = session.state.checklist
        lang = session.language or self.settings.default_language
        return self.checklist_rendering.view(cl, lang) if cl is not None else None

    def brief(self, session_id: str, language: str | None = None) -> dict[str, Any]:
        """The procurement brief (JSON schema v1) in the session's language; allowed when empty."""
        session = self._session(session_id)
        lang = language or session.language or self.settings.default_language
        if lang not in SUPPORTED:
            raise InvalidInput("language", f"must be one of {', '.join(SUPPORTED)}")
        return self._build_brief(session.state, lang)

    def _build_brief(self, state: SessionState, lang: str) -> dict[str, Any]:
        from assistant.checklist.brief import build_brief

        return build_brief(state.checklist_progress(), lang, self.flow, corpus_dir=self.settings.corpus_dir)

    # -- language --
    def _choice_labels(self, language: str) -> frozenset[str]:
        labels = self._labels_by_language
        if language not in labels:
            labels[language] = frozenset(choice.label[language].strip().casefold()
                                         for step in self.flow.spec.steps for question in step.questions
                                         for choice in question.choices)
        return labels[language]

    def _language(self, text: str, session_language: str | None) -> tuple[str, str | None]:
        fallback = session_language or self.settings.default_language
        if session_language and text.strip().casefold() in self._choice_labels(session_language):
            # a checklist choice in the conversation's language ("SEK (Swedish krona)") is an
            # answer, whatever its words look like
            return session_language, None
        if is_unsupported_language(text):
            return fallback, t("scope.unsupported_language", fallback)
        # Only an established conversation language is sticky; the default is not.
        if session_language:
            return detect_language(text, fallback=fallback) or fallback, None
        return detect_language(text, fallback=fallback, switch_confidence=0.5, switch_min_words=0) or fallback, None

    # -- handlers: one per kind of route --
    def _greeting(self, turn: TurnContext) -> Reply:
        reply = answer_replies.scope_reply("scope.greeting", "greeting", turn.lang, turn.session_id, turn.state)
        return self._remind(reply, turn)

    def _question(self, turn: TurnContext) -> Reply:
        lang, state, session_id = turn.lang, turn.state, turn.session_id
        answer = self._answer(turn.text, lang, turn.on_delta, turn.embed)
        offered = turn.decision.offer_checklist and not checklist_active(state)
        if not answer.covered:
            if offered:
                return self._remind(answer_replies.offer_reply(lang, session_id, state), turn)
            return self._remind(answer_replies.declined_reply(lang, session_id, state), turn)
        return self._remind(answer_replies.answer_reply(answer, lang, session_id, state, offered=offered), turn)

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

    def _tool(self, turn: TurnContext) -> Reply:
        """Fill the tool's slots from the message; ask for what is missing, or run it."""
        decision, lang, state, session_id = turn.decision, turn.lang, turn.state, turn.session_id
        tool = decision.argument
        fill = fill_slots(state, tool, command=decision.command, extraction=decision.extraction,
                          choice=decision.signals.get("choice"))
        if fill.ambiguous is not None:
            state.pending_tool, state.awaiting = tool, None
            state.clarify = fill.ambiguous.model_copy(deep=True)
            return tool_replies.clarify_reply(fill, lang, session_id)
        missing = missing_arguments(tool, fill.arguments)
        if missing:
            state.pending_tool, state.awaiting = tool, missing[0]
            return self._remind(tool_replies.missing_reply(fill, missing, lang, session_id, state), turn)
        state.pending_tool, state.awaiting, state.last_tool = None, None, tool
        request = request_arguments(tool, fill.arguments)
        try:
            run, result = run_tool(tool, request)
        except InvalidInput as exc:
            field = exc.field.split(".")[0].split("[")[0]
            state.pending_tool, state.awaiting = tool, field
            state.slots[tool] = {k: v for k, v in fill.arguments.items() if k != field}
            return tool_replies.invalid_reply(tool, field, exc.message, lang, session_id, state)
        return self._remind(tool_replies.result_reply(fill, request, run, result, lang, session_id, state), turn)

    def _checklist(self, turn: TurnContext) -> Reply:
        """A checklist command (or an answer); an answer may complete a figure's inputs."""
        cl = turn.state.checklist_progress()
        command = turn.decision.command
        if command == "export":
            return self._brief_reply(turn.lang, turn.state, turn.session_id)
        outcome = self.flow.apply(cl, command, text=turn.text, step=turn.decision.argument)
        figure = update_figures(cl) if outcome.event == "answered" else None
        return self.checklist_rendering.reply(outcome, turn.lang, cl, turn.session_id, figure)

    def _brief_reply(self, lang: str, state: SessionState, session_id: str) -> Reply:
        brief = self._build_brief(state, lang)
        return self.checklist_rendering.brief_reply(brief, state.checklist_progress(), lang, session_id)

    def _remind(self, reply: Reply, turn: TurnContext) -> Reply:
        """In the middle of the checklist, a reply to something else ends with the open question."""
        return self.checklist_rendering.with_reminder(reply, turn.lang, turn.state)
