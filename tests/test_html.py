"""The HTML report: self-contained, its key sections present, and rendered by a real
headless Chromium into a screenshot that is not blank."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from riskgraph.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SECTIONS = ("summary", "routes", "findings", "catalog")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    assert main(["findings", "-q", "--demo", "--format", "html", "-o", str(path)]) == 0
    return path


def test_report_is_self_contained_with_every_section(report: Path) -> None:
    text = report.read_text()
    for section in SECTIONS:
        assert f'<section id="{section}">' in text
    assert not re.search(r"<script|<link|@import|url\(|src=\"http", text)
    assert text.count("<svg") >= 1, "route groups carry their diagrams inline"
    assert "escape.sys-admin" in text and "k8s:Deployment:web/storefront" in text
    assert "Top fixes" in text and "change" in text


def _distinct_pixels(png: bytes) -> int:
    """How many distinct scanlines a PNG holds (1 means a blank page)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    offset, data, width = 8, b"", 0
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        chunk = png[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width = struct.unpack(">I", chunk[:4])[0]
        elif kind == b"IDAT":
            data += chunk
        offset += 12 + length
    raw = zlib.decompress(data)
    stride = 1 + width * 4 if len(raw) % (1 + width * 4) == 0 else 1 + width * 3
    return len({raw[i + 1:i + stride] for i in range(0, len(raw), stride)})


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get "
                    "install -y chromium; `make test` installs it when run as root)")
def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*flags, "--dump-dom", report.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    for section in SECTIONS:
        assert f'id="{section}"' in dom
    assert "riskgraph report" in dom
    shot = tmp_path / "shot.png"
    subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1200,1600",
                    report.as_uri()], capture_output=True, timeout=120, check=True)
    assert _distinct_pixels(shot.read_bytes()) > 50, "the screenshot is blank"
