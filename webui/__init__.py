"""Stage 4 of the pipeline: the Flask web UI and JSON API."""
