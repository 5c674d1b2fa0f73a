"""Block Kit messages for the engine's `Reply`.

A reply becomes: the answer as mrkdwn sections (split to fit 3000 characters
each), the tool result as label/value `fields`, the citations as `context`
blocks, and, while the checklist runs, buttons for the current question. Every
message has a plain `text` fallback and stays under Slack's 50 blocks.

Buttons carry their session in their `value` (compact JSON: `s` session id,
`q` the question the button answers, `a` the answer), so an interaction can be
routed without any lookup and a click on an outdated step can be recognised.
"""

from __future__ import annotations

import json
from typing import Any

from api.slack.mrkdwn import SECTION_LIMIT, escape, split_text, to_mrkdwn, truncate
from api.slack.text import s
from assistant.formatting import number, percent
from assistant.i18n import t
from assistant.reply import ChecklistView, Citation, Reply, ToolRun

MAX_BLOCKS = 50
MAX_FIELDS = 10
FALLBACK_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
VALUE_LIMIT = 2000
QUOTE_LIMIT = 220
MAX_CITATIONS = 8

# action_ids (the bot's listeners match on these)
ANSWER = "checklist_answer"  # + "_<n>": action_ids must be unique within a block
PICK = "checklist_pick"
SUBMIT = "checklist_submit"
SKIP = "checklist_skip"
BACK = "checklist_back"
EXPORT = "checklist_export"
SHARE = "share_answer"
SUGGEST = "suggestion"  # + "_<n>": a reply's suggestion; the value carries its action
CONTROL_BLOCKS = ("cl_choices", "cl_nav", "cl_hint", "share", "suggestions")
# Actions the checklist controls already offer as buttons of their own.
_CHECKLIST_CONTROLS = ("checklist.skip", "checklist.back", "checklist.answer", "checklist.export")


# --------------------------------------------------------------------------- primitives


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def context(*texts: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "context",
                             "elements": [{"type": "mrkdwn", "text": x[:SECTION_LIMIT]} for x in texts[:10]]}
    if block_id:
        block["block_id"] = block_id
    return block


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button", "action_id": action_id, "value": value,
        "text": {"type": "plain_text", "text": truncate(label, BUTTON_TEXT_LIMIT) or "…", "emoji": True},
    }
    if style:
        element["style"] = style
    return element


