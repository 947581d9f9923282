"""Slides: what the lecture video shows (frames, still shots, OCR)."""
