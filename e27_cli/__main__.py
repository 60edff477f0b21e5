"""``python -m e27_cli``: the owner's command line."""

from e27_cli.cli import main

main()
