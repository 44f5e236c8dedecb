"""Pictures for the HTML report, as inline SVG text. Pure: data in, SVG out.

matplotlib is optional (extra ``plots``) and imported only inside these
functions. They draw on ``matplotlib.figure.Figure`` with an Agg canvas, never
through pyplot, so the caller's pyplot backend and global state are untouched.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from gradcheck_lab.report.common import fmt_num
from gradcheck_lab.report.stepscan import ElementErrors, StepScan

INSTALL_HINT = "pip install 'gradcheck-lab[plots]'"
_RC = {"svg.fonttype": "none", "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
       "legend.fontsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8,
       "font.family": "DejaVu Sans"}
BLUE, ORANGE, RED, GREEN, GREY = "#1f5fa8", "#f28e2b", "#c62828", "#2e7d32", "#9e9e9e"


def unavailable() -> str | None:
    """Why pictures cannot be drawn (matplotlib missing), or None."""
    try:
        import matplotlib  # noqa: F401  (only when pictures are wanted)
    except ImportError:
        return f"matplotlib is not installed ({INSTALL_HINT})"
    return None


def step_error_svg(scan: StepScan) -> str:
    """Log-log error of central differences against the step, with Ridders' steps and result."""
    from matplotlib.figure import Figure

    with _style():
        fig = Figure(figsize=(6.0, 4.0), layout="constrained")
        ax = fig.add_subplot()
        errors = np.asarray(scan.errors, dtype=np.float64)
        positive = errors[np.isfinite(errors) & (errors > 0)]
        top = float(positive.max()) if positive.size else 1.0
        floor = float(positive.min()) / 10 if positive.size else 1e-18
        floor = min(floor, scan.ridders_error or floor, scan.ridders_estimate or floor)
        # exact zeros cannot sit on a log axis: break the line there, mark them at the bottom
        ax.loglog(scan.steps, np.where(errors > 0, errors, np.nan), color=BLUE, lw=1.2,
                  marker=".", ms=3.5, label="|D(h) − reference|, central difference")
        zeros = errors == 0
        if np.any(zeros):
            ax.plot(scan.steps[zeros], np.full(int(zeros.sum()), floor), ls="none", marker="v",
                    ms=4, color=GREY, label="exactly 0 (drawn at the bottom)")
        if scan.ridders_steps is not None:
            low, high = scan.ridders_steps
            ax.axvspan(low, high, color=ORANGE, alpha=0.18, lw=0,
                       label=f"steps Ridders evaluated ({fmt_num(low, 2)} to {fmt_num(high, 2)})")
        ax.axhline(max(scan.ridders_error, floor), color=RED, ls="--", lw=1.2,
                   label=f"Ridders result: error {fmt_num(scan.ridders_error, 2)}")
        if np.isfinite(scan.ridders_estimate):
            ax.axhline(max(scan.ridders_estimate, floor), color=GREEN, ls=":", lw=1.4,
                       label=f"Ridders error estimate {fmt_num(scan.ridders_estimate, 2)}")
        ax.set_ylim(floor / 3, max(top, scan.ridders_estimate, floor) * 3)
        ax.set_xlabel("step h")
        ax.set_ylabel(f"error vs {scan.reference} (max over outputs)")
        ax.set_title(f"finite differences for ∂/∂{scan.label} at point {scan.point}")
        ax.grid(True, which="major", color="#dddddd", lw=0.6)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, frameon=False)
        return _svg(fig)


def element_error_svg(items: Sequence[ElementErrors]) -> str:
    """|got - reference| per element for one method: a heatmap (2-D) or bars (0-D/1-D) per input."""
    from matplotlib.figure import Figure

    panels = list(items)[:4]
    with _style():
        fig = Figure(figsize=(6.0 if len(panels) == 1 else 3.3 * len(panels), 4.0),
                     layout="constrained")
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, item in zip(axes, panels, strict=True):
            got, ref = np.asarray(item.got), np.asarray(item.reference)
            error = np.abs(got - ref)
            bound = None if item.bound is None else np.broadcast_to(item.bound, error.shape)
            if error.ndim >= 2:
                _heatmap(fig, ax, error.reshape(error.shape[0], -1),
                         None if bound is None else bound.reshape(error.shape[0], -1))
            else:
                _bars(ax, item.input, got.ravel(), ref.ravel(),
                      None if bound is None else bound.ravel())
            ax.set_title("f (value)" if item.kind == "value" else f"d/d{item.input}",
                         fontsize=9, loc="left")
        first = panels[0]
        fig.suptitle(f"{first.method} at point {first.point}: |got − reference| per element",
                     fontsize=10)
        return _svg(fig)


