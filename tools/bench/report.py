#!/usr/bin/env python3
"""Turns the JSON lines of seqnn_bench and peers.py into the benchmark table (stdout) and RESULTS.md.

Usage: report.py RESULTS_DIR --md OUT.md [--meta META.json]
RESULTS_DIR holds *.jsonl files (one per process); META.json holds the machine, versions and command that
run.sh recorded. Only the standard library is used (any python3 runs it).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys

ORDER = ["W1", "W2", "W3", "W3lat", "W4", "W5", "cold"]
TITLES = {
    "W1": "W1 MLP 784-32-10, rmsprop, batch 32, fit",
    "W2": "W2 MLP 784-512-512-10, adam, batch 128, fit",
    "W3": "W3 W2's model, predict 10k at batch 256",
    "W3lat": "W3 latency: 1 sample through W2's model",
    "W4": "W4 Conv2D(32,3x3)-MaxPool-Dense(10), adam, batch 64, fit",
    "W5": "W5 LSTM(64) x 50 steps, Dense(1), adam, batch 32, fit",
    "cold": "cold start: new process, load W1 .h5, predict 1 sample",
}
FW_ORDER = ["seqnn", "seqnn-avx2", "seqnn-py", "keras3-jax", "keras3-tf", "tf-keras", "torch", "onnxruntime"]
SEQNN = {"seqnn", "seqnn-avx2", "seqnn-py"}
# The goals of issue 7, as (ratio SeqNN / best peer, needed) or special forms.
GOALS = {"W1": 3.0, "W2": 1.2, "W3": "onnxruntime", "W3lat": "onnxruntime", "W4": 2.0, "W5": 1.5, "cold": 0.020}


def load(d: str):
    rows, skipped, info, peaks = [], [], [], {}
    for path in sorted(glob.glob(os.path.join(d, "*.jsonl"))):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if r.get("workload") == "sgemm_peak":
                    key = r["threads"]
                    peaks.setdefault(key, []).append(r)
                elif r.get("workload") == "info":
                    info.append(r)
                elif "skipped" in r:
                    skipped.append(r)
                else:
                    rows.append(r)
    return rows, skipped, info, peaks


def fmt_rate(v: float) -> str:
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 1:
        return f"{v:.1f}"
    return f"{v:.3f}"


def spread(r) -> str:
    m = r["median"]
    return f"±{50 * (r['max'] - r['min']) / m:.0f}%" if m > 0 else "-"


def per_cpu(r):
    """Samples per CPU-second of the process, for 1-thread (pinned) runs: robust to other tenants taking the
    core, since a pinned single-threaded process's CPU time is the time it actually ran."""
    if not r or r.get("threads") != 1 or not r.get("cpu_per_wall"):
        return None
    return r["median"] / r["cpu_per_wall"]


def note(r) -> str:
    parts = []
    if r["workload"] == "W3lat" and "latency_us" in r:
        l = r["latency_us"]
        parts.append(f"p50 {l['p50']:.0f} µs (p10 {l['p10']:.0f}, p90 {l['p90']:.0f})")
    if r["workload"] == "cold" and "seconds" in r:
        s = r["seconds"]
        parts.append(f"{s['median'] * 1e3:.0f} ms (min {s['min'] * 1e3:.0f})")
    if "allocs_per_epoch" in r:
        parts.append(f"{r['allocs_per_epoch']:.0f} allocs/epoch of {r['batches_per_epoch']} batches")
    if "allocs_per_call" in r and r["workload"] == "W3lat":
        parts.append(f"{r['allocs']} allocs in {r['calls']} calls")
    if "cpu_per_wall" in r:
        parts.append(f"cpu/wall {r['cpu_per_wall']:.2f}")
    return "; ".join(parts)


