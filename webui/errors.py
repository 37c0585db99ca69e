"""Errors: JSON {"error": {"message", "status"}} under /api/, a friendly Danish page elsewhere.

Never a stack trace: anything unexpected is logged and answered with a plain 500.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from index.building.store import IndexNotReady
from search.results import NotFound, SearchError, Unavailable

log = logging.getLogger(__name__)

TITLES = {
    400: "Forespørgslen kan ikke besvares",
    404: "Siden findes ikke",
    405: "Metoden er ikke tilladt",
    413: "Forespørgslen er for stor",
    414: "Adressen er for lang",
    431: "Forespørgslen er for stor",
    500: "Der opstod en fejl",
    503: "Søgningen er ikke klar",
}
MESSAGES = {
    400: "Forespørgslen er ugyldig.",
    404: "Vi kunne ikke finde det, du leder efter. Prøv at søge, eller se oversigten over områder.",
    405: "Kun GET og HEAD er tilladt.",
    413: "Forespørgslen er for stor.",
    414: "Adressen er for lang. Prøv en kortere søgning.",
    431: "Forespørgslens headere er for store.",
    500: "Der opstod en uventet fejl. Prøv igen om lidt.",
    503: "Søgeindekset er ikke klar lige nu. Prøv igen om lidt.",
}


#: The HTTP status of each kind of domain error (any other SearchError is a bad request).
STATUS: dict[type[SearchError], int] = {NotFound: 404, Unavailable: 503}


def status_of(exc: SearchError) -> int:
    return next((s for kind, s in STATUS.items() if isinstance(exc, kind)), 400)


def error_response(
    status: int, message: str | None = None, headers: dict | None = None
) -> ResponseReturnValue:
    message = message or MESSAGES.get(status, "Der opstod en fejl.")
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"message": message, "status": status}})
    else:
        title = TITLES.get(status, "Der opstod en fejl")
        response = render_template("error.html", status=status, title=title, message=message)
    return response, status, headers or {}


def register(app: Flask) -> None:
    @app.errorhandler(SearchError)
    def search_error(exc: SearchError) -> ResponseReturnValue:
        return error_response(status_of(exc), exc.message)

    @app.errorhandler(IndexNotReady)
    def index_not_ready(exc: IndexNotReady) -> ResponseReturnValue:
        log.error("index not ready: %s", exc)
        return error_response(503)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        headers = {}
        if status == 405:
            headers["Allow"] = "GET, HEAD"
        message = MESSAGES.get(status) if status != 400 else None
        return error_response(status, message, headers)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        log.exception("unhandled error on %s", request.path)
        return error_response(500)
