"""The `assistant` command: index, corpus, notes, search, chat, serve, insights,
Slack, the tools (`cli.tools`) and the evaluation (`evals.cli`).

Heavy modules (embedding model, index, the server) are imported inside the
commands that need them, so `assistant staffing` starts fast."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated, Any

import typer

from assistant.errors import AssistantError
from cli import tools
from evals.cli import eval_command

app = typer.Typer(
    name="assistant",
    help="Nordic outsourcing assistant: index, search, tools and chat.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
index_app = typer.Typer(help="Build and inspect the search index.", no_args_is_help=True)
app.add_typer(index_app, name="index")
corpus_app = typer.Typer(help="Add articles to the corpus.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
notes_app = typer.Typer(help="Draft notes for an article with the configured model, then accept them.",
                        no_args_is_help=True)
app.add_typer(notes_app, name="notes")


def fail(message: str, code: int = 2) -> None:
    """Print a domain error as one line on stderr and exit (never a traceback)."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _progress_bar() -> tuple[Any, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("[bold]{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        transient=False, disable=not sys.stderr.isatty(),
    )
    tasks: dict[str, Any] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    return progress, report


@index_app.command("build")
def index_build() -> None:
    """Build the index from corpus/ (chunks, embeddings, BM25) and print counts and time."""
    from assistant.embeddings import get_embeddings
    from assistant.index import build_index, _build_lock
    from assistant.settings import get_settings

    settings = get_settings()
    progress, report = _progress_bar()
    started = time.perf_counter()
    try:
        embeddings = get_embeddings()
        with progress, _build_lock(settings.index_dir):
            index = build_index(settings.corpus_dir, settings.index_dir, embeddings, progress=report)
    except AssistantError as exc:
        fail(exc.message)
    counts = index.manifest["counts"]
    typer.echo(
        f"built index in {time.perf_counter() - started:.1f} s: {counts['documents']} articles, "
        f"{counts['chunks']} chunks, {counts['notes']} notes ({counts['note_vectors']} note vectors); "
        f"model {index.manifest['embedding_model']} -> {index.path.resolve()}"
    )


def _rebuild_index() -> Any:
    """Rebuild the index, embedding only texts the current build does not have."""
    from assistant.embeddings import get_embeddings
    from assistant.index import _build_lock, build_index, previous_vectors
    from assistant.settings import get_settings

    settings = get_settings()
    embeddings = get_embeddings()
    progress, report = _progress_bar()
    with progress, _build_lock(settings.index_dir):
        return build_index(settings.corpus_dir, settings.index_dir, embeddings, progress=report,
                           reuse=previous_vectors(settings.index_dir, embeddings.model_id))


@corpus_app.command("add")
def corpus_add(
    path: Annotated[str, typer.Argument(help="A Markdown (.md), plain-text (.txt) or HTML (.html) file.")],
    language: Annotated[str, typer.Option("--language", help="The article's language: sv, fi, da, nb or en.")],
    title: Annotated[str | None, typer.Option("--title", help="Title (default: the first heading).")] = None,
    publisher: Annotated[str | None, typer.Option("--publisher", help="Who published the article.")] = None,
    doc_id: Annotated[str | None, typer.Option("--id", help="Article id (default: <language>-<title slug>).")] = None,
) -> None:
    """Clean a file into corpus/<id>.md (same cleaning as the seed articles) and update the index,
    embedding only the new article's passages."""
    from pathlib import Path

    from assistant.corpus_add import add_article
    from assistant.settings import get_settings

    settings = get_settings()
    try:
        added = add_article(Path(path), settings.corpus_dir, language=language, title=title, publisher=publisher,
                            doc_id=doc_id)
    except AssistantError as exc:
        fail(exc.message)
    doc = added.document
    typer.echo(f"added {doc.id} ({doc.language}): \"{doc.title}\" -> {added.path}")
    try:
        index = _rebuild_index()
    except AssistantError as exc:
        fail(f"the article was added, but the index could not be rebuilt: {exc.message}")
    chunks = [c for c in index.chunks if c.doc_id == doc.id]
    counts = index.manifest["counts"]
    typer.echo(f"{len(chunks)} passages, {len(doc.text):,} characters; index rebuilt: embedded "
               f"{counts.get('embedded', 0)} new texts, reused {counts.get('reused', 0)}")
    for chunk in chunks:
        typer.echo(f"  - {chunk.heading or doc.title}: {chunk.text[:70].strip()}…")
    typer.echo(f"Found at once by questions in its own language. For other languages, draft notes with "
               f"`assistant notes draft {doc.id}` (needs ASSISTANT_LLM) or write corpus/{doc.id}.notes.yaml.")


