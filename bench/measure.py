"""What the benchmark stages share: the query set and how time, memory and the machine are read."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TOPICS = (
    "brandvæsen", "MitID", "jobcenter", "pas og kørekort", "hjemløshed", "Barnets Lov", "affald",
    "kultur og fritid", "digitalisering", "IT-sikkerhed", "NIS2", "DUT", "demografipulje",
    "ældreområdet", "sygedagpenge", "fleksjob", "rehabilitering", "borgerservice",
    "kommunikation", "HR og personale", "lønninger", "økonomi", "vejvedligeholdelse",
    "byggesager", "miljø", "forebyggelse", "sundhedsklynge", "integration", "flygtninge",
    "ukrainere", "boligventeliste", "helbredstillæg", "brandhaner", "beredskab", "landdistrikter",
    "arbejdsmiljø", "robotter", "kommunalbestyrelsen", "uddannelsesvejledning", "specialområdet",
)  # fmt: skip
TEMPLATES = (
    "{t}", "hvad koster {t}", "budget til {t}", "{t} udgifter", "udfordringer for {t}",
    "how much is spent on {t}", "{t} i kommunen", "nettobudget {t}", "hvem har ansvaret for {t}",
    "besparelser på {t}", "{t} 2024", "what does the municipality do about {t}",
)  # fmt: skip
MODES = ("keyword", "semantic", "hybrid")
CLIENTS = 8


def query_pool() -> list[str]:
    """Distinct, realistic queries in a fixed, interleaved order (len(TOPICS) * len(TEMPLATES))."""
    return [tpl.format(t=t) for tpl in TEMPLATES for t in TOPICS]


def queries(n: int, offset: int) -> list[str]:
    pool = query_pool()
    return [pool[(offset + i) % len(pool)] for i in range(n)]


def pct(values: Sequence[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    i = (len(s) - 1) * p / 100
    lo = int(i)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (i - lo)


def summary(ms: Sequence[float]) -> dict[str, float]:
    return {"n": len(ms), "p50": pct(ms, 50), "p95": pct(ms, 95), "p99": pct(ms, 99),
            "mean": statistics.fmean(ms) if ms else float("nan")}  # fmt: skip


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM (peak resident set) of a process in MB; ru_maxrss for ourselves as a fallback."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    """VmRSS (resident set now) of a process in MB; `field="RssAnon"`: its anonymous part,
    without the pages of memory-mapped index files (the page cache can take those back)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def torch_mapped(pid: int | str = "self") -> bool:
    """Whether a process has PyTorch's library mapped (a server should not)."""
    with open(f"/proc/{pid}/maps") as fh:
        return any("libtorch" in line for line in fh)


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def machine() -> dict[str, object]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = next(
            int(line.split()[1]) / 1024 / 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        mem = float("nan")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "load_at_start": os.getloadavg()}  # fmt: skip
