"""Multilingual vocabulary for argument extraction (sv, fi, da, nb, en).

Lower-case regex fragments for units, periods, keywords and currencies, plus
language detection. Data only: the rules that use them are in `extract`.
"""

from __future__ import annotations

import re

PCT = r"\s?(?:%|procent|prosent|percent|per cent|prosenttia|prosentti|pct)(?![a-zåäöæø])"
SEC = r"(?:sekunder\w*|sekund\w*|sekunn\w*|sekunt\w*|seconds?|secs?|sek|s)(?![a-zåäöæø])"
MIN = r"(?:minuter\w*|minutter\w*|minutt\w*|minuut\w*|minutes?|mins?|min)(?![a-zåäöæø])"
AND_WORD = r"(?:\s(?:och|and|ja|og))?"
CONTACT_NOUN = (
    r"(?:samtal\w*|telefonsamtal\w*|kundkontakt\w*|kontakt\w*|ärende\w*|puhelu\w*|puheluita|yhteydeno\w*|"
    r"opkald\w*|henvendelse\w*|anrop\w*|calls?|contacts?|tickets?|e-?mails?|mejl\w*|mail\w*|chatt?\w*|"
    r"inquir\w*|interactions?|conversations?|sager|saker|sähköpost\w*|asiakaskontakt\w*|tikett\w*|cases)"
)
FTE_NOUN = (
    r"(?:agent\w*|fte|heltidstjänst\w*|heltidsanställ\w*|handläggare|medarbetare|anställda|personer|årsarbetare|"
    r"henkilö\w*|htv|asiakaspalvelij\w*|työntekijä\w*|medarbejder\w*|ansatte|årsverk|rådgiver\w*|"
    r"kundebehandler\w*|people|staff|employees|advisors|headcount)"
)
WORD_START = r"(?:(?=/)|(?<![a-zåäöæø]))"  # "/" may follow a word directly ("samtal/mån")
WORD_END = r"(?![a-zåäöæø])"
EVERY = r"per|pr|/|i|om|a|an|in|each|every|hver|hvert|varje"


def per(words: str, standalone: str = "") -> str:
    """'<per-word> <unit>' ("per dag", "i timmen", "/mån") or a standalone form ("päivässä")."""
    pattern = rf"{WORD_START}(?:{EVERY})\s?(?:{words}){WORD_END}"
    return f"{pattern}|{standalone}" if standalone else pattern


# Interval phrases → minutes.
INTERVALS: list[tuple[str, int]] = [
    (per(r"halvtimme\w*|halvtime\w*|halve time|half hour|half an hour", r"puole\w* tunni\w*"), 30),
    (per(r"kvart\w*|quarter(?: of an)? hour", r"vartissa|varttitunnissa|neljännestunnissa"), 15),
    (per(r"timme|timmen|time|timen|hour|h|tim|tunti", r"tunnissa|tunnin aikana|hourly|timvis"), 60),
]
# Volume periods → (field, factor to that field's unit).
PERIODS: list[tuple[str, str, float]] = [
    (
        per(r"dag|dagen|day|døgn|døgnet|päivä|pv|vrk", r"päivässä|päivittäin|dagligen|daily|daglig|vuorokaudessa"),
        "contacts_per_day",
        1.0,
    ),
    (
        per(r"månad\w*|mån|måned\w*|month|mnd|md|kk|kuukausi", r"kuukaudessa|kuussa|monthly|kuukausittain"),
        "contacts_per_month",
        1.0,
    ),
    (per(r"vecka|veckan|uke|uka|uge|ugen|week|viikko", r"viikossa|weekly"), "contacts_per_month", 52.0 / 12.0),
    (per(r"år|året|year|vuosi", r"vuodessa|annually|årligen"), "contacts_per_month", 1.0 / 12.0),
]

