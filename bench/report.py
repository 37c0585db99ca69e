"""The benchmark's figures as the Markdown tables BENCHMARKS.md quotes."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.measure import CLIENTS  # noqa: E402


def _lat_row(label: str, s: dict) -> str:
    extra = f" | {s['throughput_qps']:.0f}" if "throughput_qps" in s else " | "
    return f"| {label} | {s['n']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f}{extra} |"


def _s(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.1f} s"


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}; "
        f"load average at start {', '.join(f'{x:.1f}' for x in m['load_at_start'])}",
        "",
    ]
    seed = results.get("seed")
    if seed:
        lines += [
            f"Seed corpus: {seed['documents']} document(s), {seed['passages']} passages; "
            f"query encoder: {seed['query_backend']}",
            "",
            "| seed build | value |",
            "| --- | --- |",
            f"| cold build incl. model load | {seed['cold_build_s']:.1f} s |",
            f"| of which model load | {_s(seed.get('model_load_s'))} |",
            f"| no-change rebuild (median of 7) | {seed['nochange_s'] * 1000:.0f} ms |",
            f"| snapshot load | {seed['snapshot_load_s'] * 1000:.0f} ms |",
            f"| index on disk | {seed['index_mb']:.2f} MB |",
            f"| passage embedding ({seed.get('passage_backend', 'torch')}) "
            f"| {seed['embed_passages_per_s']:.0f} passages/s |",
            f"| peak RSS (build + queries) | {seed['peak_rss_mb']:.0f} MB |",
            "",
            "| in-process latency (ms) | n | p50 | p95 | p99 | |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [_lat_row(k, v) for k, v in seed["latency"].items()]
        lines.append("")
    http = results.get("http")
    if http:
        lines += [
            f"HTTP (waitress, 8 threads, 127.0.0.1, GET /api/search k=10; first answer "
            f"{http['server_ready_s']:.1f} s after start, RSS then "
            f"{http.get('server_rss_ready_mb', 0):.0f} MB, peak RSS "
            f"{http['server_peak_rss_mb']:.0f} MB; torch mapped: "
            f"{'yes' if http.get('server_torch_mapped') else 'no'})",
            "",
            "| HTTP latency (ms) | n | p50 | p95 | p99 | throughput (q/s) |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [_lat_row(f"{k}, sequential", v) for k, v in http["sequential"].items()]
        lines += [_lat_row(f"{k}, {CLIENTS} clients", v) for k, v in http["concurrent"].items()]
        lines.append("")
    scale = results.get("scale") or []
    if scale:
        lines += [
            "| passages | docs | vectors | generate s | build s | embed s | no-change ms "
            "| index MB | load s | kw p50 | sem p50 | hyb p50 | hyb p95 | hyb+filter p95 "
            "| serving RSS MB | build RSS MB |",
            "| " + " | ".join(["---"] * 16) + " |",
        ]
        for s in scale:
            lat = s["query"]["latency"]
            lines.append(
                f"| {s['passages']} | {s['documents']} | {s['vectors']} | {s['generate_s']:.1f} "
                f"| {s['build_s']:.1f} | {s['embed_s']:.1f} | {s['nochange_s'] * 1000:.0f} "
                f"| {s['index_mb']:.1f} | {s['query']['snapshot_load_s']:.2f} "
                f"| {lat['keyword']['p50']:.1f} | {lat['semantic']['p50']:.1f} "
                f"| {lat['hybrid']['p50']:.1f} | {lat['hybrid']['p95']:.1f} "
                f"| {lat['hybrid + filters']['p95']:.1f} | {s['query']['peak_rss_mb']:.0f} "
                f"| {s['build_peak_rss_mb']:.0f} |"
            )
        lines.append("")
        for s in scale:
            f, lat = s["query"].get("floor"), s["query"]["latency"]
            if f:
                lines.append(
                    f"{s['passages']} passages: floor (one query encoding + vector lookup) p50 "
                    f"{f['p50']:.1f} ms; hybrid p50 {lat['hybrid']['p50']:.1f} ms = "
                    f"{lat['hybrid']['p50'] / f['p50']:.2f} x the floor; RSS after the queries "
                    f"{s['query'].get('rss_after_queries_mb', 0):.0f} MB, of which anonymous "
                    f"(not index files' pages) {s['query'].get('rss_anon_after_queries_mb', 0):.0f}"
                    " MB"
                )
        lines.append("")
        for label, peers_result in [("seed", results.get("seed_peers"))] + [
            (f"{s['passages']} passages", s.get("peers")) for s in scale
        ]:
            if not peers_result:
                continue
            lines += [
                f"Peers, {label}: build s and latency ms (distinct bench queries)",
                "",
                "| engine | build s | p50 | p95 | p99 |",
                "| --- | --- | --- | --- | --- |",
            ]
            for name, lat in peers_result["latency"].items():
                b = peers_result["build_s"].get(name)
                lines.append(
                    f"| {name} | {'' if b is None else f'{b:.2f}'} | {lat['p50']:.2f} "
                    f"| {lat['p95']:.2f} | {lat['p99']:.2f} |"
                )
            lines.append("")
            if peers_result.get("quality"):
                keys = sorted(
                    {
                        k
                        for v in peers_result["quality"].values()
                        for k in v
                        if k.endswith("nDCG@10")
                    }
                )
                lines += [
                    "| queries | system | " + " | ".join(keys) + " |",
                    "| --- | --- |" + " --- |" * len(keys),
                ]
                for key, sc in peers_result["quality"].items():
                    set_name, system = key.split("|", 1)
                    lines.append(
                        f"| {set_name} | {system} | "
                        + " | ".join(sc.get(k, "") for k in keys)
                        + " |"
                    )
                lines.append("")
        for s in scale:
            if "embed_passages_per_s" in s:
                lines.append(
                    f"Embedding throughput (real model, {s['passages']} passages): "
                    f"{s['embed_passages_per_s']:.1f} passages/s"
                )
        lines.append("")
    vectors = results.get("vectors") or []
    if vectors:
        lines += [
            "Vector lookup alone (top 100 with the hubness penalty; synthetic vectors): 1-bit "
            "codes + exact rescoring vs the exact float32 scan",
            "",
            "| passages | rescored | binary p50 | binary p95 | exact p50 | exact p95 "
            "| recall@10 | recall@100 | codes MB | binary RSS MB | float32 matrix MB | load s |",
            "| " + " | ".join(["---"] * 12) + " |",
        ]
        for v in vectors:
            lines.append(
                f"| {v['size']} | {v['rescore']} | {v['binary']['p50']:.1f} "
                f"| {v['binary']['p95']:.1f} | {v['exact']['p50']:.1f} | {v['exact']['p95']:.1f} "
                f"| {v['recall10']:.3f} | {v['recall100']:.3f} | {v['codes_mb']:.0f} "
                f"| {v['rss_binary_mb']:.0f} | {v['exact_matrix_mb']:.0f} | {v['load_s']:.2f} |"
            )
        lines.append("")
    return "\n".join(lines)