def encode(**data: Any) -> str:
    """A button value: compact JSON, at most 2000 characters (Slack's limit)."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(raw) > VALUE_LIMIT and "a" in data:
        data["a"] = str(data["a"])[: VALUE_LIMIT - (len(raw) - len(str(data["a"]))) - 10]
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return raw


def decode(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def message(blocks: list[dict[str, Any]], fallback: str) -> dict[str, Any]:
    """`text` + `blocks` kwargs for chat.postMessage / chat.update / respond."""
    return {"text": truncate(fallback, FALLBACK_LIMIT) or " ", "blocks": blocks[:MAX_BLOCKS]}


def text_message(mrkdwn: str, *, note: str | None = None) -> dict[str, Any]:
    """A message of ready mrkdwn (help, apology), with an optional context note."""
    blocks = [section(chunk) for chunk in split_text(mrkdwn)][: MAX_BLOCKS - 1]
    if note:
        blocks.append(context(escape(truncate(note, 2000))))
    return message(blocks, mrkdwn)


def markdown_message(markdown: str) -> dict[str, Any]:
    """A long Markdown document (the procurement brief) as sections."""
    mrkdwn = to_mrkdwn(markdown)
    chunks = split_text(mrkdwn)
    if len(chunks) > MAX_BLOCKS:
        chunks = chunks[: MAX_BLOCKS - 1] + [truncate(" ".join(chunks[MAX_BLOCKS - 1:]), SECTION_LIMIT - 100)]
    return message([section(chunk) for chunk in chunks], mrkdwn)


# --------------------------------------------------------------------------- a Reply


def reply_message(reply: Reply, *, lead: str | None = None, share: str | None = None,
                  controls: bool = True, handoff_company: str | None = None) -> dict[str, Any]:
    """The whole message for `reply`.

    `lead`: a context line above the answer (who asked what). `share`: the value
    of a "Share in channel" button (ephemeral answers). `controls`: the checklist
    buttons for the current question and the 👍/👎 row (off for a shared copy).
    `handoff_company`: add "Talk to a consultant" (leads go to Slack), naming this consultancy.
    """
    lang = reply.language
    mrkdwn = to_mrkdwn(reply.text)
    extras: list[dict[str, Any]] = []
    if reply.tool is not None:
        fields = tool_fields(reply.tool, lang)
        if fields:
            extras.append({"type": "section", "fields": [
                {"type": "mrkdwn", "text": f"*{escape(label)}*\n{escape(value)}"[:2000]} for label, value in fields
            ]})
    extras += citation_blocks(reply.citations, lang)
    if controls and reply.checklist is not None:
        extras += checklist_blocks(reply.checklist, reply.session_id, lang, mrkdwn)
    if controls:
        extras += suggestion_blocks(reply)
    if share:
        extras.append({"type": "actions", "block_id": "share",
                       "elements": [button(s("share_button", lang), SHARE, share, style="primary")]})
    if controls and reply.turn is not None:
        extras.append(feedback_block(reply.session_id, reply.turn, lang, handoff_company=handoff_company))
    head = [context(lead)] if lead else []
    room = MAX_BLOCKS - len(extras) - len(head)
    body = [section(chunk) for chunk in split_text(mrkdwn)]
    if len(body) > room:
        body = body[: room - 1] + [section(truncate(" ".join(b["text"]["text"] for b in body[room - 1:]),
                                                    SECTION_LIMIT - 100))]
    return message(head + body + extras, mrkdwn)


def tool_fields(tool: ToolRun, lang: str) -> list[tuple[str, str]]:
    """The key figures of a tool run as (label, value) pairs."""
    r = tool.result
    rows: list[tuple[str, str]] = []
    if tool.name == "staffing":
        if r.get("agents") is not None:
            rows.append((s("label.agents", lang), str(r["agents"])))
        if r.get("scheduled_fte") is not None and r.get("scheduled_fte") != r.get("agents"):
            rows.append((s("label.scheduled_fte", lang), str(r["scheduled_fte"])))
        if r.get("monthly_fte") is not None:
            rows.append((s("label.monthly_fte", lang), number(float(r["monthly_fte"]), lang, 1)))
        if r.get("service_level") is not None:
            rows.append((t("field.service_level", lang), percent(float(r["service_level"]), lang)))
        if r.get("asa_seconds") is not None:
            rows.append((s("label.asa_seconds", lang),
                         f"{number(float(r['asa_seconds']), lang, 1)} {t('unit.seconds', lang)}"))
        if r.get("occupancy") is not None:
            rows.append((s("label.occupancy", lang), percent(float(r["occupancy"]), lang)))
    elif tool.name == "cost_comparison":
        currency = r.get("currency", "")
        months = r.get("horizon_months", "")
        if (r.get("in_house") or {}).get("steady_monthly") is not None:  # None: offers compared with each other
            rows.append((s("label.in_house_monthly", lang), f"{number(r['in_house']['steady_monthly'], lang)} {currency}"))
        for offer in (r.get("offers") or [])[:3]:
            name = str(offer.get("name") or "")
            rows.append((s("label.offer_monthly", lang, name=name),
                         f"{number(offer.get('steady_monthly', 0), lang)} {currency}"))
            if offer.get("savings_total") is None:
                continue
            rows.append((f"{name}: {s('label.savings', lang, months=months)}",
                         f"{number(offer.get('savings_total', 0), lang)} {currency}"))
            even = offer.get("break_even_month")
            rows.append((f"{name}: {s('label.break_even', lang)}",
                         str(even) if even else t("tool.costs.never", lang)))
    return [(label, value.strip()) for label, value in rows][:MAX_FIELDS]


def citation_blocks(citations: list[Citation], lang: str) -> list[dict[str, Any]]:
    """A "Sources" line, then one context block per cited passage: [n] title (article language) — quote."""
    seen: set[int] = set()
    blocks: list[dict[str, Any]] = []
    for c in citations:
        if c.n in seen or len(blocks) >= MAX_CITATIONS:
            continue
        seen.add(c.n)
        article_language = t(f"language_name.{c.language}", lang) if c.language in ("sv", "fi", "da", "nb", "en") \
            else c.language
        source = to_mrkdwn(t("answer.source", lang, title=c.title, article_language=article_language))
        quote = escape(truncate(" ".join(c.quote.split()), QUOTE_LIMIT))
        blocks.append(context(f"*[{c.n}]* {source} — “{quote}”"))
    return ([context(f"*{escape(t('brief.sources', lang))}*")] + blocks) if blocks else []


def suggestion_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The reply's suggestions as buttons; pressing one performs its action (never matched by label)."""
    shown = [sg for sg in reply.suggestions
             if not (reply.checklist is not None and sg.action in _CHECKLIST_CONTROLS)][:5]
    if not shown:
        return []
    return [{"type": "actions", "block_id": "suggestions", "elements": [
        button(truncate(sg.label, 75), f"{SUGGEST}_{i}", encode(s=reply.session_id, a=sg.action, v=(sg.value or "")[:1500]))
        for i, sg in enumerate(shown)]}]


