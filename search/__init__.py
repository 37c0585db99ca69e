"""Stage 3 of the pipeline: keyword, semantic and hybrid ranking over a built index."""
