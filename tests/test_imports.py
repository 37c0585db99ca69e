"""The code's shape: stages import only from stages before them, and no module imports back.

Every import counts, also those deferred inside functions: a circle hidden in a function is still
a circle for a reader (and a trap for whoever moves the import to the top).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("index", "search", "webui")


def _graph() -> dict[str, set[str]]:
    mods = {(f"{p}.{f.stem}" if f.stem != "__init__" else p): f
            for p in STAGES for f in (ROOT / p).glob("*.py")}  # fmt: skip
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
