"""Stage 4 of the pipeline: the Flask web UI and JSON API.

`create_app` builds the app around one `Engine`, opened (and warmed: model loaded, one search
run) once in the factory, or injected through ``test_config["ENGINE"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, request

from webui import formatting

log = logging.getLogger(__name__)

#: Content-Security-Policy: everything from this origin, no inline script or style, no framing.
CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
DEFAULTS: dict[str, Any] = {
    "INDEX_DIR": None,  # default: the settings' index_dir (var/index)
    "SETTINGS": None,  # an index.config.Settings; default: load_settings()
    "ENGINE": None,  # an already opened search.engine.Engine (tests share one)
    "WITH_MODEL": True,  # False: keyword search only (semantic and hybrid answer 503)
    "WARM_UP": True,  # load the model and run one search in the factory
    "MAX_CONTENT_LENGTH": 16 * 1024,  # GET only: nothing needs a body
    "MAX_QUERY_LENGTH": 2000,
    "MAX_PARAM_LENGTH": 300,
    "DEFAULT_K": 10,
}
#: waitress's own limits for `serve` (its defaults buffer a body of up to 1 GB for a GET):
#: a body is refused with 413 before the app runs; headers (the URL included) stay generous, so
#: an over-long query still reaches the app and gets its friendly 400.
WAITRESS_LIMITS = {
    "max_request_body_size": DEFAULTS["MAX_CONTENT_LENGTH"],
    "max_request_header_size": 256 * 1024,
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The app factory. Raises `index.store.IndexNotReady` when the index is missing or broken."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if test_config:
        app.config.from_mapping(test_config)
    app.debug = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    engine = app.config["ENGINE"]
    if engine is None:
        engine = _open_engine(app)
    app.extensions["budget_search_engine"] = engine

    formatting.register(app)

    from webui import api, errors, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    errors.register(app)

    @app.before_request
    def only_get_and_head() -> None:
        if request.method not in ("GET", "HEAD"):
            abort(405, valid_methods=["GET", "HEAD"])

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def _open_engine(app: Flask) -> Any:
    from index.config import load_settings
    from search.engine import Engine

    settings = app.config["SETTINGS"] or load_settings()
    if app.config["INDEX_DIR"]:
        settings = settings.with_overrides(index_dir=Path(app.config["INDEX_DIR"]))
    engine = Engine.open(settings, with_model=app.config["WITH_MODEL"])
    if app.config["WITH_MODEL"]:
        # refuse an index whose vectors another model made, before serving a single answer
        engine.check_model(engine.snapshot)
    if app.config["WARM_UP"]:
        # the model loads once, here, not on the first request; one search warms the caches
        mode = "hybrid" if app.config["WITH_MODEL"] else "keyword"
        engine.search("budget", mode=mode)
    return engine


def get_engine() -> Any:
    return current_app.extensions["budget_search_engine"]
