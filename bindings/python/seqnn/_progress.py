"""Keras's (tf.keras) progress lines for the calls the library runs in one step (evaluate, predict), in
the same format as the library's own fit progress bar. Underscored module: not API."""
from __future__ import annotations

import sys
from typing import Dict, Optional


def format_value(v: float) -> str:
    """``%.4f``, or ``%.4e`` when 0 < |v| <= 1e-3, as Keras prints log values."""
    if v != v:
        return "nan"
    if abs(v) > 1e-3 or v == 0:
        return f"{v:.4f}"
    return f"{v:.4e}"


def format_per_unit(seconds: float, unit: str) -> str:
    if seconds >= 1:
        return f"{round(seconds)}s/{unit}"
    if seconds >= 1e-3:
        return f"{round(seconds * 1e3)}ms/{unit}"
    return f"{round(seconds * 1e6)}us/{unit}"


def format_logs(logs: Optional[Dict[str, float]]) -> str:
    return "".join(f" - {k}: {format_value(v)}" for k, v in (logs or {}).items())


def final_line(steps: int, elapsed: float, logs: Optional[Dict[str, float]], verbose: int) -> str:
    """The line Keras leaves after a finished evaluate/predict: the full bar (verbose 1) or the
    one-line form (verbose 2)."""
    steps = max(steps, 1)
    if verbose == 2:
        return (f"{steps}/{steps} - {round(elapsed)}s{format_logs(logs)} - {format_per_unit(elapsed, 'epoch')} - "
                f"{format_per_unit(elapsed / steps, 'step')}\n")
    return (f"{steps}/{steps} [{'=' * 30}] - {round(elapsed)}s {format_per_unit(elapsed / steps, 'step')}"
            f"{format_logs(logs)}\n")


def emit(text: str) -> None:
    """Writes to the *current* ``sys.stdout`` (so notebooks and pytest's capture see it) and flushes."""
    out = sys.stdout
    if out is not None:
        out.write(text)
        out.flush()
