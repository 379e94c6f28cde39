"""A pdf.js viewer in headless Chromium, to run a form's scripts the way Firefox does.

``tests/pdfjs/viewer.html`` shows a PDF with pdf.js's own viewer components
(PDFViewer, EventBus, PDFLinkService, PDFScriptingManager with the QuickJS
sandbox of ``pdf.sandbox.mjs``, annotation layer in forms mode), from the
pdfjs-dist installed in ``tests/pdfjs/node_modules``.  A loopback HTTP server
serves that folder and the form under test; Playwright drives the system
Chromium (never a downloaded browser) and types into the real input elements.
The page records every ``app.alert`` (pdf.js routes it to ``window.alert``).
"""

from __future__ import annotations

import base64
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

PDFJS_DIR = Path(__file__).resolve().parent / "pdfjs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def viewer_available() -> bool:
    """Whether Playwright, the system Chromium and pdfjs-dist are all here."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.exists() and (PDFJS_DIR / "node_modules" / "pdfjs-dist" / "web" / "pdf_viewer.mjs").is_file()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files of tests/pdfjs, plus the forms registered under /form/."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".css": "text/css",
        ".bcmap": "application/octet-stream",
    }

    def __init__(self, *args: Any, forms: dict[str, bytes], **kwargs: Any) -> None:
        self.forms = forms
        super().__init__(*args, directory=str(PDFJS_DIR), **kwargs)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/form/"):
            data = self.forms.get(path.removeprefix("/form/"))
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def loopback_server() -> Iterator[tuple[str, dict[str, bytes]]]:
    """An HTTP server on 127.0.0.1 (any free port): its base URL and the forms it serves."""
    forms: dict[str, bytes] = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, forms=forms))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", forms
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


FOCUSED = """el => new Promise(done => {
    const wait = () => (document.activeElement === el ? done() : setTimeout(wait, 20));
    wait();
})"""
"""Resolves once the box has the focus: keys typed before that would go elsewhere."""


@dataclass
class FormPage:
    """A form open in the pdf.js harness page."""

    page: Any  # playwright.sync_api.Page
    console: list[str] = field(default_factory=list)

    def values(self) -> dict[str, str]:
        """What every text box shows, by field name."""
        return dict(self.page.evaluate("window.harness.values()"))

    def alerts(self) -> list[str]:
        return list(self.page.evaluate("window.harness.alerts"))

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the sandbox has finished: the boxes and alerts stop changing for half a second
        (a loaded machine's sandbox can lag a commit by more than a few polls)."""
        deadline = time.monotonic() + timeout
        last, stable = None, 0
        while time.monotonic() < deadline:
            state = self.page.evaluate("[window.harness.values(), window.harness.alerts.length]")
            stable = stable + 1 if state == last else 0
            if stable >= 8:
                return
            last = state
            self.page.wait_for_timeout(60)
        raise TimeoutError("the pdf.js form did not settle")

    def box(self, name: str) -> Any:
        return self.page.locator(f'.annotationLayer [name="{name}"]')

    def type_into(self, name: str, text: str) -> None:
        """Click a box, select what it holds, type ``text`` and leave it with Tab (the commit)."""
        box = self.box(name)
        box.click()
        box.evaluate(FOCUSED)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text, delay=20)
        self.page.keyboard.press("Tab")
        self.settle()

    def save(self) -> bytes:
        """The document as pdf.js's saveDocument() writes it (what Firefox saves)."""
        return base64.b64decode(self.page.evaluate("window.harness.save()"))


@contextmanager
def pdfjs_browser() -> Iterator[Any]:
    """The system Chromium under Playwright, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_form(browser: Any, base_url: str, forms: dict[str, bytes], pdf: Path) -> Iterator[FormPage]:
    """Open ``pdf`` in a fresh harness page, scripts running, every page's fields rendered."""
    forms[pdf.name] = pdf.read_bytes()
    context = browser.new_context(viewport={"width": 1000, "height": 2600})
    page = context.new_page()
    form = FormPage(page)
    page.on("console", lambda message: form.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: form.console.append(f"pageerror: {error}"))
    try:
        page.goto(f"{base_url}/viewer.html?file=/form/{pdf.name}")
        page.wait_for_function("window.harness && window.harness.ready === true", timeout=30_000)
        form.settle()
        yield form
    finally:
        context.close()
