"""The README is the user's manual: every setting it must document is there."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices

from assistant.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def env_name(name: str, field) -> str:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"ASSISTANT_{name.upper()}"


def test_every_setting_is_documented_in_the_readme() -> None:
    missing = [env_name(n, f) for n, f in Settings.model_fields.items() if env_name(n, f) not in README]
    assert missing == []
