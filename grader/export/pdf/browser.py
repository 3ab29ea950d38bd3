"""Find a Chromium-like browser and a local MathJax, and print HTML to PDF with it, offline.

Headless Chromium prints with ``--print-to-pdf``; ``--virtual-time-budget`` lets the
page's timers run (MathJax typesets asynchronously) before it prints, and every host
name resolves to nothing, so printing never touches the network.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from grader.errors import GraderError

log = logging.getLogger(__name__)

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome", "microsoft-edge", "msedge")
BROWSER_PATHS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
)
MATHJAX_DIRS = ("/usr/share/javascript/mathjax", "/usr/share/mathjax",
                "/usr/local/share/javascript/mathjax", "/opt/homebrew/share/mathjax")
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"
CDN_MATHJAX = ("https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js"
               "?config=" + MATHJAX_CONFIG)
VIRTUAL_TIME_MS = 30000

INSTALL_HINT = (
    "PDF export needs a Chromium-based browser (Chromium, Google Chrome or Microsoft Edge) "
    "and, for offline math, MathJax 2.\n"
    "  Debian/Ubuntu: sudo apt-get install chromium libjs-mathjax fonts-dejavu "
    "(or run scripts/setup_pdf.sh)\n"
    "  macOS:         brew install --cask chromium   (or install Google Chrome)\n"
    "  Windows:       install Google Chrome or use the Microsoft Edge that ships with Windows\n"
    "Or point the GRADER_BROWSER environment variable at the browser's executable."
)


class PdfError(GraderError):
    """The PDF could not be made; the message says what to do."""


def find_browser() -> str:
    """The Chromium-like browser to print with: ``$GRADER_BROWSER``, then the usual names."""
    env = os.environ.get("GRADER_BROWSER")
    if env:
        found = shutil.which(env) or (env if Path(env).is_file() else None)
        if not found:
            raise PdfError(f"GRADER_BROWSER is set to {env!r}, which is not an executable.\n"
                           + INSTALL_HINT)
        return found
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in BROWSER_PATHS:
        if Path(path).is_file():
            return path
    raise PdfError("no Chromium, Chrome or Edge browser was found.\n" + INSTALL_HINT)


def find_mathjax() -> str | None:
    """``file://`` URL of a local MathJax 2 (``$GRADER_MATHJAX`` or libjs-mathjax), or None."""
    candidates = [os.environ["GRADER_MATHJAX"]] if os.environ.get("GRADER_MATHJAX") else []
    candidates += list(MATHJAX_DIRS)
    for folder in candidates:
        script = Path(folder) / "MathJax.js"
        if script.is_file():
            return script.resolve().as_uri() + "?config=" + MATHJAX_CONFIG
    return None


def browser_command(browser: str, html_file: Path, profile: Path, *,
                    pdf_file: Path | None = None, offline: bool = True,
                    budget_ms: int = VIRTUAL_TIME_MS) -> list[str]:
    """Headless Chromium printing ``html_file`` to ``pdf_file`` (or dumping its DOM).

    ``--virtual-time-budget`` runs the page's timers in virtual time, so MathJax's
    asynchronous typesetting finishes before the page is printed, without real waiting.
    """
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run",
        "--no-default-browser-check",
        "--mute-audio",
        "--allow-file-access-from-files",
        f"--user-data-dir={profile}",
        "--run-all-compositor-stages-before-draw",
        f"--virtual-time-budget={budget_ms}",
    ]
    if offline:  # no host name resolves: nothing can be fetched from the network
        cmd.append("--host-resolver-rules=MAP * ~NOTFOUND")
    if pdf_file is not None:
        cmd += ["--no-pdf-header-footer", f"--print-to-pdf={pdf_file}"]
    else:
        cmd.append("--dump-dom")
    cmd.append(html_file.resolve().as_uri())
    return cmd


def _run_browser(cmd: list[str], browser: str, timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise PdfError(f"{Path(browser).name} did not finish within {timeout:.0f} s") from None
    except OSError as exc:
        raise PdfError(f"cannot run {browser}: {exc.strerror}.\n" + INSTALL_HINT) from None


def html_to_pdf(html_text: str, pdf_file: str | Path, *, browser: str | None = None,
                timeout: float = 180, offline: bool = True) -> Path:
    """Print HTML text to ``pdf_file`` with headless Chromium."""
    browser = browser or find_browser()
    pdf_file = Path(pdf_file).resolve()
    pdf_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="grader-pdf-") as tmp:
        tmp = Path(tmp)
        page = tmp / "notebook.html"
        page.write_text(html_text, encoding="utf-8")
        out = tmp / "out.pdf"
        proc = _run_browser(browser_command(browser, page, tmp / "profile", pdf_file=out,
                                            offline=offline), browser, timeout)
        if not out.is_file() or out.stat().st_size == 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
            raise PdfError(f"{Path(browser).name} made no PDF (exit status {proc.returncode}):\n"
                           + "\n".join(err))
        shutil.move(str(out), pdf_file)
    return pdf_file


def mathjax_source() -> tuple[str, bool]:
    """``(MathJax URL, offline)``: the local MathJax, else the CDN's (needs the network)."""
    local = find_mathjax()
    if local:
        return local, True
    log.warning("no local MathJax (Debian/Ubuntu: apt-get install libjs-mathjax; elsewhere set "
                "GRADER_MATHJAX to a MathJax 2 folder); loading it from cdnjs, which needs internet.")
    return CDN_MATHJAX, False
