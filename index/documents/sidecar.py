"""A document's metadata from the sidecar .toml beside it: title, municipality, committee and
year, and the optional `renamed`, `amounts`, `headings` and `source`.

Each field is taken as written or refused with the sidecar's name (DocumentError), never
coerced or guessed: a wrong year or a mis-shaped table would otherwise index quietly wrong.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from index.documents.amounts import MAX_KR
from index.documents.document import DocumentError, DocumentMeta
from index.documents.printable import display
from index.documents.walk import _inside

META_FIELDS = ("title", "municipality", "committee", "year")
TEXT_FIELDS = ("title", "municipality", "committee")
YEARS = (1900, 2100)


def _text_field(data: dict, name: str, sidecar: str, source: str) -> str:
    value = data[name]
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(
            source, f"metadata file {sidecar}: {name} must be a non-empty text in quotes "
            f"(got {value!r})",
        )  # fmt: skip
    return value.strip()


def _year(value: object, sidecar: str, source: str) -> int:
    """The year as written: a TOML integer from 1900 to 2100; nothing is coerced
    (`true`, `2024.9`, `inf` and "2024" are refused, not read as some year)."""
    if isinstance(value, bool) or not isinstance(value, int) or not YEARS[0] <= value <= YEARS[1]:
        shown = value if not isinstance(value, float) or math.isfinite(value) else str(value)
        raise DocumentError(
            source,
            f"metadata file {sidecar}: year is not a whole number from {YEARS[0]} to {YEARS[1]} "
            f"(got {shown!r})",
        )
    return value


def _renamed(value: object, sidecar: str, source: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The [renamed] table: `"title here" = "earlier title"` or a list of earlier titles.
    Checked like the other fields: a wrong shape names the sidecar instead of being guessed."""
    problem = f"metadata file {sidecar}: [renamed] maps an area's title to its earlier title(s)"
    if not isinstance(value, dict):
        raise DocumentError(source, f"{problem}; got {value!r}")
    out = []
    for title, old in value.items():
        earlier = [old] if isinstance(old, str) else old
        if (not title.strip() or not isinstance(earlier, list) or not earlier
                or not all(isinstance(o, str) and o.strip() for o in earlier)):  # fmt: skip
            raise DocumentError(source, f"{problem}; got {title!r} = {old!r}")
        out.append((title.strip(), tuple(o.strip() for o in earlier)))
    return tuple(out)


def _amounts(value: object, sidecar: str, source: str) -> tuple[tuple[str, int], ...]:
    """The [amounts] table: `"area title" = kroner` (a whole number), as the reader's
    correction where no rule reads the amount."""
    problem = f"metadata file {sidecar}: [amounts] maps an area's title to its net budget in kr."
    if not isinstance(value, dict):
        raise DocumentError(source, f"{problem}; got {value!r}")
    out = []
    for title, kr in value.items():
        if not title.strip() or isinstance(kr, bool) or not isinstance(kr, int) or \
                abs(kr) >= MAX_KR:  # fmt: skip
            raise DocumentError(source, f"{problem} (a whole number); got {title!r} = {kr!r}")
        out.append((title.strip(), kr))
    return tuple(out)


def _headings(value: object, sidecar: str, source: str) -> tuple[str, ...]:
    """headings = ["Vej og Park", ...]: the lines of the text that start an area."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DocumentError(source, f"metadata file {sidecar}: headings is a list of area "
                            f"titles as the text writes them; got {value!r}")  # fmt: skip
    return tuple(v.strip() for v in value)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S")


def _source(value: object, sidecar: str, source: str) -> str:
    """source = "https://…": where the document is published, shown as "Kilde" with a link. An
    http(s) address with a host, or an error; words without a scheme (a description of the
    source, as older sidecars hold) are no address and give none."""
    problem = f"metadata file {sidecar}: source is the http(s) address the document is " \
              "published at"  # fmt: skip
    if not isinstance(value, str):
        raise DocumentError(source, f"{problem}; got {value!r}")
    value = value.strip()
    spaced = any(c.isspace() for c in value)
    if not _SCHEME.match(value) or (spaced and not value.lower().startswith(("http:", "https:"))):
        return ""  # prose, not an address
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError when not a port number
    except ValueError:
        parts = urlsplit("")
    if (parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or "@" in parts.netloc or spaced or not value.isprintable()
            or any(c in value for c in '\\<>"\'`{}|^')):  # fmt: skip
        raise DocumentError(source, f"{problem}; got {value!r}")
    return value


def read_meta(source: Path, corpus_dir: Path) -> DocumentMeta:
    """Metadata for `source` from its sidecar TOML; DocumentError when missing or invalid."""
    sidecar = source.with_suffix(".toml")
    relative = source.relative_to(corpus_dir)
    where = display(source)
    if not sidecar.is_file():
        raise DocumentError(where, f"no metadata file {display(sidecar.name)}")
    name = display(sidecar.name)
    if not _inside(sidecar.resolve(), Path(corpus_dir).resolve()):
        raise DocumentError(where, f"metadata file {name} links outside the corpus folder; refused")
    try:
        data = tomllib.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise DocumentError(where, f"unreadable metadata file {name}: {exc}") from exc
    except RecursionError as exc:  # "x = [[[…]]]" nested hundreds deep
        raise DocumentError(where, f"unreadable metadata file {name}: nested too deep") from exc
    missing = [field_ for field_ in META_FIELDS if field_ not in data]
    if missing:
        raise DocumentError(where, f"metadata file {name} lacks {', '.join(missing)}")
    title, municipality, committee = (_text_field(data, f, name, where) for f in TEXT_FIELDS)
    return DocumentMeta(
        id=relative.with_suffix("").as_posix(),
        path=relative.as_posix(),
        title=title,
        municipality=municipality,
        committee=committee,
        year=_year(data["year"], name, where),
        renamed=_renamed(data.get("renamed", {}), name, where),
        amounts=_amounts(data.get("amounts", {}), name, where),
        headings=_headings(data.get("headings", []), name, where),
        source=_source(data.get("source", ""), name, where),
    )