def checklist_blocks(view: ChecklistView, session_id: str, lang: str, body: str = "") -> list[dict[str, Any]]:
    """The current question's controls: answer buttons (choices, yes/no), checkboxes and a
    submit button (multiple choice), or a hint to answer in the thread; then skip and back.
    A finished checklist gets the brief button."""
    if view.completed:
        return [{"type": "actions", "block_id": "cl_nav", "elements": [
            button(t("checklist.button.export", lang), EXPORT, encode(s=session_id), style="primary")]}]
    if view.question_id is None:
        return []
    blocks: list[dict[str, Any]] = []
    header = to_mrkdwn(t("checklist.step_header", lang, n=view.step_number, total=view.total, title=view.title))
    if header not in body:
        blocks.append(context(header))
    q = view.question_id
    if view.answer_type == "choice" and view.choices:
        blocks.append({"type": "actions", "block_id": "cl_choices", "elements": [
            button(c.label, f"{ANSWER}_{i}", encode(s=session_id, q=q, a=c.label))
            for i, c in enumerate(view.choices[:23])]})
    elif view.answer_type == "yes_no":
        blocks.append({"type": "actions", "block_id": "cl_choices", "elements": [
            button(t(f"checklist.{word}", lang), f"{ANSWER}_{i}", encode(s=session_id, q=q, a=t(f"checklist.{word}", lang)))
            for i, word in enumerate(("yes", "no"))]})
    elif view.answer_type == "multi_choice" and view.choices:
        blocks.append({"type": "actions", "block_id": "cl_choices", "elements": [
            {"type": "checkboxes", "action_id": PICK, "options": [
                {"text": {"type": "plain_text", "text": truncate(c.label, 150)}, "value": c.label[:150]}
                for c in view.choices[:10]]},
            button(s("submit", lang), SUBMIT, encode(s=session_id, q=q), style="primary")]})
    else:
        blocks.append(context(escape(s("answer_in_thread", lang)), block_id="cl_hint"))
    blocks.append({"type": "actions", "block_id": "cl_nav", "elements": [
        button(t("checklist.button.skip", lang), SKIP, encode(s=session_id, q=q)),
        button(t("checklist.button.back", lang), BACK, encode(s=session_id, q=q)),
    ]})
    return blocks


