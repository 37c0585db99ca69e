"""What an operator polls, scrapes and reads: /healthz, /readyz, /metrics and request logs.

- `/healthz`: the process answers; does no work (a liveness probe).
- `/readyz`: the index generation and the model are loaded (200, with the generation's id, build
  time and size) or not (503); cheap enough to poll every second.
- `/metrics`: Prometheus text format (prometheus_client), one registry per app.
- One JSON line per request on the ``budget_search.access`` logger, with the request id that is
  echoed in ``X-Request-ID``; the query text only when the app's LOG_QUERIES is on (staff queries
  can hold citizens' names or case numbers).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from index.building import store
from search.results import MODES
from webui.engine_access import get_engine

access_log = logging.getLogger("budget_search.access")
log = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)
disable_created_metrics()  # the `_created` series double the output and nobody graphs them

REQUEST_ID_HEADER = "X-Request-ID"
#: An id a trusted proxy sends is kept when it looks like one (nginx's $request_id: 32 hex).
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
#: Probes that succeed are counted, not logged: a poll a second per replica is noise.
PROBES = frozenset({"/healthz", "/readyz"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: The methods that get a label value of their own (RFC 9110's and PATCH); any other is "other":
#: a client chooses the method, and each distinct label value is a series kept for good.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                     "PATCH"})  # fmt: skip
OTHER = "other"
#: The route label of a request that matched no URL rule (the raw path is never a label).
UNMATCHED = "<unmatched>"


@dataclass
class Status:
    """What the factory learnt while starting, for /readyz and /metrics."""

    with_model: bool
    model_loaded: bool = False
    model_load_seconds: float | None = None
    index_load_seconds: float | None = None
    snapshot: object = None  # the last generation a request saw (to notice and time a reload)


def state() -> Status:
    return current_app.extensions["budget_search_status"]


def metrics() -> Metrics:
    return current_app.extensions["budget_search_metrics"]


# -- metrics -------------------------------------------------------------------------------


class IndexCollector(Collector):
    """The loaded generation, read at scrape time (no bookkeeping to go stale)."""

    def __init__(self, engine: Any):
        self.engine = engine

    def collect(self):  # type: ignore[no-untyped-def]
        try:
            snap = self.engine.snapshot
        except store.IndexNotReady:
            return
        m = snap.manifest
        info = GaugeMetricFamily("budget_search_index_info", "The loaded index generation",
                                 labels=["generation", "built_at", "model_id"])  # fmt: skip
        info.add_metric([snap.path.name, m.built_at, m.model_id], 1)
        yield info
        for name, text, value in (
            ("documents", "Documents in the loaded generation", len(m.documents)),
            ("passages", "Passages in the loaded generation", len(snap.passages)),
            ("areas", "Budget areas in the loaded generation", len(snap.areas)),
            ("build_seconds", "How long the loaded generation took to build", m.build_seconds),
            ("current", "1 when the loaded generation is the one `current` points at, 0 when a "
                        "newer one was refused", int(is_current(self.engine, snap))),
        ):  # fmt: skip
            yield GaugeMetricFamily(f"budget_search_index_{name}", text, value=value)
        built = _timestamp(m.built_at)
        if built is not None:
            yield GaugeMetricFamily("budget_search_index_built_timestamp_seconds",
                                    "When the loaded generation was built (Unix time)",
                                    value=built)  # fmt: skip


class Metrics:
    def __init__(self, engine: Any):
        self.registry = reg = CollectorRegistry()
        self.requests = Counter("budget_search_http_requests", "HTTP requests by route and status",
                                ["route", "method", "status"], registry=reg)  # fmt: skip
        self.request_seconds = Histogram(
            "budget_search_http_request_duration_seconds", "Time to answer, by route",
            ["route"], buckets=LATENCY_BUCKETS, registry=reg,
        )  # fmt: skip
        self.search_seconds = Histogram(
            "budget_search_search_duration_seconds", "Search time in the engine, by mode",
            ["mode"], buckets=LATENCY_BUCKETS, registry=reg,
        )  # fmt: skip
        self.searches = Counter("budget_search_searches", "Searches run, by mode", ["mode"],
                                registry=reg)  # fmt: skip
        self.answers = Counter("budget_search_answer_cards", "Searches answered with an answer "
                               "card, by mode", ["mode"], registry=reg)  # fmt: skip
        self.no_hits = Counter("budget_search_no_hit_searches", "Searches with a query and no "
                               "result, by mode", ["mode"], registry=reg)  # fmt: skip
        self.index_load = Gauge("budget_search_index_load_seconds",
                                "Time to load the generation in use", registry=reg)  # fmt: skip
        self.model_load = Gauge("budget_search_model_load_seconds",
                                "Time to load the embedding model", registry=reg)  # fmt: skip
        for mode in MODES:  # every mode appears from the first scrape, at 0
            for family in (self.searches, self.answers, self.no_hits, self.search_seconds):
                family.labels(mode)
        reg.register(IndexCollector(engine))
        ProcessCollector(registry=reg)  # memory, CPU, open files of this replica

    def observe_search(self, resp: Any) -> None:
        mode = resp.mode
        self.searches.labels(mode).inc()
        self.search_seconds.labels(mode).observe(resp.took_ms / 1000)
        if resp.answer is not None:
            self.answers.labels(mode).inc()
        if resp.total == 0 and resp.query.strip():
            self.no_hits.labels(mode).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


# -- routes --------------------------------------------------------------------------------


@bp.get("/healthz")
def healthz() -> Any:
    """Alive: the process answers HTTP. No index or model work."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Any:
    """Ready to answer searches: the generation and (when configured) the model are loaded."""
    st = state()
    engine = get_engine()
    try:
        snap = engine.snapshot
    except store.IndexNotReady as exc:
        return _not_ready(f"index: {exc}")
    if st.with_model and not st.model_loaded:
        return _not_ready("the embedding model is not loaded yet")
    m = snap.manifest
    return jsonify({
        "status": "ready",
        "generation": snap.path.name,
        "built_at": m.built_at,
        "current": is_current(engine, snap),
        "model": m.model_id if st.with_model else None,
        "documents": len(m.documents),
        "passages": len(snap.passages),
        "areas": len(snap.areas),
        "index_load_seconds": _round(st.index_load_seconds),
        "model_load_seconds": _round(st.model_load_seconds),
    })  # fmt: skip


