#!/usr/bin/env bash
# Install what `grader pdf` / `grader feedback --pdf` need, offline-capable:
#   chromium        headless browser that prints the HTML to PDF
#   libjs-mathjax   MathJax 2 served from file:///usr/share/javascript/mathjax (math offline)
#   fonts-dejavu    Latin/Greek/Cyrillic text and code; fonts-wqy-zenhei: CJK text
#   poppler-utils   pdftotext/pdftoppm, used by the tests to read and render PDFs
# Idempotent: installs only what is missing; safe to run again.
# Debian/Ubuntu only; on macOS: `brew install --cask chromium` (or install Google Chrome);
# on Windows: Chrome or Edge (math then loads MathJax from GRADER_MATHJAX, if set).
# Prints one line per step; apt's output goes to $SETUP_LOG (build/setup.log), shown only on failure.
set -euo pipefail
# shellcheck source=scripts/setup_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup_lib.sh"

PACKAGES=(chromium libjs-mathjax fonts-mathjax fonts-dejavu fonts-wqy-zenhei poppler-utils)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup_pdf: not a Debian/Ubuntu system; install a Chromium-based browser yourself" >&2
    echo "  macOS: brew install --cask chromium   (or Google Chrome)" >&2
    echo "  Windows: Google Chrome or Microsoft Edge" >&2
    echo "  then, if it is not found automatically: export GRADER_BROWSER=/path/to/browser" >&2
    exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup_pdf: everything PDF export needs is installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "setup_pdf: need root to install: ${missing[*]}" >&2; exit 1
    fi
fi

# refresh the package lists only when they are missing or older than a day
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n1)" ]; then
    step setup_pdf "updating the package lists" $SUDO apt-get update
fi
step setup_pdf "installing ${missing[*]} (a few minutes the first time)" \
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    echo "setup_pdf: chromium is installed but not on PATH; set GRADER_BROWSER" >&2
    exit 1
fi
echo "setup_pdf: done"
