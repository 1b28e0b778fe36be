"""The blog in a real browser: headless Chromium (driven by Selenium through the Debian
``chromedriver``) registers, logs in, writes a post, comments and logs out, against the blog
served by a real ``erlen run`` on a free loopback port.

Locally the test skips when Chromium or its driver is missing (``apt-get install chromium
chromium-driver``); under CI (``CI`` set) it fails instead. The server runs in its own process
group and is always killed; the browser always quits.
"""

from __future__ import annotations

import os
import secrets
import shutil
import typing as t
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from test_e2e_server import REPO, Server, clean_env, free_port, run_cli

INSTALL_HINT = "Chromium not found: install it with 'apt-get install chromium chromium-driver'"
# The network is closed here: nothing in the browser may try to reach it.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
WAIT_SECONDS = 20


def find_chromium() -> tuple[str, str]:
    """The paths of the Chromium binary and of its driver; skip (fail under CI) without."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
    )
    if browser is None or driver is None:
        if os.environ.get("CI"):
            pytest.fail(INSTALL_HINT, pytrace=False)
        pytest.skip(INSTALL_HINT)
    return browser, driver


@pytest.fixture
def blog_url(tmp_path: Path) -> t.Iterator[str]:
    """The blog served by ``erlen --app examples/blog run`` on a database in ``tmp_path``."""
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'blog.sqlite'}",
        BLOG_SECRET_KEY=secrets.token_hex(16),
        BLOG_CONFIG="development",
    )
    result = run_cli(["--app", "examples/blog", "init-db"], cwd=REPO, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    server = Server(
        ["--app", "examples/blog", "run", "--port", str(port), "--no-reload"],
        cwd=REPO,
        log=tmp_path / "server.log",
        env=env,
    )
    try:
        server.wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def browser(tmp_path: Path) -> t.Iterator[WebDriver]:
    """Headless Chromium with a profile of its own in ``tmp_path``."""
    binary, driver_path = find_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.set_page_load_timeout(WAIT_SECONDS)
        yield driver
    finally:
        driver.quit()


def fill(driver: WebDriver, fields: dict[str, str]) -> None:
    """Type into the inputs with these ids."""
    for field_id, value in fields.items():
        element = driver.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(value)


def replaced(element: WebElement) -> t.Callable[[WebDriver], bool]:
    """A wait condition: ``element``'s page has been replaced by the next one.

    Selenium's ``staleness_of`` expects the stale-element error only; while Chromium swaps
    the documents, asking about the old element can also fail with "Node with given id does
    not belong to the document" (seen in CI). That one means "not yet": ask again.
    """

    def check(driver: WebDriver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" not in str(e.msg):
                raise
        return False

    return check


def submit(driver: WebDriver, button: WebElement) -> None:
    """Click ``button`` and wait for the next page to replace this one."""
    button.click()
    WebDriverWait(driver, WAIT_SECONDS).until(replaced(button))


def flashes(driver: WebDriver) -> list[str]:
    """The flashed messages on the page."""
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, ".flash")]


def test_register_login_post_comment_logout(
    blog_url: str, browser: WebDriver, tmp_path: Path
) -> None:
    try:
        browser.get(blog_url + "/")
        assert browser.title == "Latest posts · erlen blog"
        browser.find_element(By.ID, "nav-register").click()

        fill(
            browser,
            {
                "username": "chromium",
                "email": "chromium@example.org",
                "password": "a browser password",
                "confirm": "a browser password",
            },
        )
        submit(browser, browser.find_element(By.CSS_SELECTOR, "#register-form button"))
        assert browser.current_url == blog_url + "/auth/login"
        assert flashes(browser) == ["Your account is ready: log in."]

        fill(browser, {"username": "chromium", "password": "a browser password"})
        submit(browser, browser.find_element(By.CSS_SELECTOR, "#login-form button"))
        assert flashes(browser) == ["Welcome, chromium!"]
        assert browser.find_element(By.ID, "nav-profile").text == "chromium"

        browser.find_element(By.ID, "nav-new-post").click()
        fill(
            browser,
            {"title": "Written in Chromium", "body": "Typed by a real browser.", "tags": "e2e"},
        )
        browser.find_element(By.ID, "published").click()
        submit(browser, browser.find_element(By.CSS_SELECTOR, "#post-form button"))
        assert browser.current_url == blog_url + "/posts/written-in-chromium"
        assert flashes(browser) == ["Post published."]
        assert browser.find_element(By.TAG_NAME, "h1").text == "Written in Chromium"

        fill(browser, {"body": "And commented on, too."})
        submit(browser, browser.find_element(By.CSS_SELECTOR, "#comment-form button"))
        assert flashes(browser) == ["Comment added."]
        comments = browser.find_elements(By.CSS_SELECTOR, ".comment")
        assert len(comments) == 1 and "And commented on, too." in comments[0].text

        submit(browser, browser.find_element(By.ID, "logout"))
        assert browser.current_url == blog_url + "/"
        assert flashes(browser) == ["You are logged out."]
        assert browser.find_element(By.ID, "nav-login").text == "Log in"
        titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".summary h2")]
        assert titles == ["Written in Chromium"]
    except Exception:
        browser.save_screenshot(str(tmp_path / "failure.png"))
        raise
