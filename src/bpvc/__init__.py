"""bpvc: battery passport verifiable credentials."""
