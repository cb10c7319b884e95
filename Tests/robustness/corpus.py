#!/usr/bin/env python3
"""The corruption corpus (issue 15): thousands of mutated model files, each loaded through the C API by a
process of its own kind (load_files.c), none of which may crash or hang that process.

From the fixtures (Keras 2 and Keras 3 legacy .h5, Keras 3 .keras archives and .weights.h5, SeqNN's own files)
it writes mutants: bit flips, byte overwrites, truncations, appended garbage and swapped blocks of the raw
file; for .keras archives also archives rebuilt around a mutated model.weights.h5 or config.json (a raw
mutation of a zip mostly fails its CRC, which tests libzip rather than the HDF5 reader). load_files loads
them in batches, printing one status per file; a batch process that dies (a crash) or stays silent past the
per-file bound (a hang) is a finding, reported with the file, and the batch resumes after it.

    python3 Tests/robustness/corpus.py LIBDIR [--count N] [--seed S] [--jobs J] [--time-limit SECONDS]
                                             [--keep DIR]

Prints the figures (files, loaded, clean errors by status, contained reader crashes/hangs, crashes, hangs,
time) and exits 1 if any file crashed or hung the loading process. Needs only Python 3 and a C compiler.
"""
import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "Tests" / "SeqNNFileTests" / "Fixtures"
STATUS = {0: "OK", 1: "INVALID_ARGUMENT", 2: "SHAPE_MISMATCH", 3: "UNSUPPORTED", 4: "FORMAT_ERROR",
          5: "IO_ERROR", 7: "OUT_OF_MEMORY", 11: "NUMERIC_ERROR", 13: "INTERNAL_ERROR"}


def seqnn_files(libdir: Path, folder: Path):
    """SeqNN's own files: Keras fixtures loaded and saved again by the library (.h5 and .keras)."""
    import ctypes
    lib = ctypes.CDLL(str(libdir / "libseqnn.so"))
    lib.seqnn_model_load.argtypes = [ctypes.c_char_p, ctypes.c_uint64, ctypes.POINTER(ctypes.c_void_p)]
    lib.seqnn_model_save.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    lib.seqnn_model_free.argtypes = [ctypes.c_void_p]
    out = []
    for src in sorted((FIX / "keras3").glob("*.h5"))[::3]:
        m = ctypes.c_void_p()
        if lib.seqnn_model_load(str(src).encode(), 0, ctypes.byref(m)) != 0:
            continue
        for ext in (".h5", ".keras"):
            dst = folder / f"seqnn-{src.stem}{ext}"
            if lib.seqnn_model_save(m, str(dst).encode(), None) == 0:
                out.append(("seqnn", dst, None))
        lib.seqnn_model_free(m)
    return out


def fixtures(extra=()):
    """(kind, path, base for weights files) for every seed file."""
    out = list(extra)
    for kind, folder in [("keras2", "keras2"), ("keras3", "keras3"), ("edge", "edge")]:
        out += [(kind, p, None) for p in sorted((FIX / folder).glob("*.h5"))]
    for p in sorted((FIX / "keras3_archive").glob("*.keras")):
        out.append(("keras3_archive", p, None))
        w = p.with_name(p.name[:-len(".keras")] + ".weights.h5")
        if w.exists():
            out.append(("keras3_weights", w, p))
    for p in sorted((ROOT / "Tests" / "SeqInspectTests" / "Fixtures" / "seqnn").glob("*")):
        if p.suffix in (".h5", ".keras"):
            out.append(("seqnn", p, None))
    return out


def mutate_bytes(data: bytes, rng: random.Random):
    b = bytearray(data)
    how = rng.choice(["bitflip", "overwrite", "truncate", "append", "swap"])
    if how == "bitflip":
        for _ in range(rng.choice([1, 1, 2, 4, 8])):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif how == "overwrite":
        n = rng.choice([1, 2, 4, 8, 16])
        i = rng.randrange(max(1, len(b) - n))
        fill = rng.choice(["random", "ff", "00", "7f"])
        for k in range(i, min(len(b), i + n)):
            b[k] = rng.randrange(256) if fill == "random" else int(fill, 16)
    elif how == "truncate":
        del b[rng.randrange(1, len(b)):]
    elif how == "append":
        b += bytes(rng.randrange(256) for _ in range(rng.choice([1, 16, 512, 4096])))
    else:
        n = rng.choice([8, 64, 512])
        if len(b) > 2 * n:
            i, j = rng.randrange(len(b) - n), rng.randrange(len(b) - n)
            b[i:i + n], b[j:j + n] = b[j:j + n], b[i:i + n]
    return how, bytes(b)


