"""JSON-LD, held offline and bounded: the context allowlist, safe-mode expansion and RDFC-1.0 canonicalization."""