def _bars(ax: Any, name: str, got: np.ndarray, ref: np.ndarray, bound: np.ndarray | None
          ) -> None:
    error = np.abs(got - ref)
    finite = error[np.isfinite(error) & (error > 0)]
    # exact zeros are drawn at a floor below every error *and* the tolerance (a floor from
    # the errors alone drew the correct elements beside one wrong one as large as 1/10 of it)
    scale = np.concatenate([finite, bound[bound > 0] if bound is not None else []])
    floor = float(scale.min()) / 10 if scale.size else 1e-18
    top = float(finite.max()) * 10 if finite.size else 1.0
    heights = np.where(np.isnan(error), top, np.maximum(error, floor))
    outside = ~(error <= bound) if bound is not None else np.zeros(error.shape, bool)
    x = np.arange(error.size)
    ax.bar(x, heights, color=np.where(outside, RED, GREY), width=0.7 if error.size > 3 else 0.5)
    if bound is not None:
        ax.step(np.r_[x - 0.5, x[-1] + 0.5], np.r_[bound, bound[-1]], where="post", color="k",
                ls="--", lw=1, label="tolerance")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, borderaxespad=0.2)
    for j in np.flatnonzero(np.isnan(error)):
        ax.text(x[j], top, "NaN", ha="center", va="bottom", color=RED, fontsize=8)
    if error.size <= 40:
        for j in np.flatnonzero(error == 0):
            ax.text(x[j], floor, "0", ha="center", va="bottom", color="k", fontsize=7)
    ax.set_yscale("log")
    lowest = min(floor, float(np.min(bound)) if bound is not None and bound.size else floor)
    ax.set_ylim(max(lowest / 3, 1e-300), top * 3)
    if error.size <= 3:
        ax.set_xlim(-1.5, error.size + 0.5 if error.size > 1 else 1.5)
        for i in range(error.size):
            ax.text(x[i], heights[i] * 1.5, f"ref {fmt_num(ref[i], 6)}\ngot {fmt_num(got[i], 6)}",
                    ha="center", va="bottom", fontsize=8)
    if error.size == 1:
        ax.set_xticks([0], [name])
    else:
        ax.set_xlabel(f"element of {name} (flattened)")
        if error.size <= 12:
            ax.set_xticks(x)
    ax.set_ylabel("|got − reference|")


def _heatmap(fig: Any, ax: Any, error: np.ndarray, bound: np.ndarray | None) -> None:
    import matplotlib

    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#ff00ff")
    image = ax.imshow(np.ma.masked_invalid(error), cmap=cmap, aspect="auto",
                      interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="|got − reference|")
    rows, cols = error.shape
    if bound is not None and rows * cols <= 225:
        norm = image.norm
        for i, j in zip(*np.nonzero(~(error <= bound)), strict=True):
            light = np.isfinite(error[i, j]) and norm(error[i, j]) > 0.6  # viridis turns yellow
            ax.text(j, i, "×", ha="center", va="center", color="black" if light else "white",
                    fontsize=12, fontweight="bold")
    ax.set_xlabel("column (× = outside tolerance)")
    ax.set_ylabel("row")
    if rows <= 12:
        ax.set_yticks(range(rows))
    if cols <= 12:
        ax.set_xticks(range(cols))


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    settings: Any = _RC  # matplotlib types rc keys as a Literal of every known key
    with matplotlib.rc_context(settings):
        yield


def _svg(fig: Any) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    return re.sub(r"<!DOCTYPE[^>]*>\s*", "", text).strip()
