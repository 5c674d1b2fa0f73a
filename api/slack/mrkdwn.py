"""Text conversion between the engine's Markdown and Slack.

* `to_mrkdwn(markdown)`: the engine's replies are CommonMark-ish Markdown; Slack
  sections speak "mrkdwn", which differs: `*bold*`, `_italic_`, `~strike~`,
  `<url|text>` links, no headings, and `&`, `<`, `>` must be escaped.
* `split_text(text, limit)`: a long mrkdwn text as chunks that each fit in a
  section block (3000 characters), cut at paragraph, line or word boundaries.
* `from_slack(text, bot_user_id)`: a user's Slack message as plain text for the
  engine: the bot mention removed, mentions/links/entities made readable.
"""

from __future__ import annotations

import re

SECTION_LIMIT = 3000

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_ORDERED = re.compile(r"^(\s*)(\d{1,9})[.)]\s+(.*)$")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")

_INLINE = re.compile(
    r"(?P<code>`+)(?P<code_body>.+?)(?P=code)"
    r"|(?P<img>!)?\[(?P<link_text>[^\]\n]*)\]\((?P<link_url><[^>\n]*>|(?:[^()\s]|\([^()\s]*\))+)(?:\s+\"[^\"\n]*\")?\)"
    r"|<(?P<auto>(?:https?://|mailto:)[^>\s]+)>"
    r"|(?<![\w*])\*\*\*(?P<bi>(?=\S).+?(?<=\S))\*\*\*(?![\w*])"
    r"|(?<![\w*])\*\*(?P<b>(?=\S).+?(?<=\S))\*\*(?![\w*])"
    r"|(?<![\w_])__(?P<b2>(?=\S).+?(?<=\S))__(?![\w_])"
    r"|(?<![\w~])~~(?P<s>(?=\S).+?(?<=\S))~~(?![\w~])"
    r"|(?<![\w*\\])\*(?P<i>[^\s*](?:.*?[^\s*\\])?)\*(?![\w*])"
    r"|(?<![\w_\\])_(?P<i2>[^\s_](?:.*?[^\s_\\])?)_(?![\w_])"
    r"|(?P<url>https?://[^\s<>()]+[^\s<>().,;:!?'\"])"
)


def escape(text: str) -> str:
    """Slack's three control characters as entities (the only escaping Slack wants)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    url = url.strip().strip("<>").strip()
    label = label.strip()
    if not url.lower().startswith(_SAFE_SCHEMES):
        return escape(label or url)
    # "|" and ">" end the label in Slack's link syntax; the URL keeps only safe characters.
    url = escape(url).replace("|", "%7C")
    if not label or label == url:
        return f"<{url}>"
    return f"<{url}|{escape(label).replace('|', '¦')}>"


def inline(text: str) -> str:
    """Inline Markdown (emphasis, code, links) to mrkdwn, escaping everything else."""
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(escape(text[pos:m.start()]))
        pos = m.end()
        g = m.groupdict()
        if g["code"] is not None:
            out.append(f"`{escape(g['code_body'].strip() or g['code_body'])}`")
        elif g["link_url"] is not None:
            out.append(_link(g["link_url"], _plain(g["link_text"])))
        elif g["auto"] is not None:
            out.append(_link(g["auto"], ""))
        elif g["bi"] is not None:
            out.append(f"*_{inline(g['bi'])}_*")
        elif g["b"] is not None or g["b2"] is not None:
            out.append(f"*{inline(g['b'] if g['b'] is not None else g['b2'])}*")
        elif g["s"] is not None:
            out.append(f"~{inline(g['s'])}~")
        elif g["i"] is not None or g["i2"] is not None:
            out.append(f"_{inline(g['i'] if g['i'] is not None else g['i2'])}_")
        elif g["url"] is not None:
            out.append(_link(g["url"], ""))
    out.append(escape(text[pos:]))
    return "".join(out)


def _plain(markdown: str) -> str:
    """Markdown emphasis markers dropped (for link labels and headings)."""
    return re.sub(r"(\*\*\*|\*\*|__|~~|`)", "", markdown)


def _line(line: str) -> str:
    quote = _QUOTE.match(line)
    if quote:
        rest = quote.group(1)
        while _QUOTE.match(rest):  # Slack has one quote level
            rest = _QUOTE.match(rest).group(1)  # type: ignore[union-attr]
        converted = _line(rest) if rest.strip() else ""
        return f"> {converted}" if converted else ">"
    heading = _HEADING.match(line)
    if heading:
        body = inline(_plain(heading.group(2))).strip()
        return f"*{body}*" if body else ""
    if _RULE.match(line):
        return "──────────"
    bullet = _BULLET.match(line)
    if bullet:
        indent = bullet.group(1).replace("\t", "    ")
        return f"{indent}• {inline(bullet.group(2))}"
    ordered = _ORDERED.match(line)
    if ordered:
        indent = ordered.group(1).replace("\t", "    ")
        return f"{indent}{ordered.group(2)}. {inline(ordered.group(3))}"
    return inline(line)


def to_mrkdwn(markdown: str) -> str:
    """The engine's Markdown as Slack mrkdwn."""
    out: list[str] = []
    in_code = False
    for line in markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
            out.append("```")
            continue
        out.append(escape(line) if in_code else _line(line))
    if in_code:
        out.append("```")
    return "\n".join(out).strip("\n")


def _cut(text: str, limit: int) -> int:
    """Where to cut `text` (longer than `limit`): the last paragraph, line or word break."""
    window = text[:limit]
    for sep in ("\n\n", "\n", " "):
        at = window.rfind(sep)
        if at > limit // 3:
            return at
    return limit


def split_text(text: str, limit: int = SECTION_LIMIT - 100) -> list[str]:
    """`text` as chunks of at most `limit` characters; code fences are closed and
    reopened across a cut so each chunk renders on its own."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if len(rest) <= limit:
            chunk, rest = rest, ""
        else:
            at = _cut(rest, limit - 4)
            chunk, rest = rest[:at].rstrip(), rest[at:].strip("\n ")
        if chunk.count("```") % 2:
            chunk += "\n```"
            rest = "```\n" + rest
        if chunk.strip():
            chunks.append(chunk)
    return chunks


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at a word boundary, with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:–-") + "…"


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>|<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>|<!date\^[^|>]*\|([^>]*)>")
_SLACK_LINK = re.compile(r"<((?:https?://|mailto:)[^|>]+)(?:\|([^>]*))?>")


def from_slack(text: str, bot_user_id: str | None = None) -> str:
    """A Slack message's text as the plain text the engine expects."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    text = _MENTION.sub(lambda m: f"@{m.group(2) or m.group(1)}", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(1)}" if m.group(1) else (m.group(2) or m.group(3) or ""), text)
    text = _SLACK_LINK.sub(lambda m: m.group(2) or m.group(1).removeprefix("mailto:"), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]+", " ", text).strip()
