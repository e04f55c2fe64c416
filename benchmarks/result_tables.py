"""The Markdown tables the benchmark scripts print from their JSON results."""

from __future__ import annotations


def number(value: float | None, digits: int = 3) -> str:
    """A score with ``digits`` decimals, or n/a when it was not measured."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table: one header line, the separator, one line per row."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
