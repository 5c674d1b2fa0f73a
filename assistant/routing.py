"""Deterministic routing of a message to what the user wants.

Order matters and is the whole policy: an explicit checklist command wins; in
an active checklist a plain statement is an answer; a message with tool
figures or an explicit staffing/cost intent goes to the tools (and so does a
bare value while the engine waits for one); a greeting gets the scope message;
everything else is a question for retrieval (which may still turn out to be
off-topic when the sources don't cover it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from assistant.tools.extract import extract_arguments

RouteKind = Literal["checklist", "tool", "greeting", "question"]

# Checklist commands: a short message (at most six words, not a question)
# naming a command word in any language. Checked in this order, so "start
# over" is a restart and "export the checklist" an export.
_COMMAND_WORDS: list[tuple[str, str]] = [
    ("restart", r"restart|start over|börja om|aloita alusta|alusta|start forfra|begynd forfra|start på nytt|"
                r"begynn på nytt|börja från början"),
    ("export", r"export\w*|eksport\w*|exporter\w*|brief|underlag\w*|upphandlingsunderlag\w*|sammanfattning\w*|"
               r"yhteenveto\w*|hankinta-?asiakirja\w*|udbudsmateriale\w*|anskaffelsesgrunnlag\w*|oppsummering\w*|"
               r"download|ladda ner|lataa|hent|last ned"),
    ("status", r"status|progress|framsteg|fremdrift|fremskridt|tilanne|edistyminen|hur långt|hvor langt|missä ollaan"),
    ("back", r"back|backa|go back|previous|tillbaka|bakåt|föregående|takaisin|edelliseen|edellinen|palaa|tilbage|"
             r"tilbake|forrige"),
    ("skip", r"skip|hoppa över|hoppa|ohita|ohitetaan|ohitan|spring over|hop over|hopp over|next|nästa|seuraava|næste|"
             r"neste"),
    ("stop", r"stop|pause|paus|quit|avbryt|avsluta|sluta|lopeta|keskeytä|stopp|afbryd"),
    ("start", r"checklist\w*|checklista\w*|tjekliste\w*|sjekkliste\w*|sjekklista\w*|tarkistuslista\w*|"
              r"let'?s start|kom igång|aloitetaan"),
]
_COMMAND_RE = [(name, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)) for name, pattern in _COMMAND_WORDS]
_JUMP = re.compile(
    r"^\s*(?:(?:go|jump|skip)\s+to\s+|gå\s+till\s+|hoppa\s+till\s+|siirry\s+|mene\s+|gå\s+til\s+|hop\s+til\s+)?"
    r"(?:step|steg|steget|vaihe(?:eseen)?|trin|trinn)\s*(?:nr\.?|nro|no\.?)?\s*(\d{1,3})\s*[.!]*\s*$",
    re.IGNORECASE,
)
_THANKS_OR_HELLO = (
    r"hi|hello|hey|hiya|good (?:morning|afternoon|evening)|hej|hejsan|hejhej|tjena|tja|hallå|god ?dag|god morgon|"
    r"hei|heippa|moi|moikka|terve|huomenta|päivää|hejsa|goddag|godmorgen|hallo|heisann|morn|thanks|thank you|thx|"
    r"tack|tackar|kiitos|kiitti|tak|takk|tusind tak|tusen takk|mange tak|mange takk|tack så mycket|kiitos paljon"
)
_GREETING = re.compile(
    rf"^\s*(?:(?:{_THANKS_OR_HELLO})[\s,!.]*)+(?:(?:there|du|alle|kaikille|again|så mycket|så mye|så meget|paljon|"
    rf"for (?:the )?help|för hjälpen|for hjelpen|for hjælpen|avusta|avustasi|so much|a lot)[\s,!.]*)?\W{{0,3}}$",
    re.IGNORECASE,
)
# Explicit tool intents: a question *about* costs ("is outsourcing cheaper?")
# is a corpus question; these ask for a calculation.
_STAFFING_INTENT = re.compile(
    r"how many (?:agents|people|staff|fte|advisors|employees)|hur många (?:agenter|handläggare|medarbetare|personer|"
    r"anställda|fte)|montako (?:agenttia|henkilöä|työntekijää|asiakaspalvelijaa)|kuinka monta (?:agenttia|henkilöä)|"
    r"hvor mange (?:agenter|medarbejdere|ansatte|personer|folk|fte)|bemanning|bemanding|staffing|erlang|"
    r"henkilöstömitoitu\w*|henkilöstötarve\w*|henkilöstötarpee\w*|mitoitu\w*|mitoita\w*|calculate staff|"
    r"räkna (?:på )?bemanning|"
    r"beregn bemanding|regn ut bemanning|laske henkilöstö",
    re.IGNORECASE,
)
# "compare/calculate ... cost" in one message asks for the cost tool.
_CALCULATE = r"(?:compare|calculate|jämför|räkna\w*|vertaa|vertailla|laske\w*|sammenlign\w*|beregn\w*|regn\w* ut)"
_COST_WORD = r"(?:cost\w*|kost\w*|kustannu\w*|omkostning\w*|pris\w*|price\w*|hinta\w*|hinno\w*|maksa\w*)"
_COST_CALCULATION = re.compile(rf"\b{_CALCULATE}\b.*\b{_COST_WORD}|\b{_COST_WORD}.*\b(?:mot|kontra|vs\.?|versus|"
                               r"against|verrattuna|sammenlignet)\b", re.IGNORECASE)
_COST_INTENT = re.compile(
    r"compare (?:the )?costs?|cost comparison|in-?house vs|vs\.? outsourc|jämför (?:kostnaden|kostnader)|"
    r"kostnadsjämförelse|vertaa (?:kustannuksia|kustannukset)|kustannusvertailu|sammenlign (?:omkostning|kostnad)\w*|"
    r"omkostningssammenligning|kostnadssammenligning|break-?even|calculate (?:the )?cost|räkna på kostnad\w*|"
    r"laske kustannukset|beregn omkostning\w*|regn ut kostnad\w*",
    re.IGNORECASE,
)


@dataclass
class Route:
    kind: RouteKind
    command: str | None = None  # checklist command, or "answer"
    argument: Any = None  # jump target, tool name
    extraction: Any = None


_ANYWHERE = ("start", "restart")
# Words that may come before a command ("ok, skip this", "please go back").
_COURTESY = re.compile(
    r"^(?:(?:ok(?:ay|ej)?|please|pls|let'?s|so|then|and|yes|no|ja|nej|nei|jo|okei|selvä|niin|sitten|och|og|så|"
    r"gärna|gerne|gjerne|tack|takk|tak|kiitos|go|gå|mennään)[\s,.!]+)+",
    re.IGNORECASE,
)


def checklist_command(message: str, *, answering: bool = False) -> tuple[str, Any] | None:
    """The checklist command a short message gives, if any.

    While a checklist question waits for its answer (`answering`), a message of
    three words or more is a command only when it starts with one ("skip this
    one", "ok, go back"); otherwise it is an answer that happens to contain a
    command word ("we export furniture", "mostly status questions"). Starting
    or restarting the checklist counts anywhere.
    """
    words = message.split()
    if len(words) > 6 or is_question(message):
        return None
    jump = _JUMP.match(message)
    if jump:
        return "jump", int(jump.group(1))
    head = _COURTESY.sub("", message.strip()) if answering and len(words) >= 3 else None
    for name, pattern in _COMMAND_RE:
        # Naming the checklist itself ("start the checklist again") is never an answer.
        found = pattern.search(message) if head is None or name in _ANYWHERE else pattern.match(head)
        if found:
            return name, None
    return None


def is_question(message: str) -> bool:
    return message.rstrip().endswith("?")


def route(message: str, language: str, state: dict[str, Any]) -> Route:
    checklist = state.get("checklist") or {}
    active = bool(checklist.get("active")) and not checklist.get("completed")
    command = checklist_command(message, answering=active)
    if command is not None:
        name, arg = command
        # "next"/"back"/"status" mean nothing outside the checklist; "start"
        # and "brief" work anywhere.
        if active or name in ("start", "restart", "export", "jump", "status"):
            return Route("checklist", name, arg)
    pending = state.get("pending_tool")
    expected = state.get("awaiting")
    if pending and not is_question(message):
        extraction = extract_arguments(message, tool=pending, expected=expected, language=language)
        if extraction.arguments:
            return Route("tool", argument=pending, extraction=extraction)
    if active and not is_question(message):
        return Route("checklist", "answer")
    intent = None
    if _STAFFING_INTENT.search(message):
        intent = "staffing"
    elif _COST_INTENT.search(message) or _COST_CALCULATION.search(message):
        intent = "cost_comparison"
    extraction = extract_arguments(message, tool=intent, language=language)
    if intent or (extraction.tool and _has_figures(extraction.arguments)):
        return Route("tool", argument=intent or extraction.tool, extraction=extraction)
    if _GREETING.match(message):
        return Route("greeting")
    return Route("question")


def _has_figures(arguments: dict[str, Any]) -> bool:
    """At least two tool figures: one number in a question ("the first 3 months")
    is not a calculation request."""
    return len([k for k in arguments if k not in ("interval_minutes", "currency")]) >= 2