KW_SHRINKAGE = (
    r"(?:shrinkage|frånvaro\w*|bortfall\w*|svinn|poissaol\w*|hävikki\w*|fravær\w*|frafall\w*|svind|absence|absenteeism)"
)
KW_OCCUPANCY = (
    r"(?:occupancy|beläggning\w*|belægning\w*|belegg\w*|käyttöast\w*|kuormitusast\w*|utili[sz]ation|"
    r"utnyttelse\w*|udnyttelse\w*)"
)
KW_ONCOST = (
    r"(?:arbetsgivaravgift\w*|sociala avgifter|lönebikostnad\w*|personalomkostnad\w*|on-?costs?|employer costs?|"
    r"payroll tax\w*|social (?:costs?|charges|security)|sivukulu\w*|henkilösivukulu\w*|arbejdsgiver\w*|"
    r"arbeidsgiveravgift\w*|sosiale kostnader|sociale omkostninger|sociale bidrag)"
)
# Not "provision"/"provisjon": a commission is a share of sales, not of the fees.
KW_INCENTIVE = r"(?:incitament\w*|insentiv\w*|incentive\w*|bonus\w*|kannustin\w*|tulospalkkio\w*)"
KW_AHT = (
    r"(?:aht|handläggningstid\w*|hanteringstid\w*|samtalstid\w*|samtalslängd\w*|ärendetid\w*|snittid\w*|"
    r"handling time|talk time|call length|käsittelyai\w*|keston?|behandlingstid\w*|håndteringstid\w*|"
    r"samtaletid\w*|samtalelængde|snitt|gennemsnit\w*|gjennomsnitt\w*|genomsnitt\w*|keskimäärin)"
)
# Verbs that introduce a duration ("samtalen tar 4 min") but never a bare number.
KW_AHT_VERB = r"(?:varer|varar|tar|takes?|lasts?|kestää|kestävät)"
KW_SL = r"(?:servicenivå\w*|service level|serviceniveau\w*|palvelutaso\w*|servicegrad\w*|svarsprocent\w*|sl)"
KW_ANSWER = (
    r"(?:svarstid\w*|svartid\w*|answer time|time to answer|vastausai\w*|inom|within|innen|innenfor|inden for|"
    r"indenfor|under)"
)

MONEY_CONTEXT: dict[str, str] = {
    "salary": (
        r"(?:\w*lön(?!sam|ar(?![a-zåäöæø]))\w*|salar\w*|wages?|\w*palkk?a\w*|\w*løn(?!som)\w*|tjänar|tjener|earns?|tienaa\w*|ansaitse\w*)"
    ),
    "overhead": (
        r"(?:overhead\w*|lokal\w*|it-kostnad\w*|platskostnad\w*|arbetsplats\w*|seats?|työpiste\w*|toimitil\w*|"
        r"kontorplads\w*|arbeidsplass\w*|per plats)"
    ),
    "fixed": (
        r"(?:fasta kostnader|fast kostnad|fixed costs?|kiinteät kulut|kiinte\w* kustannu\w*|kiinte\w* kulu\w*|"
        r"faste omkostninger|faste kostnader|faste udgifter|faste utgifter)"
    ),
    "fee": (
        r"(?:förvaltningsavgift\w*|månadsavgift\w*|management fee|monthly fee|account management|hallinnointi\w*|"
        r"kuukausimaksu\w*|administrationsgebyr\w*|månedsgebyr\w*|administrasjon\w*|administration\w*|"
        r"grundavgift\w*|fast avgift|fastavgift\w*|base fee|perusmaksu\w*|styrningsavgift\w*|management)"
    ),
    "transition": (
        r"(?:uppstart\w*|transition\w*|implementering\w*|implementation|etablering\w*|startkostnad\w*|"
        r"engångskostnad\w*|one-?off|set-?up|käyttöönot\w*|implementoin\w*|aloitus\w*|siirtymä\w*|opstart\w*|"
        r"oppstart\w*|overgang\w*|onboarding)"
    ),
}
UNITS: list[tuple[str, str]] = [
    (
        "contact",
        WORD_START
        + r"(?:per|pr|/|à|á|a|each|for each|kohti)\s?(?:samtal|kontakt\w*|ärende\w*|call|contact|ticket|e-?mail|mejl|"
        r"chatt?|yhteydenot\w*|puhelu\w*|kontakti\w*|opkald|henvendelse\w*|anrop|samtale|sak|sag|case|inquiry|"
        r"interaction|hanterad kontakt|besvarat samtal)(?![a-zåäöæø])|puhelulta|yhteydenotolta|kontaktilta",
    ),
    ("minute", WORD_START + r"(?:per|pr|/|à|á|a|kohti)\s?(?:minut\w*|minuut\w*|minute|min)(?![a-zåäöæø])|minuutilta"),
    (
        "fte",
        WORD_START
        + r"(?:per|pr|/|à|á|a|kohti)\s?(?:fte|årsverk\w*|heltidstjänst\w*|heltidsanställ\w*|htv|henkilötyövuo\w*|"
        r"agent\w*|person\w*|henkilö\w*|medarbe\w*|ansat\w*|anställ\w*|plats|seat|arbetsplats|työpiste\w*|"
        r"arbeidsplass\w*|kontorplads\w*|head|employee|årsarbetare)(?![a-zåäöæø])",
    ),
    (
        "hour",
        WORD_START
        + r"(?:per|pr|/|à|á|an|i|kohti)\s?(?:(?:produktiv\w*|productive|tuottav\w*|debiterbar\w*|billable)\s)?"
        r"(?:timme|timmen|time|timen|hour|h|tim|tunti)(?![a-zåäöæø])|tunnilta|hourly",
    ),
    (
        "month",
        WORD_START + r"(?:per|pr|/|i|om|a|kohti)\s?(?:månad\w*|mån|måned\w*|month|mnd|md|kk|kuukau\w*)(?![a-zåäöæø])"
        r"|kuukaudessa|kuussa|monthly|kuukausittain|\w*kuukausi\w*|månads\w*|måneds\w*",
    ),
]
CURRENCY_WORD = r"(?:€|(?:tkr|kr|kronor|kroner|svkr|nok|dkk|eur|euros?|euroa)(?![a-zåäöæø]))"
COST_WORDS = (
    r"(?:kostn\w*|kostar|kost\w*|billig\w*|dyr\w*|outsourc\w*|offert\w*|erbjud\w*|leverantör\w*|anbud\w*|pris\w*|"
    r"lön\w*|spara|besparing\w*|lönsam\w*|ulkoist\w*|tarjou\w*|hinta\w*|palkk?a\w*|kustannu\w*|kulu\w*|"
    r"halvempi|säästö\w*|kannatta\w*|tilbud\w*|leverandør\w*|løn\w*|omkostning\w*|udgift\w*|cost\w*|cheap\w*|"
    r"vendor\w*|supplier\w*|quote\w*|salar\w*|price\w*|break-?even|saving\w*|budget\w*)"
)
COST_INTENT = (
    r"(?:billigare|dyrare|cheaper|more expensive|halvempi|kalliimpi|billigere|dyrere|lönar det sig|lønner det seg|"
    r"betale sig|kannattaako|kannattaa|break-?even|cost comparison|compare costs|kostnadsjämförelse|"
    r"jämför kostnad\w*|kustannusvertailu|sammenlign\w* kostnad\w*|sammenlign\w* omkostning\w*|spara|save|säästä\w*|"
    r"spare)"
)
STAFFING_WORDS = (
    r"(?:hur många|how many|montako|kuinka monta|hvor mange|bemanning\w*|bemand\w*|staffing|mitoitu\w*|"
    r"erlang|behöv\w*|trenger|tarvit\w*|need|skal vi bruge|schedul\w*|schemal\w*)"
)

