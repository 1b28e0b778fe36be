"""The websocket echo example in a real browser: ``erlen --app examples/ws_echo/app.py run``
(served over ASGI because the app has a websocket route) on a free loopback port, and headless
Chromium (Selenium, the Debian ``chromedriver``) opening its page, which connects to the
websocket; what is typed comes back.

As for the blog's browser test, a missing Chromium skips locally and fails under CI; the
server runs in its own process group and is always killed, the browser always quits.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from servers.app_servers import ServerProcess, free_port
from test_e2e_server import REPO, clean_env, erlen_script

# The blog's headless Chromium fixture, shared.
from test_example_blog_browser import WAIT_SECONDS, browser  # noqa: F401


@pytest.fixture
def echo_url(tmp_path: Path) -> t.Iterator[str]:
    """The example served by ``erlen run`` (no reloader)."""
    port = free_port()
    argv = [erlen_script(), "--app", "examples/ws_echo/app.py", "run", "--port", str(port)]
    server = ServerProcess(
        [*argv, "--no-reload"], port, tmp_path / "server.log", clean_env(), cwd=REPO
    )
    with server:
        server.wait_ready()
        assert "Serving over ASGI with uvicorn" in server.output()
        yield f"http://127.0.0.1:{port}"


def logged(driver: WebDriver) -> list[str]:
    """The messages the page shows, oldest first."""
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#log li")]


def test_typed_message_is_echoed(
    echo_url: str,
    browser: WebDriver,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    try:
        browser.get(echo_url + "/")
        wait = WebDriverWait(browser, WAIT_SECONDS)
        wait.until(lambda d: d.find_element(By.ID, "status").text == "open")
        wait.until(lambda d: logged(d) == ["connected"])
        field = browser.find_element(By.ID, "message")
        field.send_keys("hello from chromium")
        browser.find_element(By.CSS_SELECTOR, "#form button").click()
        wait.until(lambda d: len(logged(d)) == 2)
        assert logged(browser) == ["connected", "hello from chromium"]
        assert field.get_attribute("value") == ""
        field.send_keys("ünïcode ✓")
        field.submit()
        wait.until(lambda d: len(logged(d)) == 3)
        assert logged(browser)[-1] == "ünïcode ✓"
        assert browser.find_element(By.ID, "status").text == "open"
    except Exception:
        browser.save_screenshot(str(tmp_path / "failure.png"))
        raise
