"""Writing the index: analysis, postings, the full-text and sparse keyword index, vectors."""
