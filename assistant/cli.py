"""`assistant` command line. Heavy modules (embedding model, index) are imported
inside the commands that need them, so `assistant staffing` starts fast."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="assistant",
    help="Nordic outsourcing assistant: index, search, tools and chat.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _register_tool_commands() -> None:
    try:
        from assistant.tools import cli as tools_cli
    except ImportError:  # the tools package is optional while it is being built
        return
    tools_cli.register(app)


_register_tool_commands()

if __name__ == "__main__":  # pragma: no cover
    app()
