"""Ingestion: verify signed batches, store them durably, then acknowledge."""
