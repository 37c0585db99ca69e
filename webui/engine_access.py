"""The app's one `Engine`: stored by `create_app`, read by views and hooks.

Its own module, as Flask's tutorial keeps `get_db` in `db.py`: `data` and `ops` read the engine
without importing the package `webui`, whose `create_app` imports them.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

_KEY = "budget_search_engine"


def init_app(app: Flask, engine: Any) -> None:
    app.extensions[_KEY] = engine


def get_engine() -> Any:
    return current_app.extensions[_KEY]
