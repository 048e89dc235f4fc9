"""Print an HTML page to PDF with headless Chromium (the one ``scripts/install-chromium`` installs).

Why Chromium and not WeasyPrint: see docs/analysis.md ("Printing"). Chromium is found as
``$TIAOKUAI_CHROMIUM``, ``/usr/bin/chromium``, or ``chromium``/``chromium-browser`` on the PATH.
It runs with networking off (every host unresolvable): the page is self-contained.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import TiaokuaiError

__all__ = ["find_chromium", "html_to_pdf", "PDFError"]

TIMEOUT_S = 180


class PDFError(TiaokuaiError):
    """Chromium is missing or could not print the page."""


def find_chromium() -> str | None:
    for candidate in (
        os.environ.get("TIAOKUAI_CHROMIUM"),
        "/usr/bin/chromium",
        "chromium",
        "chromium-browser",
    ):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


def html_to_pdf(page: Path, out: Path) -> Path:
    """Print ``page`` (a local HTML file) to ``out`` as A4 PDF, page size and margins from its CSS."""
    chromium = find_chromium()
    if chromium is None:
        raise PDFError(
            "--pdf needs Chromium: run scripts/install-chromium (Debian: apt-get install chromium), "
            "or set TIAOKUAI_CHROMIUM to its path"
        )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tiaokuai-pdf-") as tmp:
        target = Path(tmp) / "out.pdf"
        cmd = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
            "--generate-pdf-document-outline", f"--print-to-pdf={target}", Path(page).resolve().as_uri(),
        ]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PDFError(f"Chromium did not print {page} within {TIMEOUT_S} s") from exc
        if not target.is_file() or target.stat().st_size == 0:
            tail = "\n".join(proc.stderr.splitlines()[-5:])
            raise PDFError(f"Chromium could not print {page} (exit {proc.returncode}): {tail}")
        shutil.move(str(target), out)
    return out
