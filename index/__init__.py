"""Stage 2 of the pipeline: parse, clean, chunk, analyse and build the search index."""
