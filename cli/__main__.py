"""`python -m cli`: the same as the `assistant` command."""

from cli.main import main

main()
