"""Audit spot checks over batches of received credentials: sampling plans, reproducible selection, reports."""
