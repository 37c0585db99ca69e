"""Stage 4 of the pipeline: the Flask web UI and JSON API.

`create_app` builds the app around one `Engine`, opened (and warmed: model loaded, one search
run) once in the factory, or injected through ``test_config["ENGINE"]``. Behind a reverse proxy,
TRUSTED_PROXIES (default 0: the headers are ignored, so no client can forge them) lets werkzeug's
ProxyFix take the client address, scheme, host and sub-path from ``X-Forwarded-*``. Permalinks
(citations, exports) start with BASE_URL when it is set, else are paths: never the Host header.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, abort, redirect, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import PathConverter

from index.config import MAX_QUERY_CHARS
from webui import engine_access, formatting, ops

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
    "MAX_QUERY_LENGTH": MAX_QUERY_CHARS,  # longer is refused (400), not cut as the parser does
    "MAX_PARAM_LENGTH": 300,
    "DEFAULT_K": 10,
    "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-* headers are believed
    "BASE_URL": None,  # the public address permalinks start with; None: links are paths alone
    "METRICS": True,  # /metrics on this app (serve turns it off when metrics get their own port)
    "LOG_QUERIES": False,  # put the query text in the request log (off: GDPR, see README)
}
#: waitress's own limits for `serve` (its defaults buffer a body of up to 1 GB for a GET):
#: a body is refused with 413 before the app runs; headers (the URL included) stay generous, so
#: an over-long query still reaches the app and gets its friendly 400.
#: Slow clients: waitress hands only complete requests to its threads, so a client that dribbles
#: costs a socket, not a thread; its default of 100 connections let 98 slow clients lock everyone
#: out. 1000, polled with poll() (select() stops at 1024 descriptors); silent connections close
#: after 30 s (default 120), checked every 5 s. See also webui.server.REQUEST_DEADLINE.
WAITRESS_LIMITS = {
    "max_request_body_size": DEFAULTS["MAX_CONTENT_LENGTH"],
    "max_request_header_size": 256 * 1024,
    "connection_limit": 1000,
    "asyncore_use_poll": True,
    "channel_timeout": 30,
    "cleanup_interval": 5,
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The app factory. Raises `index.building.store.IndexNotReady` when the index is missing or
    broken."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if test_config:
        app.config.from_mapping(test_config)
    app.debug = False
    from webui.data import check_base_url

    app.config["BASE_URL"] = check_base_url(app.config["BASE_URL"])  # a ValueError when malformed
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    status = ops.Status(with_model=bool(app.config["WITH_MODEL"]))
    engine = app.config["ENGINE"]
    if engine is None:
        engine = _open_engine(app, status)
    elif status.with_model and app.config["WARM_UP"]:
        engine.encoder()
        status.model_loaded = True
    engine_access.init_app(app, engine)
    if app.config["WARM_UP"]:
        # the table budget questions are answered from (~2.5 s at 1M passages), made beside
        # the first requests instead of in the first question
        threading.Thread(target=engine.answer_scope, name="warm-answers", daemon=True).start()

    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_prefix=proxies)  # fmt: skip

    formatting.register(app)
    # before the blueprints' rules are bound: every <path:…> of theirs is a document id
    app.url_map.converters["path"] = DocumentPathConverter

    from webui import api, errors, feed, pages

    ops.init_app(app, engine, status)  # first: its hooks time and log every request
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feed.bp)
    errors.register(app)

    @app.before_request
    def only_get_and_head() -> None:
        if request.method not in ("GET", "HEAD"):
            abort(405, valid_methods=["GET", "HEAD"])

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        location = response.headers.get("Location")
        if location and relative_location(location) != location:
            # werkzeug's own redirect page also links the forged host: a fresh one
            fresh = redirect(relative_location(location), response.status_code)
            response.headers["Location"] = fresh.headers["Location"]
            response.set_data(fresh.get_data())
        return response

    return app


class DocumentPathConverter(PathConverter):
    """werkzeug's path converter, but for any character: a document id is its file's path in
    the corpus, and a file name may hold a newline, which the stock regex (".") does not match
    (its area page was a 404). url_for writes it as %0A and the route reads it back."""

    regex = r"[^/][\s\S]*?"


def relative_location(location: str) -> str:
    """A redirect's target without scheme and host: werkzeug's own (the 308 that adds a slash)
    are built from the request's Host header, which a client can forge."""
    parts = urlsplit(location)
    if not (parts.scheme or parts.netloc or location.startswith(("//", "/\\"))):
        return location
    # one leading slash: "//evil.example" or "/\\evil.example" would leave the site
    path = "/" + parts.path.lstrip("/\\")
    return urlunsplit(("", "", path, parts.query, parts.fragment))


def _open_engine(app: Flask, status: ops.Status) -> Any:
    from index.config import load_settings
    from index.embedding.embed import load_encoder
    from index.embedding.provision import recorded_model
    from search.engine import Engine

    settings = app.config["SETTINGS"] or load_settings()
    if app.config["INDEX_DIR"]:
        settings = settings.with_overrides(index_dir=Path(app.config["INDEX_DIR"]))
    started = time.perf_counter()
    made: list[Any] = []

    def encoder() -> Any:
        # the configured model, else (served from another folder) where the index recorded it
        return load_encoder(recorded_model(settings, made[0].snapshot.manifest.model_dir))

    engine = Engine(settings.index_dir, encoder if app.config["WITH_MODEL"] else None)
    made.append(engine)
    status.index_load_seconds = time.perf_counter() - started
    if app.config["WITH_MODEL"]:
        started = time.perf_counter()
        engine.encoder()
        status.model_load_seconds = time.perf_counter() - started
        status.model_loaded = True
        # refuse an index whose vectors another model made, before serving a single answer
        engine.check_model(engine.snapshot)
    if app.config["WARM_UP"]:
        # the model loads once, here, not on the first request; one search warms the caches
        mode = "hybrid" if app.config["WITH_MODEL"] else "keyword"
        engine.search("budget", mode=mode)
    return engine
