"""The HTML report in a real browser: headless Chromium loads it without console messages, and
its screenshot is not blank. Skipped where Chromium is not installed (CI installs Debian's)."""

from __future__ import annotations

import base64
import io
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium (/usr/bin/chromium) is not installed")


def _render(page: Path, tmp_path: Path) -> tuple[list[str], np.ndarray]:
    """Open ``page`` in headless Chromium; return its console/error log lines and the screenshot."""
    shot = tmp_path / f"{page.stem}.png"
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
        f"--screenshot={shot}", "--window-size=1200,2000", page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert shot.is_file(), f"Chromium wrote no screenshot (exit {done.returncode}):\n{done.stderr[-2000:]}"
    # any page console output (console.log/error, uncaught exceptions, refused loads) is a problem:
    # the report has no scripts, so a clean page logs nothing
    problems = [line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB"))
    return problems, pixels


def _looks_blank(pixels: np.ndarray) -> bool:
    colours = len(np.unique(pixels.reshape(-1, 3), axis=0))
    inked = float((pixels.min(axis=2) < 235).mean())
    return colours < 300 or inked < 0.05


def test_the_checks_catch_a_broken_page(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><body><p>almost nothing</p>'
                    '<script>console.error("bad"); throw new Error("boom");</script></body></html>')
    problems, pixels = _render(page, tmp_path)
    assert any("Uncaught Error: boom" in line for line in problems)
    assert _looks_blank(pixels)


def test_report_renders_cleanly_in_chromium(half_report, tmp_path):
    page = half_report.save(tmp_path / "report.html")
    html = page.read_text(encoding="utf-8")
    # every inline chart is a valid PNG of a sensible size
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) >= 17
    for encoded in images:
        with Image.open(io.BytesIO(base64.b64decode(encoded))) as image:
            assert image.format == "PNG" and image.width >= 200 and image.height >= 150
    problems, pixels = _render(page, tmp_path)
    assert problems == []
    assert pixels.shape[1] >= 1200 and pixels.shape[0] >= 2000
    assert not _looks_blank(pixels)
