"""Issuing: sign a credential or presentation, and the one path that also validates records and allocates status."""
