"""Widgets only: never imports torch, diffusers or transformers (a test enforces it)."""
