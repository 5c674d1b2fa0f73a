"""The Slack bot's own sentences: the `slack.` part of the message catalog
(assistant/messages.yaml), in sv, fi, da, nb and en."""

from __future__ import annotations

from typing import Any

from assistant.i18n import t


def s(key: str, lang: str, **values: Any) -> str:
    """The Slack sentence `key` in `lang` (catalog key `slack.<key>`)."""
    return t(f"slack.{key}", lang, **values)