@notes_app.command("draft")
def notes_draft(doc_id: Annotated[str, typer.Argument(help="The article's id (corpus/<id>.md).")]) -> None:
    """Ask the configured model (ASSISTANT_LLM) for notes; keep only drafts whose quote is verbatim in
    the article, and write them to corpus/<id>.notes.draft.yaml for review."""
    from assistant.answering.providers import chat_model
    from assistant.notes_draft import NotesNeedAModel, draft_notes
    from assistant.settings import get_settings

    settings = get_settings()
    try:
        if not settings.llm:
            raise NotesNeedAModel()
        draft = draft_notes(settings.corpus_dir, doc_id, chat_model(settings), model_name=settings.llm)
    except AssistantError as exc:
        fail(exc.message)
    for number, reason in draft.rejected:
        typer.echo(f"dropped the draft for passage {number}: {reason}")
    if draft.path is None:
        fail(f"no usable notes: every draft was dropped ({len(draft.rejected)})", code=1)
    typer.echo(f"wrote {len(draft.notes)} notes to {draft.path} ({len(draft.rejected)} dropped); review them, "
               f"then run `assistant notes accept {doc_id}`")


@notes_app.command("accept")
def notes_accept(
    doc_id: Annotated[str, typer.Argument(help="The article's id.")],
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite existing notes.")] = False,
) -> None:
    """Validate corpus/<id>.notes.draft.yaml against the article, move it to corpus/<id>.notes.yaml
    and update the index."""
    from assistant.notes_draft import accept_notes
    from assistant.settings import get_settings

    settings = get_settings()
    try:
        notes = accept_notes(settings.corpus_dir, doc_id, replace=replace)
        index = _rebuild_index()
    except AssistantError as exc:
        fail(exc.message)
    counts = index.manifest["counts"]
    typer.echo(f"accepted {len(notes)} notes for {doc_id}; index rebuilt: embedded {counts.get('embedded', 0)} "
               f"new texts, reused {counts.get('reused', 0)}")


