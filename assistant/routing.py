"""Routing a message to what the user wants: checklist, tools, greeting or a question.

Two signals, cheap one first:

1. **Word forms and figures** (`assistant.lexicon`, `assistant.tools.extract`):
   checklist commands, the checklist named in any inflection ("checklistan",
   "tarkistuslistan"), a staffing or cost request ("how many agents",
   "compare ... cost", "lönar det sig" with figures), tool figures, greetings,
   and preparing a procurement ("what do we need to prepare before
   outsourcing"). These rules are decisive when they fire.
2. **Nearest exemplars of the e5 query vector** (`assistant.intents`), asked
   for only when the rules are not decisive. `embed` is a callable the engine
   memoises, so the vector is computed at most once per turn, and only when
   needed; retrieval then reuses it.

Context comes first and is the whole policy around the signals: an explicit
checklist command wins; a value for the tool that is waiting for one (or an
answer to "which one did you mean?") continues it; a correction after a
computed result ("actually AHT is 5 minutes") recomputes it; in an active
checklist a plain statement is an answer. A message about preparing or running
a procurement that does not ask for the checklist gets its question answered
and the checklist offered (`offer_checklist`).

`mode` ("lexical", "embedding", "combined") chooses which signal decides a
fresh message, so each can be measured alone (`evals/routing_signals.py`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.lexicon import Annotation, Token, tokenize, vocabulary
from assistant.state import SessionState
from assistant.tools.extract import Extraction, extract_arguments

RouteKind = Literal["checklist", "tool", "greeting", "question"]
Mode = Literal["lexical", "embedding", "combined"]
COMMANDS: tuple[str, ...] = ("restart", "export", "status", "back", "skip", "stop", "start")
# "next"/"back"/"skip" mean nothing outside the checklist; these work anywhere.
COMMANDS_ANYWHERE = ("start", "restart", "export", "jump", "status")
_ANYWHERE = ("start", "restart")  # count anywhere in a message, even while answering
#: How far the best exemplar intent must lead the runner-up to decide.
MARGIN = {"checklist": 0.02, "staffing": 0.03, "cost_comparison": 0.03, "greeting": 0.03}


@dataclass
class Route:
    kind: RouteKind
    command: str | None = None  # checklist command ("answer" for an answer), or "clarify" / "correct" for tools
    argument: Any = None  # jump target, tool name
    extraction: Extraction | None = None
    offer_checklist: bool = False
    #: How the decision was made: "context", "lexical" or "embedding" (+ the exemplar intent scores).
    signals: dict[str, Any] = field(default_factory=dict)


@dataclass
class Lexed:
    tokens: list[Token]
    annotation: Annotation

    def has(self, *concepts: str) -> bool:
        return any(self.annotation.has(c) for c in concepts)

    def words(self) -> list[int]:
        return [i for i, t in enumerate(self.tokens) if t.kind != "sym"]


def lex(message: str, language: str) -> Lexed:
    tokens = tokenize(message.lower(), language)
    return Lexed(tokens, vocabulary().annotate(tokens, language))


def is_question(message: str) -> bool:
    return message.rstrip().endswith("?")


_IF = {"if", "om", "hvis", "jos", "entä", "entäs"}
_AND = {"and", "och", "og", "ja"}


def _replaces(extraction: Extraction, previous: Mapping[str, Any]) -> bool:
    """A question that gives a new value for an offer already on the table ("He pudottivat juuri hintaa
    2,60 euroon, muuttuuko tilanne?"): a recompute, not a question for the articles."""
    return bool(extraction.slots.get("offers")) and bool(previous.get("offers"))


def _opens_with_if(message: str) -> bool:
    """"om volumet faller til 17 500?", "if AHT drops to 4 min?": a question that opens with "if"."""
    words = re.findall(r"\w+", message.lower())[:2]
    return bool(words) and (words[0] in _IF or (len(words) == 2 and words[0] in _AND and words[1] in _IF))


def _statement_part(message: str) -> str:
    """The sentences before a message's last one ("Vi fick ett bud till: 7,20 kr/min. Hur står den sig?")."""
    parts = re.split(r"(?<=[.!;:\n])\s+", message.strip())
    return " ".join(parts[:-1])


def _jump(lx: Lexed) -> int | None:
    """ "step 7", "gå till steg 3", "siirry vaiheeseen 6", "trin 2": the step number."""
    words = lx.words()
    for n, i in enumerate(words):
        if lx.annotation.at(i).get("step"):
            rest = [j for j in words[n + 1:]]
            while rest and lx.tokens[rest[0]].text in ("nr", "nro", "no", "number", "nummer", "numero"):
                rest = rest[1:]
            before = words[:n]
            ok_before = all(lx.annotation.covers(j, "go_to") or lx.annotation.covers(j, "courtesy")
                            or lx.tokens[j].text in ("to", "till", "til", "the") for j in before)
            if ok_before and len(rest) == 1 and lx.tokens[rest[0]].kind == "num" and lx.tokens[rest[0]].text.isdigit() \
                    and len(lx.tokens[rest[0]].text) <= 3:
                return int(lx.tokens[rest[0]].text)
    return None


def checklist_command(message: str, *, answering: bool = False, language: str = "en",
                      lexed: Lexed | None = None) -> tuple[str, Any] | None:
    """The checklist command a short message gives, if any.

    While a checklist question waits for its answer (`answering`), a message of
    three words or more is a command only when it starts with one ("skip this
    one", "ok, go back"); otherwise it is an answer that happens to contain a
    command word ("we export furniture", "mostly status questions"). Naming the
    checklist itself, or starting over, counts anywhere. Commands are matched in
    every language: short messages are too short to detect the language from,
    and people type "hoppa över" in a conversation the assistant holds in English.
    """
    words = message.split()
    if len(words) > 6 or is_question(message):
        return None
    lx = lex(message, "any")
    jump = _jump(lx)
    if jump is not None:
        return "jump", jump
    word_index = lx.words()
    first = 0
    if answering and len(words) >= 3:
        while first < len(word_index) and lx.annotation.covers(word_index[first], "courtesy") and not any(
                lx.annotation.at(word_index[first]).get(f"cmd_{c}") for c in COMMANDS if c != "start"):
            first += 1
    head = word_index[first] if first < len(word_index) else None
    for name in COMMANDS:
        concepts = ("checklist", "cmd_start_alone") if name == "start" else (f"cmd_{name}",)
        spans = [s for c in concepts for s in lx.annotation.spans(c)]
        if not spans:
            continue
        if name == "start" and not lx.annotation.has("checklist") and len(word_index) > 4:
            continue  # "let's start" alone, not inside a longer message
        if answering and len(words) >= 3 and name not in _ANYWHERE:
            if head is None or not any(start == head for start, _ in spans):
                continue
        return name, None
    return None


def checklist_language(text: str) -> str | None:
    """The language whose word for the checklist `text` is ("checklistan" -> sv,
    "tarkistuslista" -> fi, "checklist" -> en), or None."""
    from assistant.language import SUPPORTED

    concept = vocabulary()["checklist"]
    for language in ("en", *[lang for lang in SUPPORTED if lang != "en"]):
        tokens = tokenize(text.lower().strip(" .,!:"), language)
        if any(p.match_at(tokens, 0) == len(tokens) for p in concept.phrases.get(language, [])) and tokens:
            return language
    return None


def _staffing_intent(lx: Lexed) -> bool:
    if lx.has("staffing_word"):
        return True
    if lx.has("how_many") and lx.has("fte_noun"):
        return True
    return lx.has("calculate") and lx.has("fte_noun") and lx.has("need")


_STAFFING_FIGURES = ("service_level", "answer_seconds", "contacts", "contacts_per_day", "shrinkage", "max_occupancy")


def _staffing_figures(free: Extraction) -> bool:
    """Figures only a staffing plan uses, or none at all ("how many agents then?")."""
    return not free.slots or any(k in free.slots for k in _STAFFING_FIGURES)


def _cost_figures_only(free: Extraction) -> bool:
    """The figures (read without a tool in mind) are costs (vendors' prices, salaries, on-costs)
    and nothing a staffing plan needs."""
    staffing_figures = _STAFFING_FIGURES[:5]
    cost_figures = ("offers", "monthly_salary", "loaded_cost_per_fte_month", "team_cost_month", "employer_oncost_pct",
                    "overhead_per_fte_month")
    return free.tool == "cost_comparison" and any(free.slots.get(k) for k in cost_figures) \
        and not any(k in free.slots for k in staffing_figures)


def _cost_intent(lx: Lexed, extraction: Extraction) -> bool:
    ann = lx.annotation
    if (ann.has("compare") or ann.has("calculate")) and (ann.has("cost") or ann.has("payoff")):
        return True
    if ann.has("compare") and ann.has("vendor") and ann.has("inhouse"):
        return True
    money = extraction.tool == "cost_comparison" and bool(extraction.slots)
    return ann.has("payoff") and money


def _checklist_request(lx: Lexed, message: str) -> Literal["start", "offer"] | None:
    """The checklist named ("start", or "offer" for a question about it), or a
    message about preparing a procurement / an outsourcing ("offer")."""
    if lx.has("checklist"):
        if lx.has("start_verb", "prepare", "cmd_start_alone", "request_modal") or not is_question(message):
            return "start"
        return "offer"
    if lx.has("prepare") and lx.has("procurement", "outsource"):
        return "offer"
    if lx.has("procurement") and lx.has("start_verb", "need", "calculate"):
        return "offer"
    return None


def _greeting(lx: Lexed) -> bool:
    words = lx.words()
    if not words or len(words) > 8 or any(lx.tokens[i].kind == "num" for i in words):
        return False
    ann = lx.annotation
    if not ann.has("greeting"):
        return False
    return all(ann.covers(i, "greeting") or ann.covers(i, "greeting_filler") or ann.covers(i, "courtesy")
               for i in words)


def _has_figures(extraction: Extraction) -> bool:
    """At least two tool figures (offer terms and a value whose slot is ambiguous
    count one each): one number in a question ("the first 3 months") is not a
    calculation request."""
    slots = extraction.slots
    count = len([k for k in slots if k not in ("interval_minutes", "currency", "offers")])
    count += sum(len(o) for o in slots.get("offers") or []) + len(extraction.ambiguous)
    return count >= 2


def route(message: str, language: str, state: SessionState | Mapping[str, Any], *,
          embed: Callable[[], Any] | None = None, classifier: Any = None, mode: Mode = "combined") -> Route:
    """Where `message` goes, given the session `state` (see the module docstring).

    `state` may also be given as the stored JSON object (what the evaluations
    and the tests write by hand: `{"last_tool": "staffing"}`)."""
    state = SessionState.coerce(state)
    lx = lex(message, language)
    active = state.checklist_running
    command = checklist_command(message, answering=active, language=language)
    if command is not None:
        name, arg = command
        if active or name in COMMANDS_ANYWHERE:
            return Route("checklist", name, arg, signals={"by": "context"})
    pending = state.pending_tool
    question = is_question(message)
    if pending and state.clarify is not None:
        choice = _clarification(lx)
        if choice is not None:
            return Route("tool", "clarify", pending, signals={"by": "context", "choice": choice})
    if pending and not question:
        extraction = extract_arguments(message, tool=pending, expected=state.awaiting, language=language,
                                       previous=state.slots.get(pending))
        if extraction.slots:
            return Route("tool", argument=pending, extraction=extraction, signals={"by": "context"})
    if active and not question:
        return Route("checklist", "answer", signals={"by": "context"})
    # the message's figures read with no tool in mind: needed by a correction's check and by the word
    # rules, read once
    free = functools.cache(lambda: extract_arguments(message, language=language))
    last = state.last_tool
    if last and not pending:
        extraction = extract_arguments(message, tool=last, language=language, previous=state.slots.get(last))
        # a statement with figures corrects the result; a question only when it asks "what if", to
        # add a value or "how many then", or when its figures stand in a sentence before it ("…: 7,20
        # kr/min. Hur står den sig?"); "Is 30 % shrinkage normal?" is a question for the articles
        correcting = not question or lx.has("correction", "what_if", "add_value", "how_many") or _opens_with_if(
            message) or _replaces(extraction, state.slots.get(last) or {}) or bool(
            extraction.slots and (told := _statement_part(message)) and extract_arguments(
                told, tool=last, language=language, previous=state.slots.get(last)).slots)
        # (the other tool's words with its own figures: "Okej, nu kostnadssidan: … Vad blir billigast?")
        # (staffing words that only staff the offer are no staffing request: "de bemanner med egne 18 FTE, ikke 20")
        other = _staffing_intent(lx) and _staffing_figures(free()) if last == "cost_comparison" else (_cost_intent(
            lx, extract_arguments(message, tool="cost_comparison", language=language) if lx.has("payoff")
            else extraction) or _cost_figures_only(free()))
        if extraction.slots and correcting and not other and not lx.has("checklist"):
            return Route("tool", "correct", last, extraction=extraction, signals={"by": "context"})
    if mode == "embedding":
        return _by_embedding(message, language, lx, embed, classifier, strict=False) or Route(
            "question", signals={"by": "embedding"})
    decided = _by_words(message, language, lx, free())
    if decided is not None:
        return decided
    if mode == "combined":
        learned = _by_embedding(message, language, lx, embed, classifier, strict=True)
        if learned is not None:
            return learned
    return Route("question", signals={"by": "lexical"})


def _asks_about_the_topic(lx: Lexed, message: str, extraction: Extraction, language: str) -> bool:
    """A yes/no question that names staffing but gives no figures and asks for no
    calculation ("Is round-the-clock staffing easier abroad?") is for the articles."""
    if not is_question(message) or extraction.slots or lx.has("calculate", "how_many"):
        return False
    # a request is put with a modal at the start ("Kan du…", "Could you…"); elsewhere a
    # modal-looking word is part of the question ("…lettere…" is not "let's")
    head = " ".join(message.split()[:2])
    return not lex(head, language).has("request_modal")


def _by_words(message: str, language: str, lx: Lexed, free: Extraction) -> Route | None:
    """`free`: the message's figures read with no tool in mind."""
    request = _checklist_request(lx, message)
    if request == "start":
        return Route("checklist", "start", signals={"by": "lexical"})
    staffing = _staffing_intent(lx)
    if staffing and _cost_figures_only(free):
        staffing = False  # "same headcount", "he arvioivat tarvitsevansa 11 htv": words of staffing, figures of costs
    extraction = extract_arguments(message, tool="staffing", language=language) if staffing else free
    if staffing and _asks_about_the_topic(lx, message, extraction, language):
        staffing = False
        extraction = free
    cost = not staffing and _cost_intent(lx, extraction)
    if cost and extraction.tool != "cost_comparison":
        extraction = extract_arguments(message, tool="cost_comparison", language=language)
    if staffing or cost:
        tool = "staffing" if staffing else "cost_comparison"
        return Route("tool", argument=tool, extraction=extraction, signals={"by": "lexical"})
    if extraction.tool and _has_figures(extraction):
        return Route("tool", argument=extraction.tool, extraction=extraction, signals={"by": "lexical"})
    if _greeting(lx):
        return Route("greeting", signals={"by": "lexical"})
    if request == "offer":
        return Route("question", offer_checklist=True, signals={"by": "lexical"})
    return None


def _by_embedding(message: str, language: str, lx: Lexed, embed: Callable[[], Any] | None, classifier: Any,
                  *, strict: bool) -> Route | None:
    """The exemplar vote. `strict` (combined mode): a tool needs a word of its
    own kind in the message too, so a question that merely sounds like a
    calculation ("what does a minute cost at vendors today?") stays a question."""
    if embed is None or classifier is None:
        return None
    scores = classifier.classify(embed())
    best, margin = scores.best, scores.margin
    signals = {"by": "embedding", "intent": best, "margin": round(margin, 4),
               "scores": {k: round(v, 4) for k, v in scores.scores.items()}}
    if best == "question" or margin < MARGIN.get(best, 0.0):
        return Route("question", signals=signals) if not strict else None
    if best == "checklist":
        return Route("question", offer_checklist=True, signals=signals)
    if best == "greeting":
        if len(lx.words()) <= 6:
            return Route("greeting", signals=signals)
        return None
    if strict:
        support = lx.has("fte_noun", "how_many", "need", "calculate", "staffing_word") if best == "staffing" else \
            lx.has("compare", "calculate", "payoff")
        if not support:
            return None
    extraction = extract_arguments(message, tool=best, language=language)
    return Route("tool", argument=best, extraction=extraction, signals=signals)


def _clarification(lx: Lexed) -> str | None:
    """The answer to "yours or the vendor's?": "vendor", "inhouse" or None."""
    vendor = lx.has("vendor")
    inhouse = lx.has("inhouse")
    if vendor and not inhouse:
        return "vendor"
    if inhouse and not vendor:
        return "inhouse"
    return None
