"""Answer selection on the dev split: how often the offline answer cites a gold
article, for a grid of `AnswerSettings`, on the dev answer questions and the
answerable dev retrieval questions (gold article = an article holding a gold quote).

    .venv/bin/python -m evals.tuning.answers [--grid]
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from typing import Any

from assistant.answering.offline import AnswerSettings, OfflineAnswerer
from assistant.corpus import corpus_by_id
from assistant.retrieval import load_retriever
from evals.answers import load_answers_dataset
from evals.retrieval import RetrievalItem, load_retrieval_dataset
from evals.tuning.common import Question, dev_questions


def gold_docs(q: Question, answer_gold: dict[str, list[str]]) -> set[str]:
    return set(answer_gold.get(q.item.id) or [g.doc_id for g in q.item.gold])


def evaluate(retriever: Any, answerer: OfflineAnswerer, questions: list[Question], searches: dict[str, Any],
             answer_gold: dict[str, list[str]]) -> tuple[float, int]:
    hits = n = 0
    for q in questions:
        if not q.item.answerable:
            continue
        answer = answerer.compose(searches[q.item.id], q.language or "en")
        n += 1
        hits += bool({c.doc_id for c in answer.citations} & gold_docs(q, answer_gold))
    return hits / max(1, n), n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grid", action="store_true")
    args = parser.parse_args()
    retriever = load_retriever()
    answers = load_answers_dataset()
    answer_gold = {i.id: i.gold_doc_ids for i in answers}
    as_items = [RetrievalItem(id=i.id, question=i.question, language=i.language, answerable=i.answerable,
                              cross_lingual=i.cross_lingual) for i in answers]
    questions = dev_questions(retriever, as_items) + dev_questions(retriever, load_retrieval_dataset())
    searches = {q.item.id: retriever.search(q.item.question, 5, q.language, vector=q.vector) for q in questions}
    docs = corpus_by_id()
    current = AnswerSettings()
    rate, n = evaluate(retriever, OfflineAnswerer(retriever, docs, current), questions, searches, answer_gold)
    print(f"current {current}: gold cited {rate:.3f} (n={n})")
    if not args.grid:
        return
    rows = []
    for aw, th, ratio in itertools.product((0.0, 0.5, 1.0), (0.80, 0.84, 0.88), (0.8, 0.9, 0.95, 1.01)):
        s = replace(current, any_weight=aw, note_threshold=th, second_source_ratio=ratio)
        rows.append((evaluate(retriever, OfflineAnswerer(retriever, docs, s), questions, searches, answer_gold)[0], s))
    rows.sort(key=lambda r: -r[0])
    for rate, s in rows[:15]:
        print(f"{rate:.3f} any {s.any_weight} threshold {s.note_threshold} second source at {s.second_source_ratio}")


if __name__ == "__main__":
    main()
