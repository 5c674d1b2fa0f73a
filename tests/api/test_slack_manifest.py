"""The Slack app manifest (api/slack/manifest.yml) points Slack at what the bot serves."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import yaml

from api.slack import PATHS
from api.slack.bot import COMMAND

MANIFEST = Path(__file__).resolve().parents[2] / "api" / "slack" / "manifest.yml"


def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_every_request_url_is_a_path_the_bot_mounts():
    settings, features = manifest()["settings"], manifest()["features"]
    urls = [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"],
            *(c["url"] for c in features["slash_commands"])]
    assert sorted(urlparse(url).path for url in urls) == sorted(PATHS)


def test_the_slash_command_is_the_one_the_bot_answers():
    assert [c["command"] for c in manifest()["features"]["slash_commands"]] == [COMMAND]
