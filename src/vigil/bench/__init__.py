"""Benchmarks behind ``vigil bench``: each returns one JSON-ready dict."""
