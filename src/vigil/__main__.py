"""``python -m vigil`` runs the command line."""

from __future__ import annotations

from vigil.cli import main

main()
