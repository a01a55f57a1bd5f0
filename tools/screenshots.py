"""Screenshots of a board's published report, to look at it as a reader would.

    python tools/screenshots.py OUTDIR [BOARD]

For BOARD (the Croydon example by default) it writes into OUTDIR:

- ``report.html`` and its screenshots in headless Chromium: ``html-1280.png`` and
  ``html-360.png`` (the first screen at 1280 and 360 pixels wide, Chromium's ``--screenshot``)
  and ``html-1280-full.png`` and ``html-360-full.png`` (the whole page, through Playwright
  driving the same Chromium where it is installed);
- ``report.docx``, converted by LibreOffice to ``docx/report.pdf``, and its first three pages as
  ``docx-1.png`` ... (pdftoppm, 70 dpi);
- ``report.pdf`` (the pdf format, from the lif-pdf plugin) and its first three pages as
  ``pdf-1.png`` ...

It needs ``lif`` beside this Python, and ``chromium``, ``soffice`` (LibreOffice) and
``pdftoppm`` (poppler-utils) on the PATH; a step whose tool is missing is skipped with a
message saying what to install, and the others still run. Nothing here is run by the tests, and
its output is never committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CROYDON = ROOT / "examples" / "croydon"
LIF = Path(sys.executable).with_name("lif")
#: Pages of the Word and PDF files shown, and at what resolution.
PAGES = 3
DPI = 70
#: A whole-page screenshot's height without Playwright: Chromium's --screenshot takes the window,
#: so the window is made this tall (a longer page is cut; the white below a shorter one is cropped).
FULL_HEIGHT = 16000

INSTALL = {
    "chromium": "apt-get install chromium",
    "soffice": "apt-get install libreoffice-writer",
    "pdftoppm": "apt-get install poppler-utils",
}


def tool(name: str, *alternatives: str) -> str | None:
    """The path of ``name`` (or the first of ``alternatives`` found), or ``None`` with a message."""
    for candidate in (name, *alternatives):
        found = shutil.which(candidate)
        if found:
            return found
    print(f"skipped: {name} is missing ({INSTALL.get(name, 'install it')})", file=sys.stderr)
    return None


def run(args: list[str], **kwargs: object) -> bool:
    """Run ``args``; on failure say so (with the end of its error output) and return False."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        print(f"failed ({done.returncode}): {' '.join(args)}\n{tail}", file=sys.stderr)
        return False
    return True


def wrote(path: Path) -> None:
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")


def report(board: Path, fmt: str, out: Path) -> bool:
    """``lif report impact BOARD -f FMT -o OUT``."""
    lif = str(LIF) if LIF.exists() else shutil.which("lif")
    if lif is None:
        print("lif is not installed beside this Python: pip install -e .", file=sys.stderr)
        return False
    ok = run([lif, "report", "impact", str(board), "-f", fmt, "-o", str(out)])
    if ok:
        wrote(out)
    return ok


def screenshots(html: Path, outdir: Path) -> None:
    chromium = tool("chromium", "chromium-browser", "google-chrome")
    if chromium is None:
        return
    with tempfile.TemporaryDirectory(prefix="lif-shots-") as profile:
        for width, height in ((1280, 900), (360, 780)):
            first = outdir / f"html-{width}.png"
            if cli_screenshot(chromium, profile, html, first, width, height):
                wrote(first)
            full = outdir / f"html-{width}-full.png"
            if full_page(chromium, html, full, width, height) or (
                cli_screenshot(chromium, profile, html, full, width, FULL_HEIGHT) and crop(full)
            ):
                wrote(full)


def cli_screenshot(chromium: str, profile: str, html: Path, target: Path, width: int, height: int) -> bool:
    """Chromium's own ``--screenshot``: the window, ``width`` by ``height`` pixels."""
    args = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        f"--screenshot={target}",
        html.as_uri(),
    ]
    return run(args) and target.exists()


def full_page(chromium: str, html: Path, target: Path, width: int, height: int) -> bool:
    """The whole page, however long, through Playwright driving the same Chromium (the test
    extras install Playwright); False where Playwright is missing or fails."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        print(
            f"note: without Playwright (pip install playwright) a whole-page screenshot is cut at {FULL_HEIGHT} pixels",
            file=sys.stderr,
        )
        return False
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(html.as_uri())
                page.screenshot(path=str(target), full_page=True)
            finally:
                browser.close()
    except Error as exc:
        print(f"failed: a whole-page screenshot with Playwright: {exc}", file=sys.stderr)
        return False
    return target.exists()


def crop(png: Path) -> bool:
    """Cut a tall-window screenshot below the page's last non-white row (needs Pillow; else kept)."""
    try:
        from PIL import Image, ImageChops
    except ImportError:
        return True
    with Image.open(png) as image:
        rgb = image.convert("RGB")
        box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, "white")).getbbox()
        if box:
            rgb.crop((0, 0, rgb.width, min(rgb.height, box[3] + 24))).save(png)
    return True


def pages(pdf: Path, outdir: Path, prefix: str) -> None:
    pdftoppm = tool("pdftoppm")
    if pdftoppm is None:
        return
    if run([pdftoppm, "-png", "-r", str(DPI), "-f", "1", "-l", str(PAGES), str(pdf), str(outdir / prefix)]):
        # pdftoppm numbers pages with as many digits as the document needs (docx-01.png): as given.
        for png in sorted(outdir.glob(f"{prefix}-*.png")):
            wrote(png)


def docx_to_pdf(docx: Path, outdir: Path) -> Path | None:
    soffice = tool("soffice", "libreoffice")
    if soffice is None:
        return None
    target = outdir / "docx"
    target.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lif-soffice-") as profile:
        args = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(target),
            str(docx),
        ]
        if not run(args):
            return None
    pdf = target / (docx.stem + ".pdf")
    if not pdf.exists():
        print(f"failed: LibreOffice wrote no {pdf}", file=sys.stderr)
        return None
    wrote(pdf)
    return pdf


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    outdir = Path(argv[0])
    board = Path(argv[1]) if len(argv) > 1 else CROYDON
    if not (board / "board.toml").is_file():
        print(f"{board} is not a board folder (no board.toml)", file=sys.stderr)
        return 2
    outdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LIF_PSEUDONYM_KEY", "screenshots-key-not-for-real-data-0123456789")

    html = outdir / "report.html"
    if report(board, "html", html):
        screenshots(html.resolve(), outdir)
    docx = outdir / "report.docx"
    if report(board, "docx", docx):
        converted = docx_to_pdf(docx.resolve(), outdir)
        if converted is not None:
            pages(converted, outdir, "docx")
    pdf = outdir / "report.pdf"
    if report(board, "pdf", pdf):
        pages(pdf, outdir, "pdf")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