LANG_HINTS: dict[str, str] = {
    "sv": r"\b(?:och|mejl\w*|samtal|samtalen|samtalet|inom|lön\w*|behöver|ärenden|ungefär|frånvaro|hur|är|vi har|för|"
    r"leverantör\w*|månaden|kronor|också|mål|beläggning|handläggningstid|servicenivå|idag|jämför|erbjud\w*)\b",
    "fi": r"\b(?:ja|on|meillä|puhelu\w*|päivässä|kuukaudessa|sekunnissa|tunnissa|montako|kuinka|noin|tarjous\w*|"
    r"palkka\w*|euroa|vastat\w*|käsittelyaika|henkilö\w*|jos|ovat|palvelutaso|poissaol\w*|yhteydenot\w*)\b",
    # Danish and Norwegian share most words; only the ones that differ count.
    "da": r"\b(?:og|opkald\w*|inden|løn|månedsløn|medarbejder\w*|hvad|af|mig|dig|gennemsnit\w*|besvaret|"
    r"serviceniveau|tilbuddet|omkostning\w*|arbejd\w*|nogle|procent|belægning|bruge|have|uge\w*|opstart\w*|"
    r"mellem|efter|nu|minutter|betale sig)\b",
    "nb": r"\b(?:og|samtaler|innen|lønn|månedslønn|hva|meg|deg|gjennomsnitt\w*|besvart|årsverk|anrop|trenger|tilbudet|"
    r"prosent|belegg|kostnad\w*|oppstart\w*|arbeidsgiveravgift|noen|uke\w*|regn|minutt|administrasjon\w*|"
    r"mellom|etter|nå|ha|sette ut|lønner)\b",
    "en": r"\b(?:the|we|calls|and|with|how|many|per|hour|day|month|answered|within|salary|vendor|quote|agents|"
    r"need|have|of|about|is)\b",
}


def detect_language(text: str) -> str | None:
    """Best guess among sv, fi, da, nb, en from characteristic words (or None)."""
    t = text.lower()
    scores = {lang: len(re.findall(pattern, t)) for lang, pattern in LANG_HINTS.items()}
    if re.search(r"[æø]", t):
        scores["sv"] -= 2
        scores["fi"] -= 2
    if re.search(r"[äö]", t):
        scores["da"] -= 2
        scores["nb"] -= 2
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else None


def currency_code(token: str, language: str | None) -> str | None:
    """ISO code for a currency word. "kr" depends on the language (SEK when
    unknown); "svkr" is how `extract` marks an upper-case SEK, because a
    lower-case "sek" after a number means seconds."""
    token = token.strip().lower()
    if token in ("€", "eur", "euro", "euros", "euroa"):
        return "EUR"
    if token in ("nok", "dkk"):
        return token.upper()
    if token in ("kronor", "tkr", "svkr", "sek"):
        return "SEK"
    if token in ("kr", "kroner"):
        if token == "kroner" and language not in ("nb", "da"):
            return "NOK"
        return {"sv": "SEK", "nb": "NOK", "da": "DKK"}.get(language or "", "SEK")
    return None
