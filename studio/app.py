"""GUI entry: show the window first, warm up torch in the background (filled in by the UI work)."""
