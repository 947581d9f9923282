"""Notes from a transcript: chapters, the summarizers (extractive, seq2seq) and the PDF."""
