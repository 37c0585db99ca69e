"""The code's shape: stages import only from stages before them, and no module imports back.

Inside `index/` the same holds for its sub-packages: reading documents, then the embedding model,
then writing the index; `index.config` and `index.locking` are shared by all three and import
none of them, and `index.cli` (the stage's commands) comes last, over all three.

Every import counts, also those deferred inside functions: a circle hidden in a function is still
a circle for a reader (and a trap for whoever moves the import to the top).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("index", "search", "webui")
#: index's own order: a module imports from its own part or an earlier one
INDEX_PARTS = ("index.config", "index.locking", "index.documents", "index.embedding",
               "index.building", "index.cli")  # fmt: skip


def _graph() -> dict[str, set[str]]:
    mods = {}
    for stage in STAGES:
        for f in (ROOT / stage).rglob("*.py"):
            parts = f.relative_to(ROOT).with_suffix("").parts
            mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                subs = {f"{node.module}.{a.name}" for a in node.names} & mods.keys()
                graph[name] |= subs
                if node.module in mods and len(subs) < len(node.names):
                    graph[name].add(node.module)  # names from the module itself
            elif isinstance(node, ast.Import):
                graph[name] |= {a.name for a in node.names} & mods.keys()
    return graph


def test_no_import_circles() -> None:
    graph = _graph()
    circles = []
    for start in graph:
        todo, seen = [(start, (start,))], set()
        while todo:
            node, path = todo.pop()
            for nxt in graph[node] - {node}:
                if nxt == start:
                    circles.append(" -> ".join(path + (start,)))
                elif nxt not in seen:
                    seen.add(nxt)
                    todo.append((nxt, path + (nxt,)))
    assert not circles, circles


def test_stages_import_only_earlier_stages() -> None:
    later = {s: set(STAGES[i + 1:]) for i, s in enumerate(STAGES)}
    wrong = [(m, t) for m, targets in _graph().items() for t in targets
             if t.split(".")[0] in later[m.split(".")[0]]]  # fmt: skip
    assert not wrong, wrong


def _index_part(module: str) -> int:
    """The position in INDEX_PARTS of an index module's part."""
    for i, part in enumerate(INDEX_PARTS):
        if module == part or module.startswith(part + "."):
            return i
    raise AssertionError(f"{module} is in none of {INDEX_PARTS}")


def test_index_parts_import_only_earlier_parts() -> None:
    inside = {m: {t for t in targets if t.startswith("index.")}
              for m, targets in _graph().items() if m.startswith("index.")}  # fmt: skip
    wrong = [(m, t) for m, targets in inside.items() for t in targets
             if _index_part(t) > _index_part(m)]  # fmt: skip
    assert not wrong, wrong