def settle(blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """A clicked message's blocks without its controls, plus a note of what was done."""
    kept = [b for b in blocks if b.get("block_id") == FEEDBACK_BLOCK  # the answer can still be rated
            or (b.get("type") not in ("actions", "input") and b.get("block_id") not in CONTROL_BLOCKS)]
    return kept[: MAX_BLOCKS - 1] + [context(note)]


# --------------------------------------------------------------------------- feedback and handoff

FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
HANDOFF = "handoff_open"  # the "handoff.open" action of the widget
FEEDBACK_MODAL = "feedback_comment"
FEEDBACK_BLOCK = "feedback"


def feedback_block(session_id: str, turn: int, lang: str, *, handoff_company: str | None = None) -> dict[str, Any]:
    """👍 / 👎 for the stored answer `turn`, and "Talk to a consultant" when leads go to Slack
    (`handoff_company`: the consultancy the consent names)."""
    value = encode(s=session_id, n=turn)
    elements = [button(s("feedback_up", lang), FEEDBACK_UP, value), button(s("feedback_down", lang), FEEDBACK_DOWN, value)]
    if handoff_company:
        elements.append(handoff_button(session_id, lang, handoff_company))
    return {"type": "actions", "block_id": FEEDBACK_BLOCK, "elements": elements}


def handoff_button(session_id: str, lang: str, company: str) -> dict[str, Any]:
    """The handoff button, with Slack's own confirmation dialog as the explicit consent."""
    from assistant.leads import consent_text

    element = button(s("handoff_button", lang), HANDOFF, encode(s=session_id, l=lang), style="primary")
    element["confirm"] = {
        "title": {"type": "plain_text", "text": truncate(s("handoff_confirm_title", lang), 100)},
        "text": {"type": "mrkdwn", "text": truncate(escape(consent_text(lang, company, "slack")), 300)},
        "confirm": {"type": "plain_text", "text": truncate(s("handoff_confirm_yes", lang), 30)},
        "deny": {"type": "plain_text", "text": truncate(s("handoff_confirm_no", lang), 30)},
    }
    return element


def feedback_modal(session_id: str, turn: int, lang: str) -> dict[str, Any]:
    """The optional comment after a 👎 (a modal; `private_metadata` names the turn)."""
    return {
        "type": "modal", "callback_id": FEEDBACK_MODAL, "private_metadata": encode(s=session_id, n=turn, l=lang),
        "title": {"type": "plain_text", "text": truncate(s("feedback_modal_title", lang), 24)},
        "submit": {"type": "plain_text", "text": truncate(s("feedback_modal_submit", lang), 24)},
        "close": {"type": "plain_text", "text": truncate(s("feedback_modal_cancel", lang), 24)},
        "blocks": [{"type": "input", "block_id": "comment", "optional": True,
                    "label": {"type": "plain_text", "text": truncate(s("feedback_modal_label", lang), 2000)},
                    "element": {"type": "plain_text_input", "action_id": "comment", "multiline": True,
                                "max_length": 2000}}],
    }


def without_feedback(blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """A rated message's blocks with its feedback row replaced by a note."""
    kept = [b for b in blocks if b.get("block_id") != FEEDBACK_BLOCK]
    return kept[: MAX_BLOCKS - 1] + [context(note)]


def lead_message(lead: Any) -> dict[str, Any]:
    """A lead for the consultancy's leads channel: who, how to reach them, then the brief."""
    from assistant.checklist.brief import render_markdown

    lang, c = lead.language, lead.contact
    who = c.name + (f" ({c.company})" if c.company else "")
    title = s("lead_title", lang, who=who)
    mention = f" <@{c.slack_user}>" if c.slack_user else ""
    details = s("lead_details", lang, email=c.email or "—", company=c.company or "—", phone=c.phone or "—",
                source=lead.source, language=t(f"language_name.{lang}", lang))
    brief = markdown_message(render_markdown(lead.brief))
    head = [section(f"*{escape(title)}*{mention}"), context(escape(details)),
            context(escape(f"“{lead.consent_text}”"), block_id="consent")]
    blocks = head + brief["blocks"][: MAX_BLOCKS - len(head)]
    return message(blocks, f"{title}\n{details}")
