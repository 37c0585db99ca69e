"""Operations: /healthz, /readyz, /metrics (parsed with prometheus_client's own parser), the JSON
request log and its privacy switch, request ids, and X-Forwarded-* trusted only when configured.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from index.building import store
from search.engine import Engine
from webui import SECURITY_HEADERS, create_app, ops

OLD_DOC = "kalundborg/2024/oekonomiudvalget"


@pytest.fixture
def access_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The access log as `serve` writes it (JSON lines), captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ops.JsonFormatter())
    logger = ops.access_log
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def scrape(client: Any) -> dict[str, list[Any]]:
    """Samples by name, from the Prometheus text the app serves."""
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=")
    out: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(resp.get_data(as_text=True)):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


def value(samples: dict[str, list[Any]], name: str, **labels: str) -> float:
    found = [s.value for s in samples.get(name, []) if all(s.labels.get(k) == v
                                                           for k, v in labels.items())]  # fmt: skip
    assert len(found) == 1, (name, labels, samples.get(name))
    return found[0]


# -- health and readiness ------------------------------------------------------------------


def test_healthz_is_alive_and_does_no_work(app: Any) -> None:
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.json == {"status": "ok"}
    assert resp.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    assert len(resp.headers["X-Request-ID"]) == 32


def test_readyz_names_the_loaded_generation(app: Any, engine: Engine) -> None:
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 200, resp.json
    data = resp.json
    gen = (engine.index_dir / store.CURRENT).resolve()
    manifest = store.read_manifest(gen)
    assert data["status"] == "ready" and data["current"] is True
    assert data["generation"] == gen.name
    assert data["built_at"] == manifest.built_at
    assert data["model"] == manifest.model_id
    assert data["documents"] == 1 and data["areas"] == 17
    assert data["passages"] == manifest.passages == len(engine.snapshot.passages)


def test_readyz_is_503_until_the_model_is_loaded(engine: Engine) -> None:
    client = create_app({"ENGINE": engine, "WARM_UP": False}).test_client()
    resp = client.get("/readyz")
    assert resp.status_code == 503, resp.json
    assert resp.json["status"] == "not ready" and "model" in resp.json["reason"]
    assert resp.headers["Retry-After"] == "1"
    assert client.get("/healthz").status_code == 200  # alive all the same
    assert client.get("/api/search?q=MitID&mode=keyword").status_code == 200
    assert client.get("/readyz").status_code == 503  # a keyword search needs no model
    assert client.get("/api/search?q=MitID&mode=hybrid").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_readyz_without_a_model_is_ready_for_keyword_search(seed_settings: Any) -> None:
    client = create_app({"SETTINGS": seed_settings, "WITH_MODEL": False}).test_client()
    data = client.get("/readyz").json
    assert data["status"] == "ready" and data["model"] is None
    assert data["index_load_seconds"] > 0


# -- metrics -------------------------------------------------------------------------------


def test_metrics_count_requests_searches_answers_and_misses(engine: Engine) -> None:
    client = create_app({"ENGINE": engine}).test_client()
    before = scrape(client)
    assert value(before, "budget_search_searches_total", mode="hybrid") == 0
    for url, status in [
        ("/api/search?q=Hvad+koster+brandv%C3%A6senet%3F", 200),  # an answer card
        ("/?q=MitID&mode=keyword", 200),
        ("/api/search?q=xqzvbnmw&mode=keyword", 200),  # no hit
        ("/api/search?q=x&k=0", 400),
        ("/nowhere", 404),
    ]:
        assert client.get(url).status_code == status, url
    m = scrape(client)
    total = "budget_search_http_requests_total"
    assert value(m, total, route="/api/search", method="GET", status="200") == 2
    assert value(m, total, route="/api/search", method="GET", status="400") == 1
    assert value(m, total, route="/", method="GET", status="200") == 1
    assert value(m, total, route="<unmatched>", method="GET", status="404") == 1
    assert value(m, total, route="/metrics", method="GET", status="200") == 1  # the first scrape
    assert value(m, "budget_search_searches_total", mode="hybrid") == 1
    assert value(m, "budget_search_searches_total", mode="keyword") == 2
    assert value(m, "budget_search_answer_cards_total", mode="hybrid") == 1
    assert value(m, "budget_search_no_hit_searches_total", mode="keyword") == 1
    assert value(m, "budget_search_no_hit_searches_total", mode="hybrid") == 0
    hist = "budget_search_search_duration_seconds"
    assert value(m, hist + "_count", mode="keyword") == 2
    assert value(m, hist + "_bucket", mode="keyword", le="+Inf") == 2
    assert 0 < value(m, hist + "_sum", mode="hybrid") < 60
    assert value(m, "budget_search_http_request_duration_seconds_count", route="/api/search") == 3


def test_metrics_describe_the_index_and_the_loads(seed_settings: Any, engine: Engine) -> None:
    client = create_app({"SETTINGS": seed_settings, "WITH_MODEL": False}).test_client()
    m = scrape(client)
    gen = (seed_settings.index_dir / store.CURRENT).resolve()
    manifest = store.read_manifest(gen)
    info = m["budget_search_index_info"][0]
    assert info.value == 1 and info.labels["generation"] == gen.name
    assert info.labels["model_id"] == manifest.model_id
    assert value(m, "budget_search_index_documents") == 1
    assert value(m, "budget_search_index_passages") == manifest.passages
    assert value(m, "budget_search_index_areas") == 17
    assert value(m, "budget_search_index_current") == 1
    assert value(m, "budget_search_index_built_timestamp_seconds") > 1.7e9
    assert value(m, "budget_search_index_load_seconds") > 0
    assert value(m, "budget_search_model_load_seconds") == 0  # no model in this app
    assert value(m, "process_resident_memory_bytes") > 0


def test_metrics_stay_bounded_whatever_methods_and_paths_clients_send(engine: Engine) -> None:
    """A client chooses the method and the path: 3,000 distinct methods and 1,000 distinct paths
    leave /metrics (almost) as it was, counted under "other" and "<unmatched>" (today's main
    kept a series per method: 887 KB for 3,000)."""
    client = create_app({"ENGINE": engine}).test_client()
    for method, path in (("BREW", "/"), ("GET", "/nowhere-0"), ("GET", "/metrics")):
        client.open(path, method=method)  # each kind of label once, so only counts change below
    before = len(client.get("/metrics").data)
    for n in range(3000):
        client.open("/" if n % 2 else "/healthz", method=f"M{n:04d}")
    for n in range(1000):
        client.get(f"/nowhere-{n}-{'x' * 50}")
    body = client.get("/metrics").get_data(as_text=True)
    assert len(body) - before < 1000, (before, len(body))
    m = scrape(client)
    total = "budget_search_http_requests_total"
    assert value(m, total, route="<unmatched>", method="other", status="405") == 3001
    assert value(m, total, route="<unmatched>", method="GET", status="404") == 1001
    methods = {s.labels["method"] for s in m[total]}
    assert methods <= ops.METHODS | {"other"}, methods


def test_metrics_can_be_switched_off(engine: Engine) -> None:
    client = create_app({"ENGINE": engine, "METRICS": False}).test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/healthz").status_code == 200


# -- logs ----------------------------------------------------------------------------------


def test_one_json_line_per_request_without_the_query(app: Any, access_lines: Any) -> None:
    client = app.test_client()
    resp = client.get("/api/search?q=Jens+Hansen+CPR&mode=keyword&area=Borgerservice")
    client.get("/healthz")  # a successful probe is not logged
    client.get("/readyz")
    lines = access_lines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert line["request_id"] == resp.headers["X-Request-ID"]
    assert line["route"] == "/api/search" and line["path"] == "/api/search"
    assert line["status"] == 200 and line["method"] == "GET" and line["mode"] == "keyword"
    assert line["duration_ms"] >= line["search_ms"] >= 0
    assert line["time"].endswith("+00:00") and line["level"] == "info"
    text = json.dumps(line)
    assert "Jens" not in text and "CPR" not in text and "Borgerservice" not in text


def test_queries_are_logged_only_when_switched_on(engine: Engine, access_lines: Any) -> None:
    client = create_app({"ENGINE": engine, "LOG_QUERIES": True}).test_client()
    client.get("/api/search?q=Jens+Hansen&mode=keyword&area=Borgerservice")
    [line] = access_lines()
    assert line["query"] == "Jens Hansen" and line["params"]["area"] == "Borgerservice"


def test_errors_are_logged_with_their_status(app: Any, access_lines: Any) -> None:
    app.test_client().get("/api/search?q=x&k=0")
    app.test_client().post("/api/search")
    statuses = [(ln["route"], ln["status"]) for ln in access_lines()]
    assert statuses == [("/api/search", 400), ("<unmatched>", 405)]


def test_request_id_from_a_proxy_is_kept_only_when_trusted(engine: Engine) -> None:
    rid = "0123456789abcdef0123456789abcdef"
    plain = create_app({"ENGINE": engine}).test_client()
    assert plain.get("/healthz", headers={"X-Request-ID": rid}).headers["X-Request-ID"] != rid
    proxied = create_app({"ENGINE": engine, "TRUSTED_PROXIES": 1}).test_client()
    assert proxied.get("/healthz", headers={"X-Request-ID": rid}).headers["X-Request-ID"] == rid
    bad = "<script>" * 3
    assert proxied.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"] != bad


# -- proxy headers -------------------------------------------------------------------------

FORGED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Prefix": "/evil",
}


def test_forged_forwarded_headers_are_ignored_by_default(app: Any, access_lines: Any) -> None:
    client = app.test_client()
    page = client.get("/?q=MitID", headers=FORGED).get_data(as_text=True)
    assert 'href="/static/style.css"' in page and "/evil" not in page
    assert 'action="/"' in page
    resp = client.get("/api", headers=FORGED)
    assert resp.status_code == 308 and resp.headers["Location"] == "/api/"
    assert "evil" not in resp.get_data(as_text=True)
    remotes = {ln["remote"] for ln in access_lines()}
    assert remotes == {"127.0.0.1"}


def test_forwarded_headers_from_a_trusted_proxy_set_prefix_and_client(
    engine: Engine, access_lines: Any
) -> None:
    client = create_app({"ENGINE": engine, "TRUSTED_PROXIES": 1}).test_client()
    headers = {**FORGED, "X-Forwarded-Prefix": "/budgetsoeg", "X-Forwarded-Host": "kommune.dk"}
    page = client.get("/?q=MitID", headers=headers).get_data(as_text=True)
    assert 'href="/budgetsoeg/static/style.css"' in page
    assert 'action="/budgetsoeg/"' in page
    assert 'href="/budgetsoeg/area/' + OLD_DOC + "/borgerservice" in page
    resp = client.get("/api", headers=headers)
    assert resp.headers["Location"] == "/budgetsoeg/api/"
    api = client.get("/api/search?q=MitID&mode=keyword", headers=headers).json
    assert api["facets"]["area"][0]["toggle_url"].startswith("/budgetsoeg/?")
    assert {ln["remote"] for ln in access_lines()} == {"203.0.113.9"}
    assert {ln["path"][:11] for ln in access_lines()} == {"/budgetsoeg"}


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "[::1]:1"])
def test_redirects_never_name_the_requests_host(app: Any, engine: Engine, host: str) -> None:
    client = app.test_client()
    pid = engine.area_passages(OLD_DOC, "Borgerservice")[0].id
    for url in ("/api", f"/passage/{pid}", "/static//style.css"):
        resp = client.get(url, headers={"Host": host})
        assert resp.status_code in (301, 302, 308), (url, resp.status_code)
        location = resp.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), location
        assert "evil" not in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "location, expected",
    [
        ("http://evil.example/api/", "/api/"),
        ("https://kommune.dk/budgetsoeg/api/?q=1#x", "/budgetsoeg/api/?q=1#x"),
        ("//evil.example/x", "/x"),
        ("/\\evil.example/x", "/evil.example/x"),
        ("/area/x#p-1", "/area/x#p-1"),
        ("http://h", "/"),
    ],
)
def test_relative_location(location: str, expected: str) -> None:
    from webui import relative_location

    assert relative_location(location) == expected


# -- serve's switches ----------------------------------------------------------------------


def serve_app(monkeypatch: pytest.MonkeyPatch, engine: Engine, seed_settings: Any,
              args: list[str], env: dict[str, str] | None = None) -> tuple[Any, dict]:  # fmt: skip
    """Run `serve` up to the point it would listen; return the app it built and its config."""
    import socket

    from click.testing import CliRunner

    import webui
    import webui.server
    from webui.cli import cli

    made: dict[str, Any] = {}
    real = webui.create_app

    def create(config: dict[str, Any]) -> Any:
        made.update(config)
        return real({**config, "SETTINGS": None, "ENGINE": engine})

    monkeypatch.setattr(webui, "create_app", create)
    monkeypatch.setattr(webui.server, "serve", lambda srv, app, **kw: made.update(app=app))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--index-dir",
                                      str(seed_settings.index_dir), *args], env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    return made["app"], made


def test_serve_defaults_trust_no_proxy_and_log_no_query(monkeypatch: pytest.MonkeyPatch,
                                                        engine: Engine,
                                                        seed_settings: Any) -> None:  # fmt: skip
    app, config = serve_app(monkeypatch, engine, seed_settings, [])
    assert config["TRUSTED_PROXIES"] == 0 and config["LOG_QUERIES"] is False
    assert app.test_client().get("/metrics").status_code == 200


def test_serve_reads_its_switches_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                       engine: Engine,
                                                       seed_settings: Any) -> None:  # fmt: skip
    env = {"BUDGET_SEARCH_TRUSTED_PROXIES": "1", "BUDGET_SEARCH_LOG_QUERIES": "1",
           "BUDGET_SEARCH_METRICS": "off"}  # fmt: skip
    app, config = serve_app(monkeypatch, engine, seed_settings, [], env)
    assert config["TRUSTED_PROXIES"] == 1 and config["LOG_QUERIES"] is True
    assert app.test_client().get("/metrics").status_code == 404


def test_serve_can_put_metrics_on_a_port_of_their_own(monkeypatch: pytest.MonkeyPatch,
                                                      engine: Engine,
                                                      seed_settings: Any) -> None:  # fmt: skip
    import socket
    import urllib.request

    import prometheus_client

    started: list[Any] = []
    real = prometheus_client.start_http_server

    def start(*a: Any, **k: Any) -> Any:
        started.append(real(*a, **k))
        return started[-1]

    monkeypatch.setattr(prometheus_client, "start_http_server", start)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app, _ = serve_app(monkeypatch, engine, seed_settings, ["--metrics", str(port)])
    try:
        assert app.test_client().get("/metrics").status_code == 404  # not on the public port
        app.test_client().get("/api/search?q=MitID&mode=keyword")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
            text = resp.read().decode()
        families = {f.name: f for f in text_string_to_metric_families(text)}
        [sample] = [s for s in families["budget_search_searches"].samples
                    if s.labels == {"mode": "keyword"}]  # fmt: skip
        assert sample.value == 1
    finally:
        for server, _thread in started:
            server.shutdown()
            server.server_close()
