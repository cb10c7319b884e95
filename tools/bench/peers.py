#!/usr/bin/env python3
"""The peers' side of the SeqNN benchmark suite (tools/bench/README.md).

The workloads of seqnn_bench.c, with the same shapes, optimizers (Keras defaults), batch sizes, seeds and
thread counts, in:

  keras3-tf    Keras 3 on the TensorFlow backend          keras3-jax   Keras 3 on the JAX backend
  tf-keras     tf_keras (Keras 2) on TensorFlow           torch        PyTorch (a plain training loop)
  onnxruntime  inference only (W3, W3lat, cold), W1/W2 built by hand as ONNX graphs
  seqnn-py     SeqNN through its Python binding (bindings/python, or $SEQNN_BENCH_BINDINGS), running the very
               same Keras code on the library $SEQNN_LIBRARY

Usage:
  peers.py list                              which frameworks are importable here (one line each)
  peers.py run FRAMEWORK --threads N [--reps R] [--scale F] [--only W1,W2,...] [--w1-h5 PATH]
                         [--lat-calls N] [--cold-reps N] [--pin CPU]
Each `run` is meant to be its own process (run.sh starts one per framework and thread count): the thread
settings are put into the environment before the framework is imported. Results are JSON lines on stdout,
in the schema of seqnn_bench; progress goes to stderr. A framework that cannot be imported prints one
{"skipped": ...} line and exits 0.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time

FRAMEWORKS = ["keras3-tf", "keras3-jax", "tf-keras", "torch", "onnxruntime", "seqnn-py"]
REQUIRES = {
    "keras3-tf": ["keras", "tensorflow"],
    "keras3-jax": ["keras", "jax"],
    "tf-keras": ["tf_keras", "tensorflow"],
    "torch": ["torch"],
    "onnxruntime": ["onnxruntime", "onnx"],
    "seqnn-py": ["seqnn"],
}
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def missing(framework: str) -> list[str]:
    bindings = os.environ.get("SEQNN_BENCH_BINDINGS", os.path.join(ROOT, "bindings", "python"))
    if framework == "seqnn-py" and os.path.isdir(bindings):
        sys.path.insert(0, bindings)
    return [m for m in REQUIRES[framework] if importlib.util.find_spec(m) is None]


def thread_env(framework: str, threads: int) -> None:
    """Forces every thread pool we know of to `threads` (before any framework is imported)."""
    t = str(threads)
    for var in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"]:
        os.environ[var] = t
    os.environ["TF_NUM_INTEROP_THREADS"] = "1" if threads == 1 else t
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if framework == "keras3-jax":
        os.environ["KERAS_BACKEND"] = "jax"
        os.environ["JAX_PLATFORMS"] = "cpu"
        flags = os.environ.get("XLA_FLAGS", "")
        if threads == 1:
            flags += " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.environ["XLA_FLAGS"] = flags.strip()
    elif framework in ("keras3-tf", "tf-keras"):
        os.environ["KERAS_BACKEND"] = "tensorflow"
        if framework == "tf-keras":
            os.environ["TF_USE_LEGACY_KERAS"] = "1"


# ------------------------------------------------------------------------------------------------------
# Data and FLOP counts (the same as seqnn_bench.c)
# ------------------------------------------------------------------------------------------------------

def synthetic(seed: int, samples: int, shape: tuple, classes: int):
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.random((samples,) + shape, dtype=np.float32)
    if classes == 1:
        y = rng.integers(0, 2, size=(samples, 1)).astype(np.float32)
    else:
        y = np.zeros((samples, classes), dtype=np.float32)
        y[np.arange(samples), rng.integers(0, classes, size=samples)] = 1
    return x, y


def mlp_train_flops(dims):
    return sum((4 + (2 if l > 0 else 0)) * dims[l] * dims[l + 1] for l in range(len(dims) - 1))


def mlp_forward_flops(dims):
    return sum(2 * dims[l] * dims[l + 1] for l in range(len(dims) - 1))


W1_DIMS, W2_DIMS = [784, 32, 10], [784, 512, 512, 10]
FLOPS = {
    "W1": mlp_train_flops(W1_DIMS), "W2": mlp_train_flops(W2_DIMS),
    "W3": mlp_forward_flops(W2_DIMS), "W3lat": mlp_forward_flops(W2_DIMS),
    "W4": 2 * (2.0 * 26 * 26 * 9 * 32) + 3 * (2.0 * 13 * 13 * 32 * 10),
    "W5": 50 * (2 * (2.0 * 32 * 256) + 3 * (2.0 * 64 * 256)) + 3 * 2.0 * 64,
    "cold": 0,
}


def warmup_samples(samples: int, batch: int) -> int:
    """The warm-up epoch's samples (as seqnn_bench.c): about a tenth of the data, at least 4 batches, plus the
    remainder, so the warm-up runs every batch shape of the timed epochs (XLA compiles one program per shape)."""
    full = samples // batch
    k = min(full, max(4, full // 10))
    return k * batch + samples % batch


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Emitter:
    def __init__(self, framework: str, threads: int):
        self.framework, self.threads = framework, threads

    def result(self, workload: str, rates: list[float], rss: float | None = None, **extra) -> None:
        s = sorted(rates)
        n = len(s)
        med = s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
        rec = {"framework": self.framework, "workload": workload, "threads": self.threads, "median": med,
               "min": s[0], "max": s[-1], "reps": n, "flop_per_sample": FLOPS[workload],
               "rss_mib": round(rss if rss is not None else rss_mib(), 1), "values": rates}
        rec.update(extra)
        print(json.dumps(rec), flush=True)
        print(f"  {self.framework} {workload:6s} threads={self.threads}  {med:10.0f} samples/s  "
              f"(min {s[0]:.0f}, max {s[-1]:.0f}, {n} reps)  {med * FLOPS[workload] * 1e-9:.2f} GFLOP/s  "
              f"RSS {rec['rss_mib']:.0f} MiB", file=sys.stderr, flush=True)

    def skipped(self, workload: str, why: str) -> None:
        print(json.dumps({"framework": self.framework, "workload": workload, "threads": self.threads,
                          "skipped": why}), flush=True)
        print(f"  {self.framework} {workload}: skipped: {why}", file=sys.stderr, flush=True)


def time_predict(call, samples: int, reps: int):
    """samples/s of `reps` calls of call() (after one warm-up), and the CPU time per wall time."""
    call()
    rates = []
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(reps):
        t0 = time.perf_counter()
        call()
        rates.append(samples / (time.perf_counter() - t0))
    return rates, (time.process_time() - c0) / (time.perf_counter() - w0)


def latency_stats(us: list[float]) -> dict:
    s = sorted(us)
    n = len(s)
    return {"p10": s[n // 10], "p50": s[n // 2], "p90": s[n * 9 // 10], "p99": s[min(n - 1, n * 99 // 100)]}


def time_latency(call, x, calls: int, budget_s: float = 3.0) -> list[float]:
    """Per-call wall time in microseconds of call(x[i:i+1]) for up to `calls` calls or `budget_s` seconds."""
    for i in range(50):
        call(x[i:i + 1])
    us = []
    start = time.perf_counter()
    for i in range(calls):
        xi = x[i % len(x):i % len(x) + 1]
        t0 = time.perf_counter()
        call(xi)
        us.append((time.perf_counter() - t0) * 1e6)
        if i >= 200 and time.perf_counter() - start > budget_s:
            break
    return us


def emit_latency(em: Emitter, us: list[float], api: str) -> None:
    st = latency_stats(us)
    em.result("W3lat", [1e6 / st["p90"], 1e6 / st["p50"], 1e6 / st["p10"]], latency_us=st, calls=len(us), api=api)
    print(f"  latency p10 {st['p10']:.1f} us, p50 {st['p50']:.1f} us, p90 {st['p90']:.1f} us ({api})",
          file=sys.stderr, flush=True)


def time_cold(argv: list[str], reps: int) -> tuple[list[float], float]:
    """Wall seconds of whole child processes, and the children's peak RSS (MiB)."""
    secs, rss = [], 0.0
    for _ in range(reps):
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        secs.append(time.perf_counter() - t0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
        if p.returncode != 0:
            raise RuntimeError(f"cold-start child failed ({p.returncode}): {err[-2000:]}")
        rss = max(rss, usage.ru_maxrss / 1024.0)
    return secs, rss


def emit_cold(em: Emitter, secs: list[float], rss: float, what: str) -> None:
    s = sorted(secs)
    em.result("cold", [1.0 / t for t in secs], rss=rss,
              seconds={"median": s[len(s) // 2], "min": s[0], "max": s[-1]}, api=what)
    print(f"  cold start: median {s[len(s) // 2] * 1e3:.0f} ms ({what})", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------------
# Keras (Keras 3 on TF or JAX, tf_keras, and SeqNN's Keras-compatible binding)
# ------------------------------------------------------------------------------------------------------

def import_keras(framework: str):
    if framework == "tf-keras":
        import tensorflow as tf
        import tf_keras as K
        return K, tf
    if framework == "seqnn-py":
        from seqnn import keras as K
        return K, None
    import keras as K
    tf = None
    if framework == "keras3-tf":
        import tensorflow as tf
    return K, tf


def keras_run(framework: str, a, em: Emitter) -> None:
    K, tf = import_keras(framework)
    if tf is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(a.threads)
            tf.config.threading.set_inter_op_parallelism_threads(1 if a.threads == 1 else a.threads)
        except RuntimeError:
            pass
    if framework == "seqnn-py":
        import seqnn
        seqnn.set_num_threads(a.threads)
    L = K.layers
    if framework != "seqnn-py":
        K.utils.set_random_seed(42)

    class Clock(K.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.stamps, self.cpu = [], []

        def on_epoch_end(self, epoch, logs=None):
            self.stamps.append(time.perf_counter())
            self.cpu.append(time.process_time())

    def fit(name, model, x, y, batch):
        try:
            fit_timed(name, model, x, y, batch)
        except Exception as e:  # noqa: BLE001 - one failing workload must not lose the others
            em.skipped(name, f"failed: {type(e).__name__}: {e}"[:300])

    def fit_timed(name, model, x, y, batch):
        warm = warmup_samples(len(x), batch)
        print(f"{name}: fit {len(x)} samples, batch {batch}: a warm-up epoch of {warm} samples, then {a.reps} timed "
              "epochs", file=sys.stderr, flush=True)
        w0 = time.perf_counter()
        model.fit(x[:warm], y[:warm], batch_size=batch, epochs=1, shuffle=True, verbose=0)
        warm_s = time.perf_counter() - w0
        clock = Clock()
        st, cpu = clock.stamps, clock.cpu
        st.append(time.perf_counter())
        cpu.append(time.process_time())
        model.fit(x, y, batch_size=batch, epochs=a.reps, shuffle=True, verbose=0, callbacks=[clock])
        rates = [len(x) / (st[i] - st[i - 1]) for i in range(1, len(st))]
        em.result(name, rates, warmup_s=warm_s, batch=batch, cpu_per_wall=(cpu[-1] - cpu[0]) / (st[-1] - st[0]))

    def mlp(dims, opt):
        layers = [K.Input((dims[0],))]
        for d in dims[1:-1]:
            layers.append(L.Dense(d, activation="relu"))
        layers.append(L.Dense(dims[-1], activation="softmax"))
        m = K.Sequential(layers)
        m.compile(optimizer=opt, loss="categorical_crossentropy")
        return m

    want = a.only
    n12, n3, n4, n5 = scaled(a)
    if want & {"W1", "W2", "W3", "W3lat"}:
        x, y = synthetic(1, n12, (784,), 10)
    if "W1" in want:
        fit("W1", mlp(W1_DIMS, "rmsprop"), x, y, 32)
    if "W2" in want:
        fit("W2", mlp(W2_DIMS, "adam"), x, y, 128)
    if want & {"W3", "W3lat"}:
        m = mlp(W2_DIMS, "adam")
        xp = x[:n3]
        if "W3" in want:
            print(f"W3: predict {n3} samples at batch 256, {a.reps + 2} reps", file=sys.stderr, flush=True)
            rates, cpw = time_predict(lambda: m.predict(xp, batch_size=256, verbose=0), n3, a.reps + 2)
            em.result("W3", rates, batch=256, cpu_per_wall=cpw)
        if "W3lat" in want:
            print("W3lat: single-sample predict_on_batch", file=sys.stderr, flush=True)
            emit_latency(em, time_latency(m.predict_on_batch, xp, a.lat_calls), "predict_on_batch")
    if want & {"W1", "W2", "W3", "W3lat"}:
        del x, y
    if "W4" in want:
        try:
            m = K.Sequential([K.Input((28, 28, 1)), L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)),
                              L.Flatten(), L.Dense(10, activation="softmax")])
            m.compile(optimizer="adam", loss="categorical_crossentropy")
        except Exception as e:  # seqnn-py without Conv2D
            em.skipped("W4", f"{type(e).__name__}: {e}"[:300])
        else:
            x4, y4 = synthetic(4, n4, (28, 28, 1), 10)
            fit("W4", m, x4, y4, 64)
    if "W5" in want:
        try:
            m = K.Sequential([K.Input((50, 32)), L.LSTM(64), L.Dense(1, activation="sigmoid")])
            m.compile(optimizer="adam", loss="binary_crossentropy")
        except Exception as e:
            em.skipped("W5", f"{type(e).__name__}: {e}"[:300])
        else:
            x5, y5 = synthetic(5, n5, (50, 32), 1)
            fit("W5", m, x5, y5, 32)
    if "cold" in want:
        if not a.w1_h5:
            em.skipped("cold", "no W1 .h5 given (--w1-h5)")
        else:
            argv = [sys.executable, os.path.abspath(__file__), "cold-child", framework, a.w1_h5]
            try:
                secs, rss = time_cold(argv, a.cold_reps)
            except RuntimeError as e:
                em.skipped("cold", str(e)[-300:])
            else:
                emit_cold(em, secs, rss, "load_model(.h5) + predict_on_batch(1 sample)")


def keras_cold_child(framework: str, path: str) -> None:
    import numpy as np
    K, _ = import_keras(framework)
    m = K.models.load_model(path, compile=False)
    y = m.predict_on_batch(np.full((1, 784), 0.5, dtype=np.float32))
    assert np.asarray(y).shape == (1, 10)


# ------------------------------------------------------------------------------------------------------
# PyTorch
# ------------------------------------------------------------------------------------------------------

def torch_run(a, em: Emitter) -> None:
    import numpy as np
    import torch
    from torch import nn
    import torch.nn.functional as F
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1 if a.threads == 1 else a.threads)
    except RuntimeError:
        pass
    torch.manual_seed(42)

    def train(name, model, opt, loss_fn, x, y, batch):
        try:
            train_timed(name, model, opt, loss_fn, x, y, batch)
        except Exception as e:  # noqa: BLE001
            em.skipped(name, f"failed: {type(e).__name__}: {e}"[:300])

    def train_timed(name, model, opt, loss_fn, x, y, batch):
        warm = warmup_samples(len(x), batch)
        print(f"{name}: fit {len(x)} samples, batch {batch}: a warm-up epoch of {warm} samples, then {a.reps} timed "
              "epochs", file=sys.stderr, flush=True)
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        model.train()

        def epoch(n):
            perm = torch.randperm(n)
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                xb, yb = x.index_select(0, idx), y.index_select(0, idx)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
        w0 = time.perf_counter()
        epoch(warm)
        warm_s = time.perf_counter() - w0
        stamps, cpu = [time.perf_counter()], [time.process_time()]
        for _ in range(a.reps):
            epoch(len(x))
            stamps.append(time.perf_counter())
            cpu.append(time.process_time())
        rates = [len(x) / (stamps[i] - stamps[i - 1]) for i in range(1, len(stamps))]
        em.result(name, rates, warmup_s=warm_s, batch=batch, cpu_per_wall=(cpu[-1] - cpu[0]) / (stamps[-1] - stamps[0]))

    def soft_ce(logits, y):  # softmax + categorical crossentropy, as Keras computes it from probabilities
        return F.cross_entropy(logits, y)

    def mlp(dims):
        mods = []
        for i in range(len(dims) - 1):
            mods.append(nn.Linear(dims[i], dims[i + 1]))
            if i < len(dims) - 2:
                mods.append(nn.ReLU())
        return nn.Sequential(*mods)

    def rmsprop(p):  # Keras 3 defaults
        return torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, eps=1e-7)

    def adam(p):
        return torch.optim.Adam(p, lr=1e-3, betas=(0.9, 0.999), eps=1e-7)

    want = a.only
    n12, n3, n4, n5 = scaled(a)
    if want & {"W1", "W2", "W3", "W3lat"}:
        x, y = synthetic(1, n12, (784,), 10)
    if "W1" in want:
        m = mlp(W1_DIMS)
        train("W1", m, rmsprop(m.parameters()), soft_ce, x, y, 32)
    if "W2" in want:
        m = mlp(W2_DIMS)
        train("W2", m, adam(m.parameters()), soft_ce, x, y, 128)
    if want & {"W3", "W3lat"}:
        m = mlp(W2_DIMS).eval()
        xp = torch.from_numpy(x[:n3])

        def predict(xb):
            with torch.inference_mode():
                return torch.softmax(m(xb), dim=1)
        if "W3" in want:
            print(f"W3: predict {n3} samples at batch 256, {a.reps + 2} reps", file=sys.stderr, flush=True)

            def all_batches():
                out = []
                for i in range(0, n3, 256):
                    out.append(predict(xp[i:i + 256]).numpy())
                return np.concatenate(out)
            rates, cpw = time_predict(all_batches, n3, a.reps + 2)
            em.result("W3", rates, batch=256, cpu_per_wall=cpw)
        if "W3lat" in want:
            print("W3lat: single-sample forward (inference_mode)", file=sys.stderr, flush=True)
            emit_latency(em, time_latency(predict, xp, a.lat_calls), "inference_mode forward")
    if "W4" in want:
        m = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(13 * 13 * 32, 10))
        x4, y4 = synthetic(4, n4, (28, 28, 1), 10)
        x4 = np.ascontiguousarray(x4.transpose(0, 3, 1, 2))  # NCHW
        train("W4", m, adam(m.parameters()), soft_ce, x4, y4, 64)
    if "W5" in want:
        class LSTMNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(32, 64, batch_first=True)
                self.out = nn.Linear(64, 1)

            def forward(self, x):
                h, _ = self.lstm(x)
                return self.out(h[:, -1])
        m = LSTMNet()
        x5, y5 = synthetic(5, n5, (50, 32), 1)
        train("W5", m, adam(m.parameters()), F.binary_cross_entropy_with_logits, x5, y5, 32)
    if "cold" in want:
        em.skipped("cold", "PyTorch does not read Keras .h5 files")


# ------------------------------------------------------------------------------------------------------
# ONNX Runtime (inference)
# ------------------------------------------------------------------------------------------------------

def onnx_mlp(dims, seed: int = 42) -> bytes:
    """The Keras MLP (relu hidden layers, softmax output) as an ONNX graph with a dynamic batch."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    nodes, inits, prev = [], [], "x"
    for i in range(len(dims) - 1):
        lim = np.sqrt(6.0 / (dims[i] + dims[i + 1]))
        w = rng.uniform(-lim, lim, size=(dims[i], dims[i + 1])).astype(np.float32)
        b = np.zeros(dims[i + 1], dtype=np.float32)
        inits += [numpy_helper.from_array(w, f"W{i}"), numpy_helper.from_array(b, f"B{i}")]
        out = f"z{i}"
        nodes.append(helper.make_node("Gemm", [prev, f"W{i}", f"B{i}"], [out]))
        act = "Relu" if i < len(dims) - 2 else "Softmax"
        nodes.append(helper.make_node(act, [out], [f"a{i}"] if act == "Relu" else ["y"], **({"axis": 1} if act == "Softmax" else {})))
        prev = f"a{i}"
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", dims[0]])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", dims[-1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def ort_session(model: bytes | str, threads: int):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model, sess_options=so, providers=["CPUExecutionProvider"])


def ort_run(a, em: Emitter) -> None:
    import numpy as np
    n12, n3, _, _ = scaled(a)
    want = a.only
    for w in ["W1", "W2", "W4", "W5"]:
        if w in want:
            em.skipped(w, "ONNX Runtime is inference only")
    if want & {"W3", "W3lat"}:
        x, _ = synthetic(1, n3, (784,), 10)
        sess = ort_session(onnx_mlp(W2_DIMS), a.threads)
        if "W3" in want:
            print(f"W3: predict {n3} samples at batch 256, {a.reps + 2} reps", file=sys.stderr, flush=True)

            def all_batches():
                return np.concatenate([sess.run(None, {"x": x[i:i + 256]})[0] for i in range(0, n3, 256)])
            rates, cpw = time_predict(all_batches, n3, a.reps + 2)
            em.result("W3", rates, batch=256, cpu_per_wall=cpw)
        if "W3lat" in want:
            print("W3lat: single-sample InferenceSession.run", file=sys.stderr, flush=True)
            emit_latency(em, time_latency(lambda xb: sess.run(None, {"x": xb}), x, a.lat_calls), "InferenceSession.run")
    if "cold" in want:
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "w1.onnx")
            with open(path, "wb") as f:
                f.write(onnx_mlp(W1_DIMS))
            argv = [sys.executable, os.path.abspath(__file__), "cold-child", "onnxruntime", path]
            try:
                secs, rss = time_cold(argv, a.cold_reps)
            except RuntimeError as e:
                em.skipped("cold", str(e)[-300:])
                return
        emit_cold(em, secs, rss, "InferenceSession(W1 .onnx) + run(1 sample)")


def ort_cold_child(path: str) -> None:
    import numpy as np
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(path, sess_options=so, providers=["CPUExecutionProvider"])
    y = sess.run(None, {"x": np.full((1, 784), 0.5, dtype=np.float32)})[0]
    assert y.shape == (1, 10)


# ------------------------------------------------------------------------------------------------------

def scaled(a):
    f = a.scale
    return max(512, int(60000 * f)), max(512, int(10000 * f)), max(256, int(10000 * f)), max(128, int(4096 * f))


def versions(framework: str) -> dict:
    out = {}
    mods = {"keras3-tf": ["keras", "tensorflow"], "keras3-jax": ["keras", "jax", "jaxlib"], "tf-keras": ["tf_keras", "tensorflow"],
            "torch": ["torch"], "onnxruntime": ["onnxruntime", "onnx"], "seqnn-py": ["seqnn"]}[framework]
    for m in mods + ["numpy"]:
        try:
            out[m] = getattr(importlib.import_module(m), "__version__", "?")
        except Exception as e:  # noqa: BLE001
            out[m] = f"unavailable ({type(e).__name__})"
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    r = sub.add_parser("run")
    r.add_argument("framework", choices=FRAMEWORKS)
    r.add_argument("--threads", type=int, default=1)
    r.add_argument("--reps", type=int, default=3)
    r.add_argument("--scale", type=float, default=1.0)
    r.add_argument("--only", default="W1,W2,W3,W3lat,W4,W5,cold")
    r.add_argument("--w1-h5", default=None)
    r.add_argument("--lat-calls", type=int, default=5000)
    r.add_argument("--cold-reps", type=int, default=3)
    r.add_argument("--pin", type=int, default=None, help="run on this one CPU only (sched_setaffinity)")
    c = sub.add_parser("cold-child")
    c.add_argument("framework")
    c.add_argument("path")
    a = p.parse_args()

    if a.cmd == "list":
        for f in FRAMEWORKS:
            miss = missing(f)
            print(f"{f}\t{'ok' if not miss else 'missing: ' + ', '.join(miss)}")
        return 0
    if a.cmd == "cold-child":
        thread_env(a.framework, 1)
        missing(a.framework)
        if a.framework == "onnxruntime":
            ort_cold_child(a.path)
        else:
            keras_cold_child(a.framework, a.path)
        return 0

    a.only = set(a.only.split(","))
    em = Emitter(a.framework, a.threads)
    miss = missing(a.framework)
    if miss:
        for w in sorted(a.only):
            em.skipped(w, f"not importable: {', '.join(miss)}")
        return 0
    if a.pin is not None:
        os.sched_setaffinity(0, {a.pin})  # the only way to hold JAX (and TF's pools) to one core
    thread_env(a.framework, a.threads)
    print(f"peers.py: {a.framework}, {a.threads} thread(s), {a.reps} reps, data scale {a.scale:g}", file=sys.stderr,
          flush=True)
    if a.framework == "torch":
        torch_run(a, em)
    elif a.framework == "onnxruntime":
        ort_run(a, em)
    else:
        keras_run(a.framework, a, em)
    print(json.dumps({"framework": a.framework, "workload": "info", "threads": a.threads,
                      "versions": versions(a.framework)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