def mutate_archive(data: bytes, rng: random.Random):
    """A .keras archive rebuilt (stored, as Keras writes it) around one mutated entry."""
    src = zipfile.ZipFile(io.BytesIO(data))
    target = rng.choice(["model.weights.h5"] * 3 + ["config.json"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == target:
                how, payload = mutate_bytes(payload, rng)
            z.writestr(info.filename, payload)
    return f"inner-{target}-{how}", out.getvalue()


def generate(count, seed, folder: Path, extra=()):
    rng = random.Random(seed)
    seeds = fixtures(extra)
    items = []
    for i in range(count):
        kind, path, base = seeds[i % len(seeds)]
        data = path.read_bytes()
        if kind in ("keras3_archive",) or (kind == "seqnn" and path.suffix == ".keras"):
            how, mutated = mutate_archive(data, rng) if rng.random() < 0.6 else mutate_bytes(data, rng)
        else:
            how, mutated = mutate_bytes(data, rng)
        name = folder / f"{i:05d}-{kind}-{how}-{path.name}"
        name.write_bytes(mutated)
        items.append((kind, how, name, base))
    return items


def build_loader(libdir: Path, work: Path) -> Path:
    exe = work / "load_files"
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-O1", "-Wall", "-Werror", "-I", str(ROOT / "Include"), str(Path(__file__).with_name("load_files.c")),
                    "-o", str(exe), "-L", str(libdir), "-lseqnn", f"-Wl,-rpath,{libdir}"], check=True)
    return exe


def run_batch(exe, items, time_limit, results, lock, hang_after):
    """Loads items in one process; on a crash or hang records it and starts a new process after that file."""
    start = 0
    while start < len(items):
        proc = subprocess.Popen([str(exe), str(time_limit)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        lines = "".join(f"{p}\t{b}\n" if b else f"{p}\n" for _, _, p, b in items[start:])
        threading.Thread(target=lambda: (proc.stdin.write(lines), proc.stdin.close()), daemon=True).start()
        got = {}
        done = threading.Event()

        def reader():
            for line in proc.stdout:
                idx, _, rest = line.partition(" ")
                status, _, msg = rest.partition(" ")
                got[int(idx)] = (int(status), msg.strip(), time.monotonic())
            done.set()
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        last = time.monotonic()
        seen, killed = 0, False
        while not done.wait(0.2):
            if len(got) != seen:
                seen, last = len(got), time.monotonic()
            elif time.monotonic() - last > hang_after:
                proc.kill()
                killed = True
                break
        proc.wait()
        t.join(5)
        err = proc.stderr.read()[-300:]
        with lock:
            for idx, (status, msg, _) in got.items():
                results[start + idx] = ("status", status, msg)
        answered = max(got) + 1 if got else 0
        if start + answered >= len(items):
            break
        bad = start + answered   # the file the process was on when it died or stopped answering
        results[bad] = ("hang", None, "") if killed else ("crash", proc.returncode, err)
        start = bad + 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("libdir", type=Path)
    ap.add_argument("--count", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=1.0, help="the reader's time limit per file (seconds)")
    ap.add_argument("--keep", type=Path, help="keep the mutants (and findings) in this folder")
    args = ap.parse_args()
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="seqnn-corpus."))
    try:
        folder = args.keep or (work / "files")
        folder.mkdir(parents=True, exist_ok=True)
        originals = work / "seqnn"
        originals.mkdir()
        items = generate(args.count, args.seed, folder, seqnn_files(args.libdir.resolve(), originals))
        exe = build_loader(args.libdir.resolve(), work)
        results = [None] * len(items)
        lock = threading.Lock()
        # A file may take the reader's time limit, plus process start and slack, before the loader answers.
        hang_after = max(20.0, 10 * args.time_limit)
        chunks = [list(range(j, len(items), args.jobs)) for j in range(args.jobs)]
        threads = []
        for idxs in chunks:
            sub = [items[i] for i in idxs]
            sub_results = [None] * len(sub)

            def job(sub=sub, sub_results=sub_results, idxs=idxs):
                run_batch(exe, sub, args.time_limit, sub_results, lock, hang_after)
                for k, i in enumerate(idxs):
                    results[i] = sub_results[k]
            th = threading.Thread(target=job)
            th.start()
            threads.append(th)
        for th in threads:
            th.join()
        report(items, results, time.monotonic() - t0, args)
        findings = [(items[i], r) for i, r in enumerate(results) if r is None or r[0] != "status"]
        for (kind, how, path, _), r in findings:
            print(f"FINDING {r[0] if r else 'missing'}: {path} ({kind}, {how}) {r[1:] if r else ''}")
        return 1 if findings else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def report(items, results, seconds, args):
    from collections import Counter
    by_kind = Counter(k for k, _, _, _ in items)
    status = Counter()
    contained = Counter()
    for r in results:
        if r and r[0] == "status":
            status[STATUS.get(r[1], str(r[1]))] += 1
            if "damaged or hostile: reading it" in r[2]:
                contained["reader crashed" if "crashed" in r[2] else "reader hung"] += 1
    crashes = sum(1 for r in results if r and r[0] == "crash")
    hangs = sum(1 for r in results if r and r[0] == "hang")
    print(f"corpus: {len(items)} files (seed {args.seed}; " + ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items())) + ")")
    print("  results: " + ", ".join(f"{k} {v}" for k, v in status.most_common()))
    print(f"  contained in the reader process: {contained['reader crashed']} libhdf5 crashes, "
          f"{contained['reader hung']} hangs stopped at {args.time_limit:g} s")
    print(f"  loading process: {crashes} crashes, {hangs} hangs; {seconds:.1f} s with {args.jobs} jobs")


if __name__ == "__main__":
    sys.exit(main())
