"""Figures of the blind tuning sets that are not in the dev split yet (issue 13: dev5 … dev10).

dev5 (Slack and widget shorthand), dev6 (stories on a website chat), dev7 (operations managers'
dialogues), dev8 (cost-side decision makers), dev9 (WFM shorthand, often without Nordic letters) and
dev10 (managers in medium-length chat) were written blind on 2026-12-03, without the understanding
code, with results from `evals/tuning/blind_reference.py` (evals/datasets/README.md). They are tuning data,
but the dev split's gate asks every scripted conversation to pass, and these do not yet:
they join `evals/datasets/conversations.jsonl` once they do. Until then this prints, per set,
the share of one-message requests and dialogues that are right (every value right, or a
question for exactly the missing value), the silent misreads, and with `--failures` each
failing turn with what differs.

    .venv/bin/python -m evals.tuning.blind_sets               # every set, figures only
    .venv/bin/python -m evals.tuning.blind_sets --failures    # and what fails
    .venv/bin/python -m evals.tuning.blind_sets dev6          # one set

Runs in process on a temporary database, offline.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SETS = {name: HERE / f"{name}.jsonl" for name in ("dev5", "dev6", "dev7", "dev8", "dev9", "dev10")}


def run(path: Path, client: Any, sources: Any) -> list[dict[str, Any]]:
    from evals.conversations import Conversation, run_conversations
    from evals.tool_dialogues import run_tool_dialogues

    convs = [Conversation.model_validate(json.loads(line))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return run_tool_dialogues(run_conversations(client, convs, sources), convs)


def main(argv: list[str]) -> int:
    os.environ.setdefault("ASSISTANT_DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/blind-sets.db")
    from assistant.engine import Assistant
    from assistant.settings import Settings
    from evals.client import InProcessClient
    from evals.grounding import Sources
    from evals.tool_dialogues import summarise_tool_dialogues

    names = [a for a in argv if not a.startswith("-")] or list(SETS)
    settings = Settings()
    client = InProcessClient(Assistant(settings))
    sources = Sources.load(settings.corpus_dir)
    for name in names:
        rows = run(SETS[name], client, sources)
        s = summarise_tool_dialogues(rows)["overall"]
        print(f"{name}: one message right {s.get('single_right', 0):.3f} (n={s['single.n']:.0f}), "
              f"dialogues right {s.get('multi_right', 0):.3f} (n={s['multi.n']:.0f}), "
              f"turns right {s['turns_right']:.3f}, silent misreads {s['silent_misreads']:.0f}")
        if "--failures" in argv:
            for r in rows:
                for t in r["turns"]:
                    if not t["right"] or t["silent"]:
                        print(f"  {r['id']} t{t['n']}: {t['message']!r}")
                        for reason in t["problems"] + t["value_diffs"] + t["silent"]:
                            print(f"      {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