def build(rows, skipped, peaks, threads_list):
    """Returns (text table lines, markdown lines, goal lines)."""
    by = {}
    for r in rows:
        by[(r["workload"], r["framework"], r["threads"])] = r
    peak = {t: max(p.get("max", 0) for p in ps) for t, ps in peaks.items()}
    head = ["workload", "framework", "thr", "samples/s", "spread", "SeqNN/this", "per CPU-s", "SeqNN/this (CPU)",
            "GFLOP/s", "% peak", "RSS MiB", "notes"]
    table = []
    for w in ORDER:
        for t in threads_list:
            base = by.get((w, "seqnn", t))
            fws = sorted({k[1] for k in by if k[0] == w and k[2] == t},
                         key=lambda f: FW_ORDER.index(f) if f in FW_ORDER else 99)
            for f in fws:
                r = by[(w, f, t)]
                g = r["median"] * r.get("flop_per_sample", 0) * 1e-9
                pk = peak.get(t)
                ratio = base["median"] / r["median"] if base and r["median"] > 0 else None
                pc, bpc = per_cpu(r), per_cpu(base)
                cratio = bpc / pc if pc and bpc else None
                table.append([TITLES[w].split(" ")[0] if w != "W3lat" else "W3lat", f, str(t), fmt_rate(r["median"]),
                              spread(r), f"{ratio:.2f}" if ratio else "-", fmt_rate(pc) if pc else "-",
                              f"{cratio:.2f}" if cratio else "-", f"{g:.1f}" if g > 0 else "-", f"{100 * g / pk:.0f}%" if g > 0 and pk else "-",
                              f"{r['rss_mib']:.0f}", note(r)])
    for s in skipped:
        if s["workload"] in ORDER and s["threads"] == threads_list[0]:
            table.append([s["workload"], s["framework"], str(s["threads"]), "skipped", "", "", "", "", "", "", "",
                          s["skipped"][:90]])

    widths = [max(len(head[i]), *(len(row[i]) for row in table)) if table else len(head[i]) for i in range(len(head))]
    text = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(head)),
            "  ".join("-" * widths[i] for i in range(len(head)))]
    prev = None
    for row in table:
        if prev is not None and row[0] != prev:
            text.append("")
        prev = row[0]
        text.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)))
    md = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    md += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in table]

    goals = []
    t = threads_list[0]
    for w in ORDER:
        peers = [r for (ww, f, tt), r in by.items() if ww == w and tt == t and f not in SEQNN]
        for sf in ["seqnn"]:
            s = by.get((w, sf, t))
            if not s:
                continue
            goal = GOALS[w]
            if w == "cold":
                sec = s["seconds"]["median"]
                best = min(peers, key=lambda r: r["seconds"]["median"], default=None)
                goals.append((w, sf, f"{sec * 1e3:.1f} ms", f"best peer {best['framework']} {best['seconds']['median']:.2f} s" if best else "no peer",
                              "< 20 ms", "met" if sec < goal else "MISSED"))
                continue
            if w == "W3lat":
                ort = by.get((w, "onnxruntime", t))
                lat = s["latency_us"]["p50"]
                ok = ort is not None and lat <= ort["latency_us"]["p50"] and s.get("allocs", 1) == 0
                goals.append((w, sf, f"{lat:.0f} µs, {s.get('allocs', '?')} allocs",
                              f"onnxruntime {ort['latency_us']['p50']:.0f} µs" if ort else "onnxruntime not run",
                              "<= ONNX Runtime, 0 allocs", ("met" if ok else "MISSED") if ort else "n/a"))
                continue
            if goal == "onnxruntime":
                ort = by.get((w, "onnxruntime", t))
                ratio = s["median"] / ort["median"] if ort else None
                cr = per_cpu(s) / per_cpu(ort) if ort and per_cpu(s) and per_cpu(ort) else None
                goals.append((w, sf, f"{fmt_rate(s['median'])}/s", f"onnxruntime {fmt_rate(ort['median'])}/s" if ort else "onnxruntime not run",
                              ">= ONNX Runtime", (f"{ratio:.2f}x" + (f" (per CPU-s: {cr:.2f}x)" if cr else "") + " " +
                                                  ("met" if ratio >= 1 else "MISSED")) if ratio else "n/a"))
                continue
            best = max(peers, key=lambda r: r["median"], default=None)
            if not best:
                goals.append((w, sf, f"{fmt_rate(s['median'])}/s", "no peer ran", f">= {goal}x best peer", "n/a"))
                continue
            ratio = s["median"] / best["median"]
            ok = ratio >= goal
            bestc = max(peers, key=lambda r: per_cpu(r) or 0)
            extra = ""
            if per_cpu(s) and per_cpu(bestc):
                extra += f" (per CPU-s: {per_cpu(s) / per_cpu(bestc):.2f}x {bestc['framework']})"
            if w == "W2" and peak.get(t):
                frac = s["median"] * s["flop_per_sample"] * 1e-9 / peak[t]
                extra += f", {100 * frac:.0f}% of peak (goal >= 85%)"
                ok = ok and frac >= 0.85
            goals.append((w, sf, f"{fmt_rate(s['median'])}/s", f"{best['framework']} {fmt_rate(best['median'])}/s",
                          f">= {goal}x best peer", f"{ratio:.2f}x{extra} " + ("met" if ok else "MISSED")))
    return text, md, goals


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--md", default=None)
    p.add_argument("--meta", default=None)
    a = p.parse_args()
    rows, skipped, info, peaks = load(a.dir)
    meta = {}
    if a.meta and os.path.exists(a.meta):
        with open(a.meta) as f:
            meta = json.load(f)
    threads_list = sorted({r["threads"] for r in rows} | set(peaks))
    if not threads_list:
        print("report.py: no results", file=sys.stderr)
        return 1
    text, md, goals = build(rows, skipped, peaks, threads_list)

    peak_lines = []
    for t in sorted(peaks):
        for pk in peaks[t]:
            peak_lines.append(f"sgemm 1024^3, {t} thread(s), OpenBLAS core {pk.get('corename', '?')}: "
                              f"best {pk['max']:.1f} GFLOP/s, median {pk['median']:.1f}")
    versions = {}
    for i in info:
        if "versions" in i:
            versions.update(i["versions"])
        if "version" in i and i["framework"] == "seqnn":
            versions["seqnn"] = i["version"]
            versions["openblas core (default)"] = i.get("openblas_core", "?")
            versions["seqnn backend"] = i.get("backend", "?") + (" (SEQNN_GEMM=openblas)" if i.get("gemm") else "")
        if i.get("framework") == "seqnn-avx2":
            versions["seqnn-avx2 backend"] = i.get("backend", "?") + f" (OpenBLAS {i.get('openblas_core', '?')})"

    print("\n".join(peak_lines))
    print()
    print("\n".join(text))
    print()
    print("Goals (issue 7), 1 thread:")
    for g in goals:
        print("  " + " | ".join(g))

    if a.md:
        out = ["# SeqNN benchmark results", "",
               "Produced by `tools/bench/run.sh` (see `tools/bench/README.md`); do not edit by hand.", ""]
        if meta:
            out += [f"- command: `{meta.get('command', '?')}`",
                    f"- SeqNN: {meta.get('source', '?')}",
                    f"- date: {meta.get('date', '?')}",
                    f"- machine: {meta.get('cpu', '?')}, {meta.get('cores', '?')} cores, {meta.get('mem', '?')}",
                    f"- load average: {meta.get('load_before', '?')} before, {meta.get('load_after', '?')} after "
                    "(the machine is shared: absolute numbers are noisy, compare ratios from one run)",
                    f"- mode: {meta.get('mode', '?')}; 1-thread runs pinned to CPU {meta.get('pin', '?')}",
                    f"- wall time of the whole run: {meta.get('elapsed', '?')}"]
        out += [f"- {l}" for l in peak_lines]
        if versions:
            out.append("- versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())))
        out += ["", "`SeqNN/this` is SeqNN's median samples/s (the default `seqnn` row of the same thread count) "
                "divided by the row's: above 1, SeqNN is faster. `% peak` is the row's achieved GEMM GFLOP/s "
                "(forward + backward GEMM FLOPs per sample x samples/s) over the best sgemm peak measured in this run "
                "for that thread count (OpenBLAS's `sgemm` 1024^3 with the kernels SeqNN loaded it with; SeqNN's own "
                "AVX-512 GEMM can exceed it). `seqnn` is the C program over `seqnn.h` with the library's defaults "
                "(the best backend the CPU has: see `seqnn backend` above); `seqnn-avx2` the same with "
                "`SEQNN_BACKEND=avx2` (the AVX2+FMA path, products on OpenBLAS), run where the default is AVX-512; "
                "`seqnn-py` is SeqNN through its Python binding running the Keras code. "
                "`per CPU-s` (1-thread rows only) is samples per CPU-second of the pinned process, a figure that other "
                "tenants of the machine disturb much less than wall time (they take the core away, which CPU time does "
                "not count), and `SeqNN/this (CPU)` the ratio on it. RSS is the process's peak so far (workloads run in the order of the table in one process per "
                "framework; cold start reports the child process). `cpu/wall` above 1 means more than one core "
                "was busy.", "", *md, "", "## Goals (issue 7), 1 thread", "",
                "| workload | SeqNN | SeqNN result | best peer | goal | ratio / verdict |", "|---|---|---|---|---|---|"]
        out += ["| " + " | ".join(g) + " |" for g in goals]
        out.append("")
        with open(a.md, "w") as f:
            f.write("\n".join(out))
        print(f"\nwrote {a.md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
