from playwright.sync_api import Page


def test_look(page: Page, live_server: str, backend) -> None:
    if backend != "sqlite":
        return
    logs = []
    page.on("console", lambda m: logs.append((m.type, m.text)))
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-ready]")
    page.screenshot(path="/tmp/h-ui-shots/map.png")
    page.locator("#legend").screenshot(path="/tmp/h-ui-shots/legend.png")
    page.locator(".panel").screenshot(path="/tmp/h-ui-shots/panel.png")
    print(logs)
