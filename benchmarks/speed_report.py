"""The Markdown table of ``benchmarks/speed.py``'s results, written between markers in docs/BENCHMARKS.md."""

from __future__ import annotations

from pathlib import Path

BEGIN = "<!-- speed.py table: begin -->"
END = "<!-- speed.py table: end -->"


def _get(results: dict, table: str, system: str, stage: str, key: str) -> float | None:
    value = results["tables"].get(table, {}).get(system, {}).get(stage, {})
    return None if value.get("failed") else value.get(key)


def _fmt(value: float | None, digits: int = 1, thousands: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if thousands else f"{value:.{digits}f}"


def _ratio(better: float | None, worse: float | None, higher_is_better: bool = True) -> str:
    if not better or not worse:
        return "—"
    return f"{(better / worse if higher_is_better else worse / better):.1f}×"


def table_rows(results: dict) -> list[str]:
    rows = [
        "| table | system | preprocessing s | set-up s | training rows/s, equal sizes | s / epoch (defaults) | epochs | fit s (defaults) "
        "| fit peak RSS MB | sample rows/s (1M → Parquet) | sample peak RSS MB | quality | shapes | trends | detection AUC | TSTR AUC |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for table in results["tables"]:
        for system in ("ctgan", "tabgan"):
            if system not in results["tables"][table]:
                continue
            stages = results["tables"][table][system]
            fit = stages.get("fit", {})
            note = " (failed)" if fit.get("failed") else ""
            if "not_run" in stages:
                note = " (not run: see below)"
            elif not fit and any(name.endswith("_unfinished") for name in stages):
                note = " (did not finish: see below)"
            equal_stage = "fit" if system == "ctgan" else "equal"
            g = lambda stage, key, table=table, system=system: _get(results, table, system, stage, key)  # noqa: E731
            rows.append(
                f"| {table} | {system}{note} | {_fmt(g('fit', 'preprocessing_seconds'), 2)} "
                f"| {_fmt(g('fit', 'setup_seconds'), 2) if system == 'tabgan' else 'in training'} "
                f"| {_fmt(g(equal_stage, 'training_rows_per_second'), thousands=True)} "
                f"| {_fmt(g('fit', 'seconds_per_epoch'), 2)} | {_fmt(g('fit', 'epochs'), thousands=True)} "
                f"| {_fmt(g('fit', 'fit_seconds'))} | {_fmt(g('fit', 'peak_rss_mb'), thousands=True)} "
                f"| {_fmt(g('sample', 'rows_per_second'), thousands=True)} | {_fmt(g('sample', 'peak_rss_mb'), thousands=True)} "
                f"| {_fmt(g('evaluate', 'quality'), 3)} | {_fmt(g('evaluate', 'column_shapes'), 3)} "
                f"| {_fmt(g('evaluate', 'column_pair_trends'), 3)} | {_fmt(g('evaluate', 'detection_auc'), 3)} "
                f"| {_fmt(g('evaluate', 'tstr_roc_auc'), 3)} |"
            )
    rows += ["", "Ratios, tabgan against ctgan (higher is better for tabgan):", "",
             "| table | preprocessing | training throughput, equal sizes | fit time, defaults | sampling rows/s | fit peak RSS | sample peak RSS |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for table in results["tables"]:
        t = lambda system, stage, key, table=table: _get(results, table, system, stage, key)  # noqa: E731
        rows.append(
            f"| {table} | {_ratio(t('tabgan', 'fit', 'preprocessing_seconds'), t('ctgan', 'fit', 'preprocessing_seconds'), False)} "
            f"| {_ratio(t('tabgan', 'equal', 'training_rows_per_second'), t('ctgan', 'fit', 'training_rows_per_second'))} "
            f"| {_ratio(t('tabgan', 'fit', 'fit_seconds'), t('ctgan', 'fit', 'fit_seconds'), False)}{_short_mark(t('ctgan', 'fit', 'epochs'))} "
            f"| {_ratio(t('tabgan', 'sample', 'rows_per_second'), t('ctgan', 'sample', 'rows_per_second'))} "
            f"| {_ratio(t('tabgan', 'fit', 'peak_rss_mb'), t('ctgan', 'fit', 'peak_rss_mb'), False)} "
            f"| {_ratio(t('tabgan', 'sample', 'peak_rss_mb'), t('ctgan', 'sample', 'peak_rss_mb'), False)} |"
        )
    return rows


CTGAN_DEFAULT_EPOCHS = 300


def _short_mark(ctgan_epochs: int | None) -> str:
    """A mark on the fit-time ratio where ctgan ran fewer epochs than its default."""
    return " *" if ctgan_epochs and ctgan_epochs != CTGAN_DEFAULT_EPOCHS else ""


def _command_line(command: dict) -> str:
    """One command of the run, with what became of it when it did not finish."""
    line = f"`{command['command']}` ({command['started_at']}, {command['matmul_peak_gflops']} GFLOP/s"
    return line + (f"; {command['outcome']})" if command.get("outcome") else ")")


def _peak_range(results: dict) -> str:
    """The matmul peaks the commands measured, as one figure or a range."""
    peaks = [c["matmul_peak_gflops"] for c in results.get("commands", [])] or [results.get("machine", {}).get("matmul_peak_gflops")]
    low, high = min(peaks), max(peaks)
    return f"{low}" if low == high else f"{low}–{high}"


def write_markdown(results: dict, docs: Path) -> None:
    machine = results.get("machine", {})
    header = [
        f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('memory_mb')} MB; "
        f"Python {machine.get('python')}, torch {machine.get('torch')} ({machine.get('torch_threads')} threads), "
        f"ctgan {machine.get('ctgan')}; measured fp32 matmul peak **{_peak_range(results)} GFLOP/s**. "
        "Commands, in the order they ran (each re-measured the matmul peak): "
        + "; ".join(_command_line(c) for c in results.get("commands", []))
        + ".",
        "",
    ]
    footnote = ["", f"\\* ctgan ran fewer than its default {CTGAN_DEFAULT_EPOCHS} epochs (`--ctgan-epochs`, see the epochs "
                "column): its fit at defaults would take about 300 / epochs times as long."]
    rows = table_rows(results)
    block = "\n".join([BEGIN, *header, *rows, *(footnote if any(" *" in row for row in rows) else []), END])
    text = docs.read_text()
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text += "\n" + block + "\n"
    docs.write_text(text)
