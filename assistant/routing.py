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

# Checklist commands, all languages. Matched against the whole (short) message.
_COMMANDS: dict[str, str] = {
    "start": r"(?:start|begin|starta|börja|påbörja|aloita|aloitetaan|begynd|start(?:e)?|kom igång|let'?s start)"
    r"(?:\s+(?:the|a|en|ett|på|med|på nytt)?\s*(?:checklist\w*|tjekliste\w*|sjekkliste\w*|tarkistuslista\w*|"
    r"tarkistuslistan|checklistan))?|(?:checklist\w*|checklista\w*|tjekliste\w*|sjekkliste\w*|tarkistuslista\w*)",
    "skip": r"skip|skip (?:this|it|question)|hoppa över|hoppa|ohita|ohitetaan|spring over|hop over|hopp over|"
    r"next|nästa|seuraava|næste|neste|pass",
    "back": r"back|go back|previous|tillbaka|gå tillbaka|bakåt|föregående|takaisin|edellinen|palaa|tilbage|gå tilbage|"
    r"forrige|tilbake|gå tilbake",
    "status": r"status|progress|where am i|var är vi|framsteg|hur långt har vi kommit|tilanne|edistyminen|missä ollaan|"
    r"fremskridt|hvor langt er vi|fremdrift",
    "export": r"export|brief|(?:download|get|show|create)(?: the| my)? (?:procurement )?brief|exportera|underlag|"
    r"upphandlingsunderlag|sammanfattning|vie|yhteenveto|hankinta-?asiakirja|eksport(?:er|ér)|udbudsmateriale|"
    r"kravspecifikation|anskaffelsesgrunnlag|oppsummering",
    "restart": r"restart|start over|börja om|aloita alusta|alusta|start forfra|begynd forfra|start på nytt|begynn på nytt",
    "stop": r"stop|pause|quit|exit checklist|avbryt|avsluta|sluta|lopeta|keskeytä|stopp|afbryd|avbryt sjekklisten",
}
_COMMAND_RE = {
    name: re.compile(rf"^\s*(?:please\s+|snälla\s+)?(?:{pattern})(?:\s+(?:please|tack|kiitos|tak|takk))?\s*[.!]*\s*$",
                     re.IGNORECASE)
    for name, pattern in _COMMANDS.items()
}
_JUMP = re.compile(
    r"^\s*(?:(?:go|jump|skip)\s+to\s+|gå\s+till\s+|hoppa\s+till\s+|siirry\s+|mene\s+|gå\s+til\s+|hop\s+til\s+)?"
    r"(?:step|steg|vaihe(?:eseen)?|trin|trinn)\s*(\d{1,3})\s*[.!]*\s*$",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening)|hej|hejsan|tjena|hallå|god ?dag|hei|moi|terve|"
    r"huomenta|päivää|hejsa|goddag|hallo|heisann|morn|thanks|thank you|tack|kiitos|tak|takk)"
    r"(?:\s+(?:there|du|alle|kaikki|again|så mycket|så mye|så meget|paljon))?\s*[!.,]*\s*(?:\W{0,3})$",
    re.IGNORECASE,
)
# Explicit tool intents: a question *about* costs ("is outsourcing cheaper?")
# is a corpus question; these ask for a calculation.
_STAFFING_INTENT = re.compile(
    r"how many (?:agents|people|staff|fte|advisors|employees)|hur många (?:agenter|handläggare|medarbetare|personer|"
    r"anställda|fte)|montako (?:agenttia|henkilöä|työntekijää|asiakaspalvelijaa)|kuinka monta (?:agenttia|henkilöä)|"
    r"hvor mange (?:agenter|medarbejdere|ansatte|personer|folk|fte)|bemanning|bemanding|staffing|erlang|"
    r"henkilöstömitoitus|henkilöstötarve|mitoitus|mitoita|calculate staff|räkna (?:på )?bemanning|"
    r"beregn bemanding|regn ut bemanning|laske henkilöstö",
    re.IGNORECASE,
)
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


def checklist_command(message: str) -> tuple[str, Any] | None:
    if len(message.split()) > 8:
        return None
    jump = _JUMP.match(message)
    if jump:
        return "jump", int(jump.group(1))
    for name, pattern in _COMMAND_RE.items():
        if pattern.match(message):
            return name, None
    return None


def is_question(message: str) -> bool:
    return message.rstrip().endswith("?")


def route(message: str, language: str, state: dict[str, Any]) -> Route:
    checklist = state.get("checklist") or {}
    active = bool(checklist.get("active")) and not checklist.get("completed")
    command = checklist_command(message)
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
    intent = "staffing" if _STAFFING_INTENT.search(message) else "cost_comparison" if _COST_INTENT.search(message) else None
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
