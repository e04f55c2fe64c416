"""The result of an evaluation: numbers at stable keys, verdicts, warnings, and renderers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tabgan.errors import DataError
from tabgan.io import write_text_atomic


@dataclass
class EvaluationReport:
    """Everything :func:`tabgan.evaluation.evaluate` measured.

    ``to_dict()`` holds the numbers (see the keys below); ``figures`` holds the chart data for
    the HTML report and is not part of the dict.

    Keys of ``to_dict()``: ``fidelity`` (``quality``, ``diagnostic``, ``detection``,
    ``associations``), ``utility`` (None without a target and a holdout), ``privacy``,
    ``warnings``, ``verdicts``, ``subsample``, ``info``.
    """

    fidelity: dict[str, Any]
    utility: dict[str, Any] | None
    privacy: dict[str, Any]
    warnings: list[dict[str, str]]
    verdicts: list[dict[str, str]]
    subsample: dict[str, Any]
    info: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return {
            "fidelity": self.fidelity,
            "utility": self.utility,
            "privacy": self.privacy,
            "warnings": self.warnings,
            "verdicts": self.verdicts,
            "subsample": self.subsample,
            "info": self.info,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def to_html(self) -> str:
        """The report as one self-contained HTML page (charts inline)."""
        from tabgan.evaluation.html import render_html

        return render_html(self)

    def save(self, path: str | Path) -> Path:
        """Write the report, as JSON or HTML by the file suffix, atomically."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".json":
            text = self.to_json()
        elif suffix in (".html", ".htm"):
            text = self.to_html()
        else:
            raise DataError(f"{str(path)!r}: a report file must end in .json or .html")
        return write_text_atomic(text, path)

    @property
    def has_high_warnings(self) -> bool:
        return any(w["severity"] == "high" for w in self.warnings)

    def headline(self) -> str:
        """One line: quality, detection AUC, exact-copy rate, DCR share, membership attack, TSTR score."""
        parts = []
        quality = self.fidelity["quality"]["score"]
        parts.append(f"quality {quality:.3f}" if quality is not None else "quality n/a")
        auc = self.fidelity["detection"].get("roc_auc")
        parts.append(f"detection AUC {auc:.3f}" if auc is not None else "detection AUC n/a")
        parts.append(f"exact copies {100 * self.privacy['exact_copy_rate']:.2f}%")
        share = self.privacy.get("dcr_share")
        parts.append(f"DCR share {share:.3f}" if share is not None else "DCR share n/a (no holdout)")
        membership = self._membership_text()
        if membership:
            parts.append(membership)
        dp = (self.privacy.get("protection") or {}).get("differential_privacy")
        if dp:
            parts.append(f"DP epsilon {dp['epsilon']:.3g} (delta {dp['delta']:.2g})")
        if self.utility and not self.utility.get("skipped"):
            key, name = ("roc_auc", "AUC") if self.utility["task"] == "classification" else ("r2", "R²")
            synth = (self.utility.get("synthetic") or {}).get(key)
            real = (self.utility.get("real") or {}).get(key)
            if synth is not None:
                text = f"TSTR {name} {synth:.3f}"
                if real is not None:
                    text += f" (real {real:.3f})"
                parts.append(text)
        line = " | ".join(parts)
        high = [w for w in self.warnings if w["severity"] == "high"]
        if high:
            line += " | WARNING: " + high[0]["message"]
        return line

    def _membership_text(self) -> str:
        """The strongest membership attack's AUC and its holdout baseline; "" without a holdout."""
        attack = self.privacy.get("membership_inference")
        if attack is None:
            skipped = (self.privacy.get("rows") or {}).get("holdout") is not None
            return "membership attack n/a (too few rows)" if skipped else ""
        baseline = attack["attacks"][attack["strongest"]]["baseline_auc"]
        return f"membership attack AUC {attack['max_auc']:.2f} (holdout baseline {baseline:.2f})"
