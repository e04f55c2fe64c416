"""Chart data (computed from the tables at evaluation time) and PNG drawing for the HTML report.

Drawing uses matplotlib's object API (``Figure`` + Agg canvas), never ``pyplot``, so it
changes no global matplotlib state. Every chart comes back as a base64 PNG string.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd

from tabgan.evaluation.features import as_float
from tabgan.schema import DISCRETE_KINDS, TableSchema

HIST_BINS = 30
TOP_LABELS = 12
REAL_COLOR = "#1f5f99"
SYNTH_COLOR = "#e07b00"
HOLDOUT_COLOR = "#3a923a"


def column_distributions(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> list[dict[str, Any]]:
    """Per column: shares of real and synthetic rows per bin (numbers) or per label (categories).

    Label shares are of all rows (so nulls are the remainder); bin shares are of the non-null rows.

    Numbers use ``HIST_BINS`` equal-width bins over the real 0.5–99.5 percentile range (values
    beyond it fall in the end bins); labels are the ``TOP_LABELS`` most frequent real labels plus
    "(other)" and "(null)". The null share of each table is also given separately.
    """
    out = []
    for col in schema.columns:
        if col.kind == "id":
            continue
        r, s = real[col.name], synthetic[col.name]
        entry: dict[str, Any] = {
            "name": col.name, "kind": col.kind,
            "null_real": float(r.isna().mean()), "null_synthetic": float(s.isna().mean()),
        }
        if col.kind in DISCRETE_KINDS:
            r_counts = r.value_counts() / max(len(r), 1)
            s_counts = s.value_counts() / max(len(s), 1)
            labels = [str(x) for x in r_counts.index[:TOP_LABELS]]
            real_share = [float(r_counts.get(x, 0.0)) for x in labels]
            synth_share = [float(s_counts.get(x, 0.0)) for x in labels]
            rest_r = max(1.0 - entry["null_real"] - sum(real_share), 0.0)
            rest_s = max(1.0 - entry["null_synthetic"] - sum(synth_share), 0.0)
            if rest_r > 1e-9 or rest_s > 1e-9:
                labels.append("(other)")
                real_share.append(rest_r)
                synth_share.append(rest_s)
            if entry["null_real"] > 0 or entry["null_synthetic"] > 0:
                labels.append("(null)")
                real_share.append(entry["null_real"])
                synth_share.append(entry["null_synthetic"])
            entry.update(labels=labels, real=real_share, synthetic=synth_share)
        else:
            rv, sv = as_float(r), as_float(s)
            rv, sv = rv[np.isfinite(rv)], sv[np.isfinite(sv)]
            if rv.size == 0:
                entry.update(edges=[], real=[], synthetic=[])
                out.append(entry)
                continue
            lo, hi = np.quantile(rv, [0.005, 0.995])
            if hi <= lo:
                lo, hi = float(rv.min()), float(rv.max())
            if hi <= lo:
                lo, hi = lo - 0.5, hi + 0.5
            edges = np.linspace(lo, hi, HIST_BINS + 1)
            r_hist = np.bincount(np.clip(np.searchsorted(edges, rv, side="right") - 1, 0, HIST_BINS - 1), minlength=HIST_BINS)
            s_hist = np.bincount(np.clip(np.searchsorted(edges, sv, side="right") - 1, 0, HIST_BINS - 1), minlength=HIST_BINS)
            entry.update(
                edges=edges.tolist(),
                real=(r_hist / max(rv.size, 1)).tolist(),
                synthetic=(s_hist / max(sv.size, 1)).tolist(),
                datetime=col.kind == "datetime",
            )
        out.append(entry)
    return out


# ---------------------------------------------------------------------------------------------
# drawing


def _png(fig: Any) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float, layout: str | None = "constrained") -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout=layout)


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def distribution_png(entry: dict[str, Any], score: float | None) -> str:
    """Real-vs-synthetic distribution of one column."""
    # fixed margins: the constrained layout engine took half of the drawing time
    fig = _figure(4.6, 2.9, layout=None)
    left = 0.3 if "labels" in entry else 0.15
    fig.subplots_adjust(left=left, right=0.97, bottom=0.15, top=0.9)
    ax = fig.add_subplot()
    title = entry["name"] if score is None else f"{entry['name']}  (score {score:.2f})"
    ax.set_title(_short(title, 48), fontsize=10)
    if "labels" in entry:
        y = np.arange(len(entry["labels"]))
        ax.barh(y - 0.2, entry["real"], height=0.4, color=REAL_COLOR, label="real")
        ax.barh(y + 0.2, entry["synthetic"], height=0.4, color=SYNTH_COLOR, label="synthetic")
        ax.set_yticks(y, [_short(x) for x in entry["labels"]], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("share of rows", fontsize=8)
    elif entry["edges"]:
        edges = np.asarray(entry["edges"])
        centers = (edges[:-1] + edges[1:]) / 2
        width = edges[1] - edges[0]
        ax.bar(centers, entry["real"], width=width, color=REAL_COLOR, alpha=0.55, label="real")
        ax.step(centers, entry["synthetic"], where="mid", color=SYNTH_COLOR, linewidth=1.8, label="synthetic")
        ax.set_ylabel("share of rows", fontsize=8)
        if entry.get("datetime"):
            ticks = np.linspace(edges[0], edges[-1], 4)
            ax.set_xticks(ticks, [pd.Timestamp(int(t)).strftime("%Y-%m-%d") for t in ticks])
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    return _png(fig)


def association_png(columns: list[str], real: np.ndarray, synthetic: np.ndarray) -> str:
    """Heat maps of the association matrices of both tables, side by side."""
    k = len(columns)
    size = min(max(3.0, 0.32 * k + 1.5), 9.0)
    fig = _figure(2 * size + 0.8, size)
    axes = fig.subplots(1, 2)
    image = None
    labels = [_short(c, 16) for c in columns]
    fontsize = 8 if k <= 20 else 6 if k <= 40 else 4
    for ax, matrix, title in ((axes[0], real, "real"), (axes[1], synthetic, "synthetic")):
        image = ax.imshow(matrix, vmin=0, vmax=1, cmap="viridis")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(k), labels, rotation=90, fontsize=fontsize)
        ax.set_yticks(range(k), labels, fontsize=fontsize)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="Cramér's V")
    return _png(fig)


def distance_png(distances: dict[str, np.ndarray]) -> str:
    """Histograms of the distance to the closest training row: synthetic rows and holdout rows."""
    fig = _figure(6.5, 3.0, layout=None)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.16, top=0.96)
    ax = fig.add_subplot()
    values = [v for v in distances.values() if v.size]
    top = max(float(np.quantile(v, 0.995)) for v in values) if values else 1.0
    bins = np.linspace(0, max(top, 1e-6), 40)
    colors = {"synthetic": SYNTH_COLOR, "holdout": HOLDOUT_COLOR}
    for name, v in distances.items():
        if v.size:
            weights = np.full(v.size, 1.0 / v.size)
            ax.hist(np.clip(v, 0, bins[-1]), bins=bins, weights=weights, histtype="stepfilled" if name == "holdout" else "step",
                    alpha=0.45 if name == "holdout" else 1.0, linewidth=1.8, color=colors.get(name, REAL_COLOR),
                    label=f"{name} rows")
    ax.set_xlabel("distance to the closest training row", fontsize=8)
    ax.set_ylabel("share of rows", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)
