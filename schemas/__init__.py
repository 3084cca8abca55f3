"""The JSON Schemas bpvc validates records against (shipped as package data)."""
