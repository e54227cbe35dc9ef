"""Screenshots of the main pages in Vietnamese, on a phone (390 × 844) and a desktop (1366 × 768).

    .venv/bin/python tools/screenshots.py [--boundaries PATH] [--out docs]

Serves the app from a fresh SQLite database filled from data/ (with the official district
boundaries when a file is given or found in ../shared/reference/), drives Debian's Chromium
(CHROMIUM_PATH, default /usr/bin/chromium) with Playwright, and writes docs/map.png and
docs/screenshots/<page>-<phone|desktop>.png, with the editor's panel after a refusal
(editor-<phone|desktop>.png). The base map's tiles come from the internet and
are not fetched: the maps show the plain background, as offline. Only the visible screen is
kept, so each file stays small.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402

SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}
PAGES = {
    "map": "/",
    "cluster": "/clusters/ccn-long-phuoc-1",
    "compare": "/compare?ids=ccn-long-phuoc-1,ccn-tam-an,kcn-cnc-long-thanh",
    "plan": "/plan?as_of=2020-12-31",
    "task": "/plan/tasks/i-1-2",
    "dashboard": "/dashboard?as_of=2020-12-31",
    "report": "/reports/740?as_of=2020-12-31",
}
EDITOR, EDITOR_PASSWORD = "lt-editor", "screenshots only"
DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "reference" / "dong_nai_districts.geojson"


def _serve(boundaries: Path | None) -> str:
    folder = tempfile.mkdtemp(prefix="gis-shots-")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/shots.sqlite", "SECRET_KEY": "shots"})
    if boundaries is not None and boundaries.is_file():
        # The same command an administrator runs (flask boundaries import PATH).
        result = app.test_cli_runner().invoke(args=["boundaries", "import", str(boundaries)])
        print(result.output.strip())
    # An editor of Long Thành, for the editor's screenshot (a throwaway database).
    args = ["users", "create", EDITOR, "--role", "editor", "--district", "740", "--password-stdin"]
    app.test_cli_runner().invoke(args=args, input=EDITOR_PASSWORD + "\n")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def _shoot(page: Page, url: str, path: Path) -> None:
    page.goto(url, wait_until="load")
    if page.locator("#map-config").count():
        page.wait_for_selector("body[data-ready]", timeout=20_000)
        page.wait_for_timeout(800)  # markers fade in
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    # 256 colours are plenty for flat map and page colours: a third of the bytes.
    with Image.open(path) as shot:
        shot.convert("RGB").quantize(colors=256).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")


def _shoot_editor(page: Page, base: str, path: Path) -> None:
    """The editor's panel after the server refused a value: its reason in Vietnamese."""
    page.goto(base + "/auth/login?lang=vi")
    page.fill("input[name=username]", EDITOR)
    page.fill("input[name=password]", EDITOR_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready]", timeout=20_000)
    page.locator('#cluster-list button[data-id="ccn-long-phuoc-1"]').click()
    page.locator('.popup-actions button[data-action="update"]').click()
    panel = page.locator("#edit-panel")
    panel.locator("input[name=clearance_cleared_ha]").fill("60")
    panel.locator("input[name=clearance_total_ha]").fill("50")
    panel.locator("button[type=submit]").click()
    page.wait_for_selector("#edit-panel .edit-message.error")
    panel.locator('[data-field="clearance_cleared_ha"]').scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    with Image.open(path) as shot:
        shot.convert("RGB").quantize(colors=256).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")


def main() -> None:
    """Serve the app and write every screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    base = _serve(args.boundaries)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            # Chromium draws date fields in its own language: dd/mm/yyyy in Vietnamese.
            args=["--no-sandbox", "--disable-gpu", "--lang=vi"],
        )
        for screen, viewport in SCREENS.items():
            context = browser.new_context(
                viewport=viewport,
                locale="vi-VN",
                is_mobile=screen == "phone",
                has_touch=screen == "phone",
                device_scale_factor=1,
            )
            page = context.new_page()
            # Only the app itself: the tile server is on the internet.
            page.route(
                "**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort()
            )
            for name, path in PAGES.items():
                url = base + path + ("&" if "?" in path else "?") + "lang=vi"
                _shoot(page, url, args.out / "screenshots" / f"{name}-{screen}.png")
                if name == "map" and screen == "desktop":
                    _shoot(page, url, args.out / "map.png")
            _shoot_editor(page, base, args.out / "screenshots" / f"editor-{screen}.png")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