@index_app.command("status")
def index_status() -> None:
    """Say whether the index is current, and why not."""
    from assistant.embeddings import get_embeddings
    from assistant.index import expected_manifest, stale_reason
    from assistant.chunking import ChunkerSettings
    from assistant.settings import get_settings

    settings = get_settings()
    try:
        emb = get_embeddings()
        expected = expected_manifest(settings.corpus_dir, emb.model_id, emb.dimension, ChunkerSettings())
    except AssistantError as exc:
        fail(exc.message)
    reason = stale_reason(settings.index_dir / "current", expected)
    typer.echo(reason or f"index is current ({settings.index_dir / 'current'})")
    raise typer.Exit(0 if reason is None else 1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in sv, fi, da, nb or en.")],
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many passages to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Search the articles: top passages with title, language, heading, score and a short quote."""
    from assistant import load_retriever

    try:
        retriever = load_retriever()
        result = retriever.search(question, k=k)
    except AssistantError as exc:
        fail(exc.message)
    if as_json:
        payload = {
            "question": result.question,
            "language": result.language,
            "covered": result.covered,
            "hits": [{**d.metadata, "text": d.page_content} for d in result.hits],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    label = "covered" if result.covered else "NOT covered by the articles"
    table = Table(title=f"{result.question}  [{result.language or '?'} · {label}]", show_lines=True)
    for col in ("#", "article", "lang", "heading", "score", "quote"):
        table.add_column(col, overflow="fold")
    for i, doc in enumerate(result.hits, 1):
        m = doc.metadata
        quote = doc.page_content.replace("\n", " ")
        table.add_row(
            str(i), m["title"], m["language"], m["heading"] or "—", f"{m['score']:.3f}",
            quote[:200] + ("…" if len(quote) > 200 else ""),
        )
    console.print(table)


def _render_reply(reply: Any) -> None:
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.panel import Panel

    console = Console()
    console.print(Panel(Markdown(reply.text), title=f"assistant · {reply.language} · {reply.intent}", expand=True))
    if reply.tool is not None:
        rows = reply.tool.result
        console.print({k: v for k, v in rows.items() if not isinstance(v, (list, dict))})
    for c in reply.citations:
        console.print(f"[dim][{c.n}] {c.title} ({c.language}) — {c.heading or '—'}[/dim]")
    if reply.suggestions:
        console.print("[dim]→ " + " | ".join(s.label for s in reply.suggestions) + "[/dim]")


@app.command()
def reply(
    message: Annotated[str, typer.Argument(help="The message to send.")],
    session: Annotated[str, typer.Option("--session", help="Session id (created when unknown).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the Reply as JSON.")] = False,
) -> None:
    """Send one message to a session and print the assistant's reply."""
    from assistant.engine import Assistant

    try:
        result = Assistant().reply(session, message)
    except AssistantError as exc:
        fail(exc.message)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        _render_reply(result)


@app.command()
def chat(
    session: Annotated[str | None, typer.Option("--session", help="Resume a session (default: a new one).")] = None,
) -> None:
    """Interactive terminal chat with the same engine (Ctrl-D or /quit to leave)."""
    from assistant.engine import Assistant

    try:
        engine = Assistant()
        session_id = session or engine.create_session().id
    except AssistantError as exc:
        fail(exc.message)
    typer.secho(f"session {session_id} — type a message, /quit to leave", fg=typer.colors.CYAN, err=True)
    while True:
        try:
            line = input("you> ")
        except (EOFError, KeyboardInterrupt):
            typer.echo()
            return
        if line.strip() in {"/quit", "/exit"}:
            return
        if not line.strip():
            continue
        try:
            _render_reply(engine.reply(session_id, line))
        except AssistantError as exc:
            typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default: settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
) -> None:
    """Start the HTTP server (builds the index on first run)."""
    from api.server import run_server
    from assistant.settings import get_settings

    settings = get_settings()
    run_server(host or settings.host, port or settings.port, workers)


@app.command()
def insights(
    since: Annotated[str, typer.Option("--since", help="Period: a number and h, d or w (e.g. 30d, 12h, 2w).")] = "30d",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """What visitors asked that the articles don't cover (grouped by topic and language), answers rated 👎,
    tool requests that stalled on a missing value and checklist drop-off per step."""
    from assistant.insights import build_insights, parse_since
    from assistant.retrieval import load_retriever
    from assistant.store import SessionStore
    from assistant.settings import get_settings

    settings = get_settings()
    try:
        period = parse_since(since)
        store = SessionStore(settings.database_url)
        report = build_insights(store, load_retriever(), since=period)
    except AssistantError as exc:
        fail(exc.message)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    from rich.console import Console

    from assistant.insights.console import print_report

    console = Console()
    if not console.is_terminal:  # a log or a pipe: wide enough for the tables
        console = Console(width=160)
    print_report(report, console)


@app.command("slack")
def slack_bot(
    socket_mode: Annotated[bool, typer.Option("--socket-mode", help="Connect over Socket Mode (needs SLACK_APP_TOKEN).")]
    = False,
) -> None:
    """Run the Slack bot over Socket Mode (in HTTP mode it is part of `assistant serve`)."""
    if not socket_mode:
        fail("in HTTP mode the Slack bot runs inside `assistant serve`; use --socket-mode to run it on its own")
    from api.slack import run_socket_mode

    try:
        run_socket_mode()
    except AssistantError as exc:
        fail(exc.message)


tools.register(app)
app.command("eval")(eval_command)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
