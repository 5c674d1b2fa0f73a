"""The coverage model on the dev split: a class-balanced logistic regression over
retrieval's evidence, cross-validated (10 folds), on the dev retrieval and answer
questions together. Prints the fitted weights (for assistant.coverage.CoverageModel),
the cross-validated outcome rates at candidate thresholds, and how many questions
fall in the band where the lexical fallback decides.

    .venv/bin/python -m evals.tuning.coverage
"""

from __future__ import annotations

import math

import numpy as np

from assistant.coverage import CoverageFeatures, CoverageModel
from assistant.retrieval import load_retriever
from evals.answers import load_answers_dataset
from evals.retrieval import RetrievalItem, load_retrieval_dataset
from evals.tuning.common import dev_questions

FEATURES = ("best_note_similarity", "best_question_similarity", "log_lexical", "best_dense", "top_fused",
            "unsupported_share", "amount_missing")


def vector(f: CoverageFeatures) -> list[float]:
    return [f.best_note_similarity, f.best_question_similarity, math.log1p(max(0.0, f.best_lexical)), f.best_dense,
            f.top_fused, f.unsupported_words / f.content_words, float(f.amount_missing)]


def fit(x: np.ndarray, y: np.ndarray, c: float = 10.0):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=10000).fit(x, y)


def main() -> None:
    from sklearn.model_selection import StratifiedKFold

    retriever = load_retriever()
    answers = [RetrievalItem(id=i.id, question=i.question, language=i.language, answerable=i.answerable,
                             cross_lingual=i.cross_lingual) for i in load_answers_dataset()]
    questions = dev_questions(retriever, load_retrieval_dataset()) + dev_questions(retriever, answers)
    feats = []
    for q in questions:
        s = retriever.signals(q.item.question, q.language, q.vector)
        feats.append(retriever._coverage_features(q.item.question, q.language, s))
    x = np.array([vector(f) for f in feats])
    y = np.array([q.item.answerable for q in questions], dtype=int)
    specific = np.array([bool(f.specific_terms) for f in feats])
    print(f"{len(y)} questions: {y.sum()} answerable, {len(y) - y.sum()} unanswerable; "
          f"specific unsupported terms in {specific[y == 1].mean():.1%} of answerable, "
          f"{specific[y == 0].mean():.1%} of unanswerable")
    proba = np.zeros(len(y))
    for train, test in StratifiedKFold(10, shuffle=True, random_state=0).split(x, y):
        proba[test] = fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    print("cross-validated, by threshold (answered = covered or partial; declined = not covered or partial):")
    for t in np.arange(0.05, 0.71, 0.05):
        on_topic = proba >= t
        answered = on_topic[y == 1].mean()
        declined = (~on_topic | specific)[y == 0].mean()
        print(f"  t={t:.2f}: answerable answered {answered:.3f}, unanswerable declined {declined:.3f}, "
              f"answerable marked partial {(on_topic & specific)[y == 1].mean():.3f}")
    model = fit(x, y)
    weights = dict(zip(FEATURES, model.coef_[0].round(3)))
    print("fitted on all:", weights, "bias", round(float(model.intercept_[0]), 3))
    current = CoverageModel()
    p = np.array([current.probability(f) for f in feats])
    band = np.abs(p - current.threshold) < current.band
    print(f"current model: {band.sum()} of {len(p)} questions in the band ±{current.band} (decided lexically)")


if __name__ == "__main__":
    main()


def misses(t: float = 0.2) -> None:
    """Print the cross-validated mistakes at threshold `t` (dev questions only)."""
    from sklearn.model_selection import StratifiedKFold

    retriever = load_retriever()
    answers = [RetrievalItem(id=i.id, question=i.question, language=i.language, answerable=i.answerable,
                             cross_lingual=i.cross_lingual) for i in load_answers_dataset()]
    questions = dev_questions(retriever, load_retrieval_dataset()) + dev_questions(retriever, answers)
    feats = [retriever._coverage_features(q.item.question, q.language,
                                          retriever.signals(q.item.question, q.language, q.vector)) for q in questions]
    x = np.array([vector(f) for f in feats])
    y = np.array([q.item.answerable for q in questions], dtype=int)
    proba = np.zeros(len(y))
    for train, test in StratifiedKFold(10, shuffle=True, random_state=0).split(x, y):
        proba[test] = fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    for q, f, p, xi in zip(questions, feats, proba, x):
        wrong = (p < t) if q.item.answerable else (p >= t and not f.specific_terms)
        if wrong:
            print(f"{'ANS' if q.item.answerable else 'UNA'} p={p:.2f} {np.round(xi, 3)} {q.item.question[:100]}")
