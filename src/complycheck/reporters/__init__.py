"""Reporters turn the canonical report into an output format."""
