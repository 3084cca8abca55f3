"""Cross-border transfer: field classification, minimised views, usage policies, the export log."""
