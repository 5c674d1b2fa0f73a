"""Whether the sources answer a question: covered, partly covered, or not covered.

Two questions decide it:

1. *Do the sources speak to the topic?* A logistic model over retrieval's
   evidence (best note similarity, best similarity to a note question in the
   user's language, BM25 support over note texts, the best dense score, the
   fused lead of the first passage). The model leaves a band around its
   threshold: a question whose probability falls inside it is decided by the
   lexical evidence alone, which is computed from tokens and so cannot move
   with float noise between machines.
2. *Does it ask for something specific the sources lack?* A term of the
   question that names a thing (a capitalised name, an acronym, a code such as
   "ISO 27001", a year) and appears nowhere in the corpus, its notes or the
   glossary, in any of the five languages. "What does an agent cost per hour
   in Poland?" shares the topic with the pricing passages but asks about
   Poland, which no article mentions: the answer says so and then gives the
   closest passage ("partial").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assistant.lexical import stopwords, tokenize

if TYPE_CHECKING:
    from assistant.glossary import Glossary
    from assistant.index import SearchIndex

Outcome = Literal["covered", "partial", "not_covered"]
LANGUAGES = ("sv", "fi", "da", "nb", "en")

#: How each language asks for an amount: its interrogative quantity words and the
#: verb "to cost" (closed word classes, not examples). A question that asks for an
#: amount can only be answered by a passage that gives a figure.
QUANTITY_QUESTIONS: dict[str, tuple[str, ...]] = {
    "en": ("how much", "how many", "how long", "how often", "what percentage", "what percent", "what share",
           "average", "typical rate", "cost", "costs"),
    "sv": ("hur mycket", "hur många", "hur länge", "hur lång", "hur långa", "hur ofta", "hur stor andel",
           "genomsnittlig", "genomsnittligt", "genomsnittliga", "procent", "kostar"),
    "fi": ("paljonko", "kuinka paljon", "montako", "kuinka monta", "kuinka kauan", "kuinka pitkä", "kuinka usein",
           "keskimäärin", "keskimääräinen", "keskimääräistä", "prosenttia", "maksaa", "maksavat"),
    "da": ("hvor meget", "hvor mange", "hvor længe", "hvor lang", "hvor ofte", "gennemsnitlig", "gennemsnitlige",
           "procent", "koster"),
    "nb": ("hvor mye", "hvor mange", "hvor lenge", "hvor lang", "hvor ofte", "gjennomsnittlig", "gjennomsnittlige",
           "prosent", "koster"),
}
#: How the Nordic languages name a law: a compound ending in the word for "law"
#: ("arbetsmiljölagen", "virksomhedsoverdragelsesloven", "työsopimuslaki").
_LAW_NAME = re.compile(r"^\w{4,}(?:lagen|lagens|lag|loven|lovens|lov|laki|lain|lakia|laissa|lakiin)$", re.IGNORECASE)
_DIGIT = re.compile(r"\d")

_WORD_OR_STOP = re.compile(r"[^\W_][\w\-/]*[^\W_]|[^\W_]|[.!?:;]", re.UNICODE)
_SURFACE = re.compile(r"[^\W_][\w\-]*", re.UNICODE)


@dataclass(frozen=True)
class CoverageFeatures:
    best_note_similarity: float
    best_question_similarity: float
    best_lexical: float
    best_dense: float
    top_fused: float
    fused_gap: float
    specific_terms: tuple[str, ...]
    #: Content words the sources use in no language, and all content words of the question.
    unsupported_words: int = 0
    content_words: int = 1
    #: The question asks for an amount and none of the best passages gives a figure.
    amount_missing: bool = False
    #: Specific terms of the question (names, acronyms…) that the best passages contain.
    named_in_passages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Coverage:
    outcome: Outcome
    #: The model's probability that the sources speak to the question's topic.
    probability: float
    #: Specific terms of the question that no source contains (why it is "partial").
    missing_terms: tuple[str, ...] = ()
    #: "model"; "lexical" when the probability fell in the band around the threshold;
    #: "named" when the question names something the best passages name.
    decided_by: str = "model"


@dataclass(frozen=True)
class CoverageModel:
    """Fitted on the dev split (retrieval and answer questions, 177 answerable and 91
    unanswerable) with class-balanced weights: `python -m evals.tuning.coverage`.
    Cross-validated (10 folds) at this threshold: 98 % of answerable questions
    answered, 91 % of unanswerable ones declined or marked partly covered."""

    note_weight: float = 6.88
    question_weight: float = 6.79
    lexical_weight: float = 3.37
    dense_weight: float = 5.37
    fused_weight: float = 4.34
    unsupported_weight: float = -3.52
    amount_weight: float = -2.07
    bias: float = -22.38
    threshold: float = 0.2
    #: Probabilities within this distance of the threshold are decided by lexical evidence.
    band: float = 0.04
    #: BM25 support (over note texts) at which the lexical fallback says "covered".
    lexical_fallback: float = 3.0

    def probability(self, f: CoverageFeatures) -> float:
        logit = (self.note_weight * f.best_note_similarity + self.question_weight * f.best_question_similarity
                 + self.lexical_weight * math.log1p(max(0.0, f.best_lexical)) + self.dense_weight * f.best_dense
                 + self.fused_weight * f.top_fused
                 + self.unsupported_weight * f.unsupported_words / max(1, f.content_words)
                 + self.amount_weight * float(f.amount_missing) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logit))))

    def decide(self, f: CoverageFeatures) -> Coverage:
        p = self.probability(f)
        decided_by = "model"
        if abs(p - self.threshold) < self.band:
            on_topic = f.best_lexical >= self.lexical_fallback
            decided_by = "lexical"
        else:
            on_topic = p >= self.threshold
        if not on_topic and f.named_in_passages and not f.specific_terms:
            # The question names something the best passages name too ("What kind of
            # consultancy is Omnisale?"): the mirror of "partial", and evidence that a
            # passage without notes (no note similarity to speak for it) is on topic.
            on_topic, decided_by = True, "named"
        if not on_topic:
            return Coverage("not_covered", round(p, 4), f.specific_terms, decided_by)
        if f.specific_terms:
            return Coverage("partial", round(p, 4), f.specific_terms, decided_by)
        return Coverage("covered", round(p, 4), (), decided_by)


def asks_for_amount(question: str, language: str) -> bool:
    """Whether the question asks for an amount (see QUANTITY_QUESTIONS)."""
    text = f" {' '.join(question.lower().split())} "
    return any(f" {phrase}" in text for phrase in QUANTITY_QUESTIONS.get(language, ()))


def has_figure(text: str) -> bool:
    return bool(_DIGIT.search(text))


class CorpusVocabulary:
    """Every word the sources use, per language (stemmed) and as written (lower case)."""

    def __init__(self, stems: dict[str, frozenset[str]], surface: frozenset[str],
                 glossary: Glossary | None = None, cased: frozenset[str] = frozenset()) -> None:
        self.stems = stems
        self.surface = surface
        self.glossary = glossary
        #: Words as written (case kept): an acronym is supported only in capitals ("ISO" is not "iso").
        self.cased = cased

    @classmethod
    def build(cls, index: SearchIndex, glossary: Glossary) -> CorpusVocabulary:
        # Only what the sources say counts as support; the glossary bridges languages (below).
        stems: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
        cased: set[str] = set()
        for chunk in index.chunks:
            text = f"{chunk.title} {chunk.heading} {chunk.text}"
            stems.setdefault(chunk.language, set()).update(tokenize(text, chunk.language))
            cased.update(_SURFACE.findall(text))
        for note in index.notes:
            for lang in LANGUAGES:
                for text in (note.summary[lang], *note.questions[lang]):
                    stems[lang].update(tokenize(text, lang))
                    cased.update(_SURFACE.findall(text))
        surface = frozenset(w.lower() for w in cased)
        return cls({lang: frozenset(s) for lang, s in stems.items()}, surface, glossary, frozenset(cased))

    def supports(self, word: str, language: str) -> bool:
        """Whether the sources use `word` (or a form of it, or one of its parts) in any language."""
        lower = word.lower()
        if lower in self.surface:
            return True
        parts = [p for p in re.split(r"[-/]", lower) if p]
        if len(parts) > 1 and all(self.supports(p, language) for p in parts):
            return True
        stems = tokenize(lower, language) or [lower]
        return all(any(s in self.stems.get(lang, ()) for lang in LANGUAGES) for s in stems)

    def _bridged(self, word: str, language: str) -> bool:
        """Whether a glossary concept the word names is written, in some language, in the sources."""
        if self.glossary is None:
            return False
        for match in self.glossary.match(word, language):
            for lang in LANGUAGES:
                for term in match.concept.terms(lang):
                    stems = tokenize(term, lang)
                    if stems and all(s in self.stems.get(lang, ()) for s in stems):
                        return True
        return False

    def unsupported_words(self, question: str, language: str) -> list[str]:
        """Content words of `question` that the sources use in no language (not even
        through the glossary): the question asks about something they don't discuss."""
        stop = stopwords(language)
        out = []
        for word in _SURFACE.findall(question):
            lower = word.lower()
            if lower in stop or len(lower) < 3 or lower.isdigit() or lower in out:
                continue
            if not self.supports(word, language) and not self._bridged(word, language):
                out.append(lower)
        return out

    def specific_terms(self, question: str, language: str) -> tuple[list[str], list[str]]:
        """Names, acronyms, codes, years and law names in `question`: (those no source
        contains, those the sources do contain).

        A capitalised word counts as a name only inside a sentence (the first
        word of a sentence is capitalised anyway); everyday words are never
        "specific", however rare, because their absence says nothing.
        """
        missing: list[str] = []
        known: list[str] = []
        stop = stopwords(language)
        at_start = True
        for token in _WORD_OR_STOP.findall(question):
            if token in ".!?:;":
                at_start = True
                continue
            first, at_start = at_start, False
            if token.lower() in stop:
                continue
            has_digit = any(ch.isdigit() for ch in token)
            letters = [ch for ch in token if ch.isalpha()]
            acronym = len(letters) >= 2 and all(ch.isupper() for ch in letters)
            name = token[:1].isupper() and not first
            code = has_digit and (bool(letters) or len(token) >= 4)  # "ISO 27001", "18295", a year
            law = bool(_LAW_NAME.match(token)) and language != "en"
            if not (acronym or name or code or law):
                continue
            if acronym and not has_digit:
                supported = any(part in self.cased for part in re.split(r"[-/]", token))
            else:
                supported = self.supports(token, language)
            target = known if supported else missing
            if token not in target:
                target.append(token)
        return missing, known

    def unsupported_specific_terms(self, question: str, language: str) -> list[str]:
        """The specific terms of `question` that no source contains (see `specific_terms`)."""
        return self.specific_terms(question, language)[0]
