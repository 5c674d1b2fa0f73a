"""The embeddable chat widget (api/static/widget.js) in a real browser against a live server.

One uvicorn server (temp SQLite, the repo's index) and one headless Chromium for the module.
Needs `pip install playwright` and Debian's chromium (`apt-get install -y chromium`); the
Playwright browser download is not used. Screenshots go to test-artifacts/ (git-ignored);
with WIDGET_README_SCREENSHOT=1 the desktop screenshot is also copied to api/static/screenshot.png.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evals.loopback import free_port

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("WIDGET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
READY_TIMEOUT = 240  # seconds; the first start builds the search index
REPLY_TIMEOUT = 60_000  # ms

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"),
]

PILOT = "Ska vi börja med ett pilotprojekt?"
STAFFING = "Hur många agenter behöver vi för 300 samtal i timmen, 4 minuter per samtal och 80/20?"
INJECTION = '<img src=x onerror="window.__pwned=1">'
ADMIN_TOKEN = "widget-admin-token"


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live uvicorn server on a free port, with a fresh SQLite database."""
    tmp = tmp_path_factory.mktemp("widget-server")
    port = free_port()
    env = {**os.environ, "ASSISTANT_DATABASE_URL": f"sqlite:///{tmp / 'sessions.db'}",
           "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0", "PYTHONUNBUFFERED": "1", "ASSISTANT_ADMIN_TOKEN": ADMIN_TOKEN}
    env.pop("ASSISTANT_LLM", None)  # the offline, deterministic answers
    log_path = tmp / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server was not ready within {READY_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """A factory of pages in fresh contexts (own localStorage); fails the test on any uncaught JS error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(**context_options: Any) -> Any:
        options = {"viewport": {"width": 1280, "height": 860}, "locale": "sv-SE", **context_options}
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(REPLY_TIMEOUT)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"


@pytest.fixture
def page(new_page: Any) -> Any:
    return new_page()


# ---------------------------------------------------------------------------- helpers

W = "nordic-assistant"


def shadow(page: Any, script: str, arg: Any = None) -> Any:
    """Evaluate `script` as a function of (element, shadowRoot, arg)."""
    return page.evaluate(
        f"([arg]) => {{ const el = document.querySelector('{W}'); const root = el.shadowRoot; return ({script})(el, root, arg); }}",
        [arg],
    )


def open_widget(page: Any) -> None:
    page.locator(f"{W} .launcher").click()
    sync_api.expect(page.locator(f"{W} .panel")).to_be_visible()


def answers(page: Any) -> Any:
    return page.locator(f"{W} .msg.bot:not(.welcome):not(.error)")


def wait_idle(page: Any, bots: int) -> None:
    """Until the widget is not busy and shows at least `bots` assistant messages (not counting the greeting)."""
    page.wait_for_function(
        """([tag, n]) => { const el = document.querySelector(tag);
             return el && el.busy === false && el.shadowRoot.querySelectorAll('.msg.bot:not(.welcome):not(.error)').length >= n; }""",
        arg=[W, bots], timeout=REPLY_TIMEOUT,
    )


def ask(page: Any, text: str) -> Any:
    """Type a message, press Enter, wait for the whole reply; returns the reply's message element."""
    before = answers(page).count()
    box = page.locator(f"{W} textarea")
    box.fill(text)
    box.press("Enter")
    wait_idle(page, before + 1)
    return answers(page).last


def click_and_wait(page: Any, locator: Any) -> Any:
    before = answers(page).count()
    locator.click()
    wait_idle(page, before + 1)
    return answers(page).last


def stored_session(page: Any) -> dict[str, str]:
    raw = page.evaluate("() => Object.entries(localStorage).find(([k]) => k.startsWith('nordic-assistant:session:'))")
    assert raw, "no session in localStorage"
    return json.loads(raw[1])


def api_get(server: str, path: str, token: str) -> Any:
    request = urllib.request.Request(server + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages)


def panel_has_focus(page: Any) -> bool:
    return shadow(page, "(el, root) => !!root.activeElement && root.querySelector('.panel').contains(root.activeElement)")


def checklist_state(page: Any) -> dict[str, str]:
    return shadow(page, """(el, root) => ({
        title: root.querySelector('.cl-title').textContent, question: root.querySelector('.cl-q').textContent,
        count: root.querySelector('.cl-count').textContent, hidden: root.querySelector('.checklist').hidden })""")


def conversation(page: Any) -> list[tuple[str, str]]:
    """The messages as (who, text) without the screen-reader prefix ("Du: ")."""
    return [tuple(m) for m in shadow(page, """(el, root) => Array.from(root.querySelectorAll('.msg:not(.welcome)')).map((m) => {
        const bubble = m.querySelector('.bubble').cloneNode(true);
        bubble.querySelectorAll('.sr').forEach((n) => n.remove());
        return [m.classList.contains('user') ? 'user' : 'bot', bubble.textContent.trim()]; })""")]


# ---------------------------------------------------------------------------- tests


def test_a_swedish_question_streams_in_with_an_expandable_verbatim_citation(page, server, artifacts):
    page.goto(server + "/")
    sync_api.expect(page.locator(f"{W} .launcher")).to_be_visible()
    open_widget(page)
    sync_api.expect(page.locator(f"{W} .msg.welcome")).to_contain_text("Hej!")
    # Record the answer's text length at every DOM change, to see it grow while it streams.
    shadow(page, """(el, root) => {
        window.__lengths = [];
        new MutationObserver(() => {
            const bodies = root.querySelectorAll('.msg.bot:not(.welcome) .md');
            if (bodies.length) window.__lengths.push(bodies[bodies.length - 1].textContent.length);
        }).observe(root.querySelector('.log'), { subtree: true, childList: true, characterData: true });
    }""")

    reply = ask(page, PILOT)

    text = reply.locator(".md").inner_text()
    assert "piloter och testperioder" in text
    lengths = [n for n in page.evaluate("window.__lengths") if n > 0]
    growth = lengths[: lengths.index(max(lengths)) + 1]  # the final render turns "[1]" into a citation button
    assert len(set(growth)) >= 3 and growth == sorted(growth), f"the text did not grow in steps: {lengths}"

    # A numbered, expandable source with the article's language named in Swedish.
    source = reply.locator("details.src").first
    summary = source.locator("summary")
    sync_api.expect(summary).to_contain_text("[1]")
    sync_api.expect(summary).to_contain_text("Älä hae pikavoittoja ulkoistamalla")
    sync_api.expect(summary).to_contain_text("(finska)")
    quote = source.locator(".src-q")
    sync_api.expect(quote).to_be_hidden()
    summary.click()
    sync_api.expect(quote).to_be_visible()

    # The quote shown is verbatim the citation the API returned.
    session = stored_session(page)
    history = api_get(server, f"/v1/sessions/{session['id']}", session["token"])
    citation = history["turns"][-1]["reply"]["citations"][0]
    assert quote.text_content() == citation["quote"]
    assert citation["quote"].startswith("Muutaman kuukauden testijaksolla")

    # The [1] marker in the text is a button that opens the same source.
    summary.click()
    sync_api.expect(quote).to_be_hidden()
    reply.locator(".md .cite").first.click()
    sync_api.expect(quote).to_be_visible()


def test_a_staffing_question_shows_the_erlang_table(page, server, artifacts):
    page.goto(server + "/")
    open_widget(page)
    ask(page, PILOT)
    answers(page).last.locator("details.src summary").first.click()  # an open source above, for the picture
    reply = ask(page, STAFFING)

    table = reply.locator(".tool.staffing")
    sync_api.expect(table).to_be_visible()
    sync_api.expect(table.locator("tr.agents td")).to_have_text("25")
    sync_api.expect(table.locator("tr.agents th")).to_have_text("Agenter som behövs")
    sync_api.expect(table.locator("tr.service-level td")).to_have_text("86,2 %")
    sync_api.expect(table.locator("tr.occupancy td")).to_have_text("80 %")
    sync_api.expect(table.locator("tr.asa td")).to_have_text("10,0 s")
    assert "25 agenter" in reply.locator(".md").inner_text()

    page.wait_for_timeout(300)  # let the panel settle before the picture
    page.screenshot(path=str(artifacts / "widget-desktop.png"))
    if os.environ.get("WIDGET_README_SCREENSHOT") == "1":
        shutil.copyfile(artifacts / "widget-desktop.png", ROOT / "api" / "static" / "screenshot.png")


def test_a_cost_question_shows_in_house_against_the_offer(page, server):
    page.goto(server + "/")
    open_widget(page)
    reply = ask(page, "Vi har 12 agenter med 32 000 kr i lön, leverantören tar 6,50 kr per minut, "
                      "20 000 samtal i månaden, 4 minuter per samtal. Jämför kostnaderna.")
    table = reply.locator(".tool.costs table")
    sync_api.expect(table).to_be_visible()

    def cells(row: str) -> list[str]:
        texts = table.locator(f"tr.{row} > *").all_inner_texts()
        return [" ".join(t.replace("\u00a0", " ").replace("\u202f", " ").split()) for t in texts]

    assert cells("monthly") == ["Per månad", "384 000 kr", "520 000 kr"]
    assert cells("total") == ["Totalt, 36 mån", "13 824 000 kr", "18 967 143 kr"]
    assert cells("savings") == ["Besparing", "–", "−5 143 143 kr"]
    assert cells("break-even") == ["Break-even", "–", "aldrig"]
    head = table.locator("thead th").all_inner_texts()
    assert [" ".join(h.split()) for h in head] == ["", "Egen regi Billigast", "Offert 1"]


def test_a_suggestion_button_performs_its_action_not_its_text(page, server, artifacts):
    page.goto(server + "/")
    open_widget(page)
    requests: list[dict] = []
    page.on("request", lambda r: requests.append({"url": r.url, "body": r.post_data}) if r.method == "POST" else None)
    reply = click_and_wait(page, page.locator(f"{W} .msg.welcome .chip", has_text="Räkna bemanning"))
    sync_api.expect(reply.locator(".md")).to_contain_text("Hur många samtal får ni")
    posted = [r for r in requests if r["url"].endswith("/actions")]
    assert posted and json.loads(posted[-1]["body"]) == {"action": "tool.staffing"}
    # The reply's own suggestions carry actions too: the costs button starts the cost comparison.
    chip = reply.locator('.chip[data-action="tool.cost_comparison"]')
    sync_api.expect(chip).to_have_count(1)
    nxt = click_and_wait(page, chip)
    sync_api.expect(nxt.locator(".md")).to_contain_text("kontakter hanterar ni per månad")


def test_the_checklist_survives_a_reload_at_the_same_question(page, server, artifacts):
    page.goto(server + "/")
    open_widget(page)
    click_and_wait(page, page.locator(f"{W} .msg.welcome .chip", has_text="Starta checklistan"))
    state = checklist_state(page)
    assert not state["hidden"]
    assert state["title"] == "Steg 1 av 10 · Problemet som ska lösas"
    assert state["question"].startswith("Beskriv problemet som outsourcingen ska lösa")
    assert state["count"] == "0/10 steg klara"

    ask(page, "Kunderna väntar för länge i telefon och vi tappar ärenden under kampanjerna.")
    assert checklist_state(page)["question"].startswith("Vilken typ av leverantör")
    ask(page, "En flerspråkig nordisk leverantör med teknisk support.")
    assert checklist_state(page)["question"].startswith("Vad skulle få er att lita på")

    # The strip's skip button, twice, reaches step 2 and its choice question.
    click_and_wait(page, page.locator(f"{W} .checklist .skip"))
    click_and_wait(page, page.locator(f"{W} .checklist .skip"))
    state = checklist_state(page)
    assert state["title"] == "Steg 2 av 10 · Målsättningar" and state["count"] == "1/10 steg klara"
    width = shadow(page, "(el, root) => root.querySelector('.bar > span').style.width")
    assert width == "10%"
    # Answer buttons come from the reply's suggestions.
    reply = click_and_wait(page, answers(page).last.locator(".chip", has_text="Sänkta kostnader"))
    assert checklist_state(page)["question"] == "Vilka andra mål är också viktiga? Välj alla som gäller."
    assert reply.locator(".chip.choice").count() == 8
    sync_api.expect(reply.locator(".chip.confirm")).to_be_disabled()

    # The brief downloads with the session's token.
    with page.expect_download() as info:
        page.locator(f"{W} .checklist .download-brief").click()
    download = info.value
    assert download.suggested_filename == "upphandlingsunderlag.pdf"
    brief = pdf_text(Path(download.path()))
    assert "Upphandlingsunderlag" in brief and "Kunderna väntar för länge" in brief

    before_state, before_log = checklist_state(page), conversation(page)
    assert ("user", "Hoppa över") in before_log

    page.reload()
    open_widget(page)
    page.wait_for_function(
        "([tag, n]) => document.querySelector(tag).shadowRoot.querySelectorAll('.msg.bot:not(.welcome)').length >= n"
        " && !document.querySelector(tag).shadowRoot.querySelector('.loading')",
        arg=[W, len([m for m in before_log if m[0] == "bot"])],
    )
    sync_api.expect(page.locator(f"{W} .checklist")).to_be_visible()
    assert checklist_state(page) == before_state
    assert conversation(page) == before_log
    reply = answers(page).last
    sync_api.expect(reply.locator(".chip.choice")).to_have_count(8)

    # The resumed session carries on: pick two goals and confirm.
    reply.locator(".chip.choice", has_text="Nöjdare kunder").click()
    reply.locator(".chip.choice", has_text="Ökad effektivitet").click()
    sync_api.expect(reply.locator(".chip.choice[aria-pressed=true]")).to_have_count(2)
    click_and_wait(page, reply.locator(".chip.confirm"))
    assert checklist_state(page)["question"].startswith("Varför och hur tror ni")
    # And back goes back.
    click_and_wait(page, page.locator(f"{W} .checklist .back"))
    assert checklist_state(page)["question"] == "Vilka andra mål är också viktiga? Välj alla som gäller."


def test_the_widget_works_on_a_page_with_hostile_css(page, server, artifacts):
    page.goto(server + "/static/hostile.html")
    launcher = page.locator(f"{W} .launcher")
    sync_api.expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box and box["width"] >= 50 and box["height"] >= 50
    assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 860
    styles = shadow(page, """(el, root) => { const b = getComputedStyle(root.querySelector('.launcher'));
        return { host: getComputedStyle(el).display, bg: b.backgroundColor, color: b.color }; }""")
    assert styles == {"host": "block", "bg": "rgb(31, 95, 191)", "color": "rgb(255, 255, 255)"}

    open_widget(page)
    panel = page.locator(f"{W} .panel").bounding_box()
    assert panel and panel["width"] >= 380 and panel["height"] >= 400
    reply = ask(page, "Vilka prismodeller finns?")
    assert len(reply.locator(".md").inner_text()) > 40
    font = shadow(page, "(el, root) => getComputedStyle(root.querySelector('.msg.bot:not(.welcome) .md p')).fontSize")
    assert font == "14.5px"
    page.screenshot(path=str(artifacts / "widget-hostile.png"))


def test_the_widget_is_keyboard_usable(page, server):
    page.goto(server + "/")
    launcher = page.locator(f"{W} .launcher")
    sync_api.expect(launcher).to_have_attribute("aria-label", "Öppna chatten")
    sync_api.expect(launcher).to_have_attribute("aria-expanded", "false")
    on_launcher = "(el, root) => document.activeElement === el && root.activeElement === root.querySelector('.launcher')"
    for _ in range(40):
        page.keyboard.press("Tab")
        if shadow(page, on_launcher):
            break
    else:
        pytest.fail("Tab never reached the chat button")

    page.keyboard.press("Enter")
    panel = page.locator(f"{W} .panel")
    sync_api.expect(panel).to_be_visible()
    sync_api.expect(panel).to_have_attribute("role", "dialog")
    sync_api.expect(panel).to_have_attribute("aria-modal", "true")
    sync_api.expect(launcher).to_have_attribute("aria-expanded", "true")
    sync_api.expect(page.locator(f"{W} .log")).to_have_attribute("aria-live", "polite")
    assert panel_has_focus(page)
    assert shadow(page, "(el, root) => root.activeElement.tagName") == "TEXTAREA"
    assert shadow(page, "(el, root) => root.querySelector('.panel').getAttribute('aria-labelledby') === root.querySelector('h2').id")

    # Tab and Shift+Tab cycle inside the panel.
    seen = set()
    for _ in range(25):
        page.keyboard.press("Tab")
        assert panel_has_focus(page)
        seen.add(shadow(page, "(el, root) => root.activeElement.className || root.activeElement.tagName"))
    assert {"icon-btn close", "TEXTAREA"} <= seen
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        assert panel_has_focus(page)
    # A focused control shows a visible focus ring.
    page.locator(f"{W} .icon-btn.close").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = shadow(page, "(el, root) => getComputedStyle(root.activeElement).outlineStyle")
    assert outline not in ("", "none")

    # Enter on a focused suggestion sends it; the answer arrives.
    page.locator(f"{W} .msg.welcome .chip").first.focus()
    page.keyboard.press("Enter")
    wait_idle(page, 1)

    page.keyboard.press("Escape")
    sync_api.expect(panel).to_be_hidden()
    assert shadow(page, on_launcher)
    sync_api.expect(launcher).to_have_attribute("aria-expanded", "false")


def test_no_html_from_messages_answers_or_sources_reaches_the_page(page, server):
    page.goto(server + "/")
    open_widget(page)
    ask(page, INJECTION)
    user = page.locator(f"{W} .msg.user").last
    sync_api.expect(user.locator(".bubble")).to_have_text("Du: " + INJECTION)

    # An answer and a source quote that carry HTML (as if the articles or a model produced it).
    nasty_text = ("Se **fet** och *kursiv* text. " + INJECTION + " [1]\n\n"
                  "<script>window.__pwned = 2</script>\n\n"
                  "- [länk](javascript:window.__pwned=3)\n- [bra länk](https://example.com/a?b=1&c=2)\n\n"
                  "| a | b |\n|---|---|\n| <b>x</b> | `<i>y</i>` |\n\n"
                  "> citat <svg onload=\"window.__pwned=4\">")
    citation = {"n": 1, "doc_id": "x", "title": "<img src=x onerror=\"window.__pwned=5\">Titel", "language": "fi",
                "heading": "<b>rubrik</b>", "quote": "<iframe src=\"javascript:window.__pwned=6\"></iframe>citat",
                "start_index": 0, "end_index": 10}
    reply = {"session_id": "s", "text": nasty_text, "language": "sv", "intent": "question", "citations": [citation],
             "tool": None, "missing": [], "checklist": None, "covered": True,
             "suggestions": [{"label": "<img src=x onerror=\"window.__pwned=7\">", "action": "ask", "value": "hej"}],
             "notice": None}
    pieces = re.findall(r"\S+\s*|\s+", nasty_text)
    events = "".join(f"event: delta\ndata: {json.dumps({'text': piece})}\n\n" for piece in pieces)
    events += f"event: citations\ndata: {json.dumps([citation])}\n\nevent: done\ndata: {json.dumps(reply)}\n\n"
    page.route("**/v1/sessions/*/messages", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/event-stream; charset=utf-8"}, body=events))

    answer = ask(page, "visa något farligt")
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    counts = shadow(page, """(el, root) => ({
        img: root.querySelectorAll('img').length, script: root.querySelectorAll('script').length,
        iframe: root.querySelectorAll('iframe').length, svg_onload: root.querySelectorAll('svg[onload]').length,
        handlers: Array.from(root.querySelectorAll('*')).filter((n) => Array.from(n.attributes).some((a) => a.name.startsWith('on'))).length,
        js_links: root.querySelectorAll('a[href^="javascript"]').length })""")
    assert counts == {"img": 0, "script": 0, "iframe": 0, "svg_onload": 0, "handlers": 0, "js_links": 0}
    body = answer.locator(".md")
    assert INJECTION in body.inner_text() and "<script>window.__pwned = 2</script>" in body.inner_text()
    sync_api.expect(body.locator("strong")).to_have_text("fet")
    sync_api.expect(body.locator("em").first).to_have_text("kursiv")
    sync_api.expect(body.locator("table td").first).to_have_text("<b>x</b>")
    sync_api.expect(body.locator("table code")).to_have_text("<i>y</i>")
    link = body.locator("a")
    sync_api.expect(link).to_have_count(1)
    sync_api.expect(link).to_have_attribute("href", "https://example.com/a?b=1&c=2")
    sync_api.expect(link).to_have_attribute("rel", "noopener noreferrer")
    assert "[länk](javascript:window.__pwned=3)" in body.inner_text()
    sync_api.expect(answer.locator("details.src summary")).to_contain_text('<img src=x onerror="window.__pwned=5">Titel')
    answer.locator("details.src summary").click()
    sync_api.expect(answer.locator(".src-q")).to_have_text(citation["quote"])
    sync_api.expect(answer.locator(".chip")).to_have_text(reply["suggestions"][0]["label"])
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_markdown_renderer_covers_the_basics(page, server):
    page.goto(server + "/")
    page.wait_for_function(f"!!customElements.get('{W}')")
    html = page.evaluate("""(md) => customElements.get('nordic-assistant').renderMarkdown(md)""",
                         "### Rubrik\n\nEtt stycke med **fet**, *kursiv* och `kod`.\nNy rad.\n\n- ett\n- två\n\n"
                         "1. första\n2. andra\n\n> citat\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\nhttps://example.com.")
    assert "<h4>Rubrik</h4>" in html
    assert "<p>Ett stycke med <strong>fet</strong>, <em>kursiv</em> och <code>kod</code>.<br>Ny rad.</p>" in html
    assert "<ul><li>ett</li><li>två</li></ul>" in html and "<ol><li>första</li><li>andra</li></ol>" in html
    assert "<blockquote><p>citat</p></blockquote>" in html
    assert '<th class="al-right">b</th>' in html and "<td>1</td>" in html
    assert '<a href="https://example.com" target="_blank" rel="noopener noreferrer">https://example.com</a>.' in html


def test_a_phone_sized_screen_gets_a_full_screen_panel(new_page, server, artifacts):
    page = new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(server + "/")
    page.locator(f"{W} .launcher").tap()
    panel = page.locator(f"{W} .panel")
    sync_api.expect(panel).to_be_visible()
    assert panel_has_focus(page)
    reply = ask(page, PILOT)
    assert "piloter" in reply.inner_text()
    box = panel.bounding_box()
    assert box == {"x": 0, "y": 0, "width": 375, "height": 740}
    overflow = shadow(page, "(el, root) => { const l = root.querySelector('.log'); return l.scrollWidth - l.clientWidth; }")
    assert overflow <= 0
    page.screenshot(path=str(artifacts / "widget-375.png"))
    page.locator(f"{W} .icon-btn.close").tap()
    sync_api.expect(page.locator(f"{W} .launcher")).to_be_visible()


def test_errors_are_friendly_and_a_lost_session_starts_afresh(page, server):
    page.goto(server + "/")
    # A session the server doesn't know (purged, or another database): the widget starts a new one.
    page.evaluate("() => localStorage.setItem('nordic-assistant:session:' + location.origin,"
                  " JSON.stringify({ id: 'gone-session', token: 'not-a-token' }))")
    page.reload()
    open_widget(page)
    sync_api.expect(page.locator(f"{W} .msg.welcome .chip")).to_have_count(4)
    assert page.evaluate("() => localStorage.length") == 0

    page.route("**/v1/sessions/*/messages", lambda route: route.fulfill(
        status=429, headers={"Retry-After": "7", "Content-Type": "application/json"},
        body=json.dumps({"error": {"code": "rate_limited", "message": "too many requests; try again in 7 s", "details": {}}})))
    page.locator(f"{W} textarea").fill("Vilka prismodeller finns?")
    page.locator(f"{W} textarea").press("Enter")
    error = page.locator(f"{W} .msg.error")
    sync_api.expect(error).to_contain_text("För många meddelanden just nu. Vänta 7 sekunder och försök igen.")
    assert "{" not in error.inner_text() and "rate_limited" not in error.inner_text()
    session = stored_session(page)
    assert session["id"] != "gone-session"

    page.unroute("**/v1/sessions/*/messages")
    page.route("**/v1/sessions/*/messages", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/event-stream"},
        body='event: delta\ndata: {"text": "Halv"}\n\nevent: error\ndata: {"error": {"code": "index_unavailable", "message": "x", "details": {}}}\n\n'))
    error.locator(".retry").click()
    sync_api.expect(page.locator(f"{W} .msg.error")).to_contain_text("Assistenten startar")

    # With the network back, "try again" gets the answer.
    page.unroute("**/v1/sessions/*/messages")
    page.locator(f"{W} .msg.error .retry").click()
    wait_idle(page, 1)
    assert "ersättningsmodell" in answers(page).last.locator(".md").inner_text()
    sync_api.expect(page.locator(f"{W} .msg.error")).to_have_count(0)


def test_language_theme_and_position_come_from_the_page(new_page, server):
    page = new_page(locale="en-US")
    # A page in Norwegian Nynorsk, with theme attributes on the script tag.
    page.route(server + "/embed-test", lambda route: route.fulfill(status=200, content_type="text/html", body=(
        '<!doctype html><html lang="nn"><head><link rel="icon" href="data:,"></head><body><h1>Test</h1>'
        '<script src="/widget.js" data-api="" data-accent="#0b6e4f" data-position="left" data-title="Kundeservice-hjelp" async></script>'
        '</body></html>')))
    page.goto(server + "/embed-test")
    launcher = page.locator(f"{W} .launcher")
    sync_api.expect(launcher).to_have_attribute("aria-label", "Åpne chatten")
    assert launcher.bounding_box()["x"] < 100
    assert shadow(page, "(el, root) => getComputedStyle(root.querySelector('.launcher')).backgroundColor") == "rgb(11, 110, 79)"
    open_widget(page)
    sync_api.expect(page.locator(f"{W} h2")).to_have_text("Kundeservice-hjelp")
    sync_api.expect(page.locator(f"{W} textarea")).to_have_attribute("placeholder", "Spør om outsourcing av kundeservice…")
    with page.expect_request(lambda r: r.url.endswith("/v1/sessions") and r.method == "POST") as info:
        page.locator(f"{W} textarea").fill("Hvilke prismodeller finnes?")
        page.locator(f"{W} textarea").press("Enter")
    assert info.value.post_data_json == {"language": "nb"}
    wait_idle(page, 1)

    # No data-lang and no <html lang>: the browser's language decides (fi-FI -> fi).
    page2 = new_page(locale="fi-FI")
    page2.route(server + "/embed-test", lambda route: route.fulfill(status=200, content_type="text/html", body=(
        '<!doctype html><html><head><link rel="icon" href="data:,"></head><body>'
        '<script src="/widget.js" data-api="" async></script></body></html>')))
    page2.goto(server + "/embed-test")
    sync_api.expect(page2.locator(f"{W} .launcher")).to_have_attribute("aria-label", "Avaa chat")


# ---------------------------------------------------------------------------- feedback, handoff, PDF, deletion


def api_call(server: str, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def open_menu_item(page: Any, action: str, screenshot: Path | None = None) -> None:
    page.locator(f"{W} .menu-btn").click()
    sync_api.expect(page.locator(f"{W} .menu")).to_be_visible()
    if screenshot is not None:
        page.screenshot(path=str(screenshot))
    page.locator(f"{W} .menu [data-action='{action}']").click()


def test_an_answer_is_rated_with_a_comment_and_the_rating_survives_a_reload(page, server, artifacts):
    page.goto(server + "/")
    open_widget(page)
    reply = ask(page, PILOT)
    reply.locator(".rate .thumb.down").click()
    comment = reply.locator(".rate input.comment")
    sync_api.expect(comment).to_be_focused()
    comment.fill("Saknar ett exempel på hur länge piloten brukar pågå.")
    reply.locator(".rate .comment-form button").click()
    sync_api.expect(reply.locator(".rate .rated")).to_have_text("Tack för din återkoppling!")
    page.screenshot(path=str(artifacts / "widget-feedback.png"))

    session = stored_session(page)
    turns = api_get(server, f"/v1/sessions/{session['id']}", session["token"])["turns"]
    rated = [t for t in turns if t["feedback"]]
    assert len(rated) == 1 and rated[0]["role"] == "assistant"
    assert rated[0]["feedback"]["rating"] == "down"
    assert rated[0]["feedback"]["comment"] == "Saknar ett exempel på hur länge piloten brukar pågå."

    # Changing one's mind replaces the rating; after a reload the answer shows it.
    reply.locator(".rate .thumb.up").click()
    sync_api.expect(reply.locator(".rate .thumb.up")).to_have_attribute("aria-pressed", "true")
    page.reload()
    open_widget(page)
    restored = answers(page).first
    sync_api.expect(restored.locator(".rate .thumb.up")).to_have_attribute("aria-pressed", "true")
    sync_api.expect(restored.locator(".rate .thumb.down")).to_have_attribute("aria-pressed", "false")
    turns = api_get(server, f"/v1/sessions/{session['id']}", session["token"])["turns"]
    assert [t["feedback"]["rating"] for t in turns if t["feedback"]] == ["up"]


def test_the_handoff_form_refuses_without_consent_and_sends_the_lead_with_it(page, server, artifacts):
    page.goto(server + "/")
    open_widget(page)
    ask(page, PILOT)
    open_menu_item(page, "handoff.open", screenshot=artifacts / "widget-menu.png")
    form = page.locator(f"{W} .msg.handoff form")
    sync_api.expect(form.locator("h3")).to_have_text("Prata med en konsult")
    sync_api.expect(form.locator("label.consent")).to_contain_text("Jag samtycker till att Nordic Outsourcing Advisors")
    form.locator("input[name=name]").fill("Åsa Öberg")
    form.locator("input[name=email]").fill("asa.oberg@example.se")
    form.locator("input[name=company]").fill("Möbelhuset AB")
    form.locator(".submit").click()
    sync_api.expect(form.locator(".problem")).to_have_text(
        "Kryssa i rutan för att samtycka – utan samtycke kan vi inte skicka dina uppgifter.")
    session = stored_session(page)
    assert not _leads_of(server, session["id"]), "a lead was stored without consent"
    page.screenshot(path=str(artifacts / "widget-handoff.png"))

    form.locator("input[name=consent]").check()
    form.locator(".submit").click()
    sync_api.expect(page.locator(f"{W} .msg.handoff .handoff-thanks")).to_have_text(
        "Tack, Åsa Öberg! En konsult från Nordic Outsourcing Advisors kontaktar dig snart.")
    [lead] = _leads_of(server, session["id"])
    assert lead["contact"] == {"name": "Åsa Öberg", "email": "asa.oberg@example.se", "company": "Möbelhuset AB",
                               "phone": None, "slack_user": None, "slack_team": None}
    assert lead["consent_text"].startswith("Jag samtycker till att Nordic Outsourcing Advisors")
    assert lead["language"] == "sv" and lead["transcript"][0]["text"] == PILOT
    assert lead["brief"]["schema"] == "procurement-brief"


def _leads_of(server: str, session_id: str) -> list[dict[str, Any]]:
    status, body = api_call(server, "GET", "/v1/admin/leads?limit=500", ADMIN_TOKEN)
    assert status == 200, body
    return [entry["lead"] for entry in body["leads"] if entry["lead"]["session_id"] == session_id]


def test_the_brief_downloads_as_pdf_from_the_menu_and_when_the_checklist_ends(page, server, artifacts):
    page.goto(server + "/")
    open_widget(page)
    ask(page, "Hej")
    session = stored_session(page)
    sid, token = session["id"], session["token"]
    # Any time, from the menu.
    with page.expect_download() as info:
        open_menu_item(page, "brief.download")
    assert info.value.suggested_filename == "upphandlingsunderlag.pdf"
    assert "Upphandlingsunderlag" in pdf_text(Path(info.value.path()))

    # The checklist answered to the end through the API (its answers are the catalog's examples).
    from assistant.checklist.flow import ChecklistFlow

    assert api_call(server, "POST", f"/v1/sessions/{sid}/checklist/start", token)[0] == 200
    numbers = {"aht_seconds": "240", "opening_hours_per_day": "10", "sl_answer_seconds": "20"}
    given = {}
    for _step, question in ChecklistFlow().order:
        answer = numbers.get(question.id, question.example["sv"])
        status, reply = api_call(server, "POST", f"/v1/sessions/{sid}/checklist/answer", token, {"answer": answer})
        assert status == 200, reply
        given[question.id] = answer
    assert reply["checklist"]["completed"]

    page.reload()
    open_widget(page)
    last = answers(page).last
    sync_api.expect(last.locator(".chip.handoff-open")).to_be_visible()
    with page.expect_download() as info:
        last.locator(".chip.brief-download").click()
    text = pdf_text(Path(info.value.path()))
    for question_id in ("problem_statement", "supplier_type", "trust_basis"):
        assert " ".join(given[question_id].split()) in text, question_id
    assert "Bemanning (Erlang C)" in text and "Kostnadsjämförelse" in text
    Path(info.value.path()).replace(artifacts / "brief-from-widget.pdf")
    page.screenshot(path=str(artifacts / "widget-checklist-done.png"))


def test_deleting_the_conversation_empties_the_widget_and_the_api_forgets_it(page, server, artifacts):
    page.goto(server + "/")
    open_widget(page)
    reply = ask(page, PILOT)
    reply.locator(".rate .thumb.up").click()
    sync_api.expect(reply.locator(".rate .rated")).to_be_visible()
    session = stored_session(page)
    open_menu_item(page, "conversation.delete")
    page.locator(f"{W} .msg.confirm-delete .delete-yes").click()
    sync_api.expect(page.locator(f"{W} .msg.deleted .md")).to_have_text("Konversationen är raderad.")
    page.screenshot(path=str(artifacts / "widget-deleted.png"))
    assert page.evaluate("() => localStorage.length") == 0
    status, body = api_call(server, "GET", f"/v1/sessions/{session['id']}", session["token"])
    assert status == 404 and body["error"]["code"] == "not_found"

    page.reload()
    open_widget(page)
    sync_api.expect(page.locator(f"{W} .msg.welcome")).to_have_count(1)
    sync_api.expect(page.locator(f"{W} .msg:not(.welcome)")).to_have_count(0)