def _not_ready(reason: str) -> Any:
    response = jsonify({"status": "not ready", "reason": reason})
    response.headers["Retry-After"] = "1"
    return response, 503


def metrics_view() -> Response:
    return Response(metrics().exposition(), mimetype=CONTENT_TYPE_LATEST)


def is_current(engine: Any, snap: Any) -> bool:
    """Whether `current` still points at the loaded generation (False: a newer one was refused)."""
    target = os.path.realpath(engine.index_dir / store.CURRENT)
    return target == os.path.realpath(snap.path)


# -- request hooks -------------------------------------------------------------------------


def init_app(app: Flask, engine: Any, status: Status) -> None:
    """Register the routes, the metrics and the per-request hooks (before any other hook, so
    that a request refused by a later hook is still timed, counted and logged)."""
    app.extensions["budget_search_status"] = status
    app.extensions["budget_search_metrics"] = m = Metrics(engine)
    if status.model_load_seconds is not None:
        m.model_load.set(status.model_load_seconds)
    if status.index_load_seconds is not None:
        m.index_load.set(status.index_load_seconds)
    app.register_blueprint(bp)
    if app.config["METRICS"]:
        app.add_url_rule("/metrics", "ops.metrics", metrics_view)
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()
    g.request_id = _request_id()
    if request.path not in PROBES:
        _notice_reload()


def _request_id() -> str:
    """The proxy's id when a trusted proxy sent one, so nginx's and our lines match; else new."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if current_app.config["TRUSTED_PROXIES"] and REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def _notice_reload() -> None:
    """Time the load of a generation swapped in since the last request (it happens in the
    engine's `snapshot`, on first use)."""
    st = state()
    started = time.perf_counter()
    try:
        snap = get_engine().snapshot
    except store.IndexNotReady:
        return
    if snap is not st.snapshot:
        if st.snapshot is not None:
            metrics().index_load.set(time.perf_counter() - started)
        st.snapshot = snap


def _finish(response: Response) -> Response:
    started = g.get("started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    m = metrics()
    m.requests.labels(route, method_label(request.method), status_label(response.status_code)).inc()
    m.request_seconds.labels(route).observe(seconds)
    resp = g.get("search_response")
    if resp is not None:
        m.observe_search(resp)
        if resp.mode != "keyword":
            state().model_loaded = True
    rid = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = rid
    if request.path in PROBES and response.status_code == 200:
        return response
    fields: dict[str, Any] = {
        "request_id": rid,
        "method": request.method,
        "path": request.script_root + request.path,
        "route": route,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1),
        "bytes": response.content_length,
        "remote": request.remote_addr,
    }
    if resp is not None:
        fields.update(mode=resp.mode, hits=resp.total, search_ms=round(resp.took_ms, 1))
    if current_app.config["LOG_QUERIES"] and request.args:
        fields["query"] = request.args.get("q", "")
        fields["params"] = {k: v for k, v in request.args.items() if k != "q"}
    access_log.info("%s %s %s", request.method, fields["path"], response.status_code,
                    extra={"fields": fields})  # fmt: skip
    return response


def method_label(method: str) -> str:
    """The request's method as a metrics label: one of METHODS, else "other" (the labels a
    client can choose stay a fixed set; the route label is the URL rule, never the raw path)."""
    return method if method in METHODS else OTHER


def status_label(status: int) -> str:
    """The status as a label: a real HTTP status (100-599), else "other"."""
    return str(status) if 100 <= status <= 599 else OTHER


# -- logging -------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, plus a record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(stream: IO[str] | None = None, level: int = logging.INFO) -> None:
    """Every log line of the process (ours, waitress's) as JSON on stderr; for `serve`."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def _timestamp(iso: str) -> float | None:
    try:
        when = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
