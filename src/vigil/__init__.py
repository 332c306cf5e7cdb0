"""Vigil: electronic monitoring behind a tamper-evident wrist bracelet."""

from __future__ import annotations

__version__ = "0.1.0"
