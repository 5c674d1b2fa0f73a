"""Reading the datasets: one JSON object per line, validated into a model; a bad
line is reported by file and line number instead of a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from evals.errors import EvalError

DATASETS = Path(__file__).resolve().parent / "datasets"

Item = TypeVar("Item", bound=BaseModel)


class DatasetError(EvalError):
    """A dataset file is missing or has a line that does not fit its schema."""


def read_jsonl(path: Path, model: type[Item]) -> list[Item]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"cannot read dataset {path}: {exc.strerror or exc}") from exc
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(model.model_validate_json(line))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"]) or "line"
            raise DatasetError(f"{path.name}:{number}: {where}: {problem['msg']}") from exc
    return items
