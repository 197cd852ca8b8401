"""Real-browser fixtures: one headless Chromium (selenium, 1280x900) and one JupyterLab 4 server.

tests/conftest.py registers this module as a plugin, so any test asks for the fixtures by name
(no import needed; a module that imports them gets instances of its own). Each is started once
per test session, when a test first needs it. The server is the one at
`$JUPYTERLAB_URL` (e.g. `http://127.0.0.1:8888/?token=abc`) when that is set; otherwise this
module starts one from the test's own interpreter, on a free port, with a token, a temporary
root directory and settings that fetch no news. Its kernels see no Graphviz `dot` and import
the working tree (as `tests.kernel` arranges for nbclient). Notebooks reach it through the
contents API, so either kind of server works. A missing part skips through `needs`.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import needs
from tests.kernel import kernel_available, kernel_env
from viz.drawing.layout_program import _die_with_parent

WIDTH, HEIGHT = 1280, 900
START_TIMEOUT = 90.0
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def chromium_available() -> bool:
    return bool(
        shutil.which("chromium")
        and shutil.which("chromedriver")
        and importlib.util.find_spec("selenium")
    )


def jupyterlab_available() -> bool:
    if os.environ.get("JUPYTERLAB_URL"):
        return True
    return bool(importlib.util.find_spec("jupyterlab")) and kernel_available()


@dataclass
class Lab:
    """A running JupyterLab server: its base URL and token, and a folder of our own on it."""

    url: str
    token: str
    folder: str

    def api(self, method: str, path: str, body: object = None) -> Any:
        """Call the server's REST API (`/api/...`) and return the decoded JSON, if any."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            urllib.parse.urljoin(self.url, path.lstrip("/")),
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def upload(self, name: str, notebook: dict[str, Any], *, trusted: bool = False) -> str:
        """Put a notebook into our folder on the server; return its path there.

        `trusted`: its outputs are shown as JupyterLab shows the outputs its own kernel made
        (HTML with its scripts and iframes, SVG images), not sanitized: every code cell is
        marked trusted, so the server signs the notebook as it saves it, as when a person
        saves a notebook they ran.
        """
        path = f"{self.folder}/{name}"
        if trusted:
            notebook = copy.deepcopy(notebook)
            for cell in notebook["cells"]:
                if cell["cell_type"] == "code":
                    cell["metadata"]["trusted"] = True
        self.api("PUT", f"api/contents/{path}", {"type": "notebook", "content": notebook})
        if trusted:
            saved = self.api("GET", f"api/contents/{path}")["content"]["cells"]
            untrusted = [
                i for i, c in enumerate(saved)
                if c["cell_type"] == "code" and not c["metadata"].get("trusted")
            ]  # fmt: skip
            assert untrusted == [], f"the server did not sign {path}: cells {untrusted} untrusted"
        return path

    def page(self, path: str) -> str:
        """The URL that opens `path` in JupyterLab, with a fresh workspace."""
        return urllib.parse.urljoin(self.url, f"lab/tree/{path}?reset&token={self.token}")

    def shutdown_kernels(self) -> None:
        """Shut down the kernels of our folder's notebooks, once each has started.

        A kernel shut down while the server still waits for its first reply leaves the server
        waiting out its `kernel_info_timeout` (60 s), and the next notebook's kernel with it.
        """

        def ours() -> list[dict[str, Any]]:
            sessions = self.api("GET", "api/sessions")
            return [s for s in sessions if s["path"].startswith(self.folder + "/")]

        wait_until(
            lambda: all(s["kernel"]["execution_state"] != "starting" for s in ours()),
            60,
            "the kernels to start before they are shut down",
        )
        for session in ours():
            self.api("DELETE", f"api/sessions/{session['id']}")


@pytest.fixture(scope="session")
def jupyterlab(request: pytest.FixtureRequest) -> Lab:
    """A JupyterLab 4 server for this session, with an empty folder of our own on it."""
    needs(jupyterlab_available(), "JupyterLab with a python3 kernel (or $JUPYTERLAB_URL)")
    return _lab(request.session)


@pytest.fixture
def chromium(request: pytest.FixtureRequest) -> Any:
    """A headless Chromium at 1280x900 driven by selenium; no network but this machine. One
    browser serves the session; each test gets it on a blank page with an empty console log."""
    needs(chromium_available(), "Chromium, chromedriver and selenium")
    driver = _chromium(request.session)
    driver.get("about:blank")  # leave what an earlier test left open (a JupyterLab still polling)
    driver.get_log("browser")  # and drop what it logged
    return driver


def wait_until(condition: Callable[[], Any], timeout: float, what: str | Callable[[], str]) -> Any:
    """Poll `condition` until it returns something true; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            waited = what if isinstance(what, str) else what()
            pytest.fail(f"timed out after {timeout:g} s waiting for {waited}")
        time.sleep(0.1)


# --- internals --------------------------------------------------------------------------------


_BROWSER = pytest.StashKey[Any]()
"""The session's one Chromium, once a test has asked for it."""


def _chromium(session: pytest.Session) -> Any:
    """The session's Chromium: started by the first test that asks, quit when the session ends."""
    if _BROWSER not in session.stash:
        session.stash[_BROWSER] = _start_chromium(session)
    return session.stash[_BROWSER]


def _start_chromium(session: pytest.Session) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="viz-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={WIDTH},{HEIGHT}",
        # no network: pages must not need it; the JupyterLab server is on this machine
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    # the page itself is 1280x900 CSS pixels, whatever the window's own frame takes
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )

    def close() -> None:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)

    session.config.add_cleanup(close)
    return driver


def _lab(session: pytest.Session) -> Lab:
    given = os.environ.get("JUPYTERLAB_URL")
    if given:
        parts = urllib.parse.urlsplit(given)
        token = dict(urllib.parse.parse_qsl(parts.query)).get("token", "")
        token = token or os.environ.get("JUPYTERLAB_TOKEN", "")
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
        lab = Lab(url if url.endswith("/") else url + "/", token, "")
    else:
        lab = _start_lab(session)
    lab.folder = f"viz-browser-tests-{secrets.token_hex(4)}"
    lab.api("PUT", f"api/contents/{lab.folder}", {"type": "directory"})

    def remove_folder() -> None:
        try:
            lab.shutdown_kernels()
            for item in lab.api("GET", f"api/contents/{lab.folder}")["content"]:
                lab.api("DELETE", f"api/contents/{item['path']}")
            lab.api("DELETE", f"api/contents/{lab.folder}")
        except (OSError, urllib.error.URLError):
            pass  # a server that went away has nothing left to clean

    session.config.add_cleanup(remove_folder)
    return lab


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start_lab(session: pytest.Session) -> Lab:
    lab, stop, failure = start_server()
    session.config.add_cleanup(stop)
    if failure:
        pytest.fail(failure)
    return lab


def start_server() -> tuple[Lab, Callable[[], None], str]:
    """Start JupyterLab as the tests want it: (the server, how to stop it, why it failed or '')."""
    home = Path(tempfile.mkdtemp(prefix="viz-jupyterlab-"))
    (home / "root").mkdir()
    for name, values in SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    env = kernel_env()
    env["JUPYTER_RUNTIME_DIR"] = str(home / "runtime")
    env["JUPYTER_CONFIG_DIR"] = str(home / "config")
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home / 'root'}",
         f"--LabApp.user_settings_dir={home / 'settings'}",
         f"--LabApp.workspaces_dir={home / 'workspaces'}", "--LabApp.extension_manager=readonly",
         "--ServerApp.terminals_enabled=False",
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent(),  # a test run that is killed leaves no server behind
    )  # fmt: skip

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(home, ignore_errors=True)

    lab = Lab(f"http://127.0.0.1:{port}/", token, "")
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            log.flush()
            tail = (home / "server.log").read_text(errors="replace")[-3000:]
            return lab, stop, f"JupyterLab exited with {process.returncode}:\n{tail}"
        try:
            lab.api("GET", "api/status")
            return lab, stop, ""
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline:
                return lab, stop, f"JupyterLab did not answer within {START_TIMEOUT:g} s"
            time.sleep(0.25)


def serve() -> int:
    """`python -m tests.browser`: start the tests' JupyterLab, print `JUPYTERLAB_URL=...` once it
    answers, and keep it running until this process is stopped (what .ci/run does)."""
    import signal

    lab, stop, failure = start_server()
    if failure:
        stop()
        print(failure, file=sys.stderr)
        return 1
    print(f"JUPYTERLAB_URL={lab.url}?token={lab.token}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    finally:
        stop()


def notebook(*cells: str) -> dict[str, Any]:
    """A notebook (nbformat 4, as JSON) of the given code cells, for the python3 kernel."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "cells": [
            {
                "cell_type": "code",
                "id": f"cell-{i}",
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
            for i, source in enumerate(cells)
        ],  # fmt: skip
    }


PANEL = (
    "[...document.querySelectorAll('.jp-NotebookPanel')]"
    ".find(p => !p.classList.contains('lm-mod-hidden'))"
)
"""A JavaScript expression: the notebook panel JupyterLab shows now (others are hidden tabs)."""


MEASURE = f"""
const panel = {PANEL};
const out = [];
for (const area of panel.querySelectorAll('.jp-Notebook .jp-OutputArea-output')) {{
  const mime = area.getAttribute('data-mime-type') || '';
  // the explorer is measured as a whole: its drawing zooms and pans inside a clipped view
  const drawings = [...area.querySelectorAll(
    '.jp-RenderedSVG img, .jp-RenderedSVG svg, svg g.graph, iframe, .viz-explorer')]
    .filter(el => el.matches('.viz-explorer') || !el.closest('.viz-explorer'))
    .map(el => el.matches('g.graph') ? el.ownerSVGElement : el);
  if (!drawings.length) {{ continue; }}
  area.scrollIntoView({{block: 'center'}});
  const width = area.clientWidth;
  const widths = drawings.map(el => el.getBoundingClientRect().width);
  const widest = Math.max(...widths);
  const drawn = widths.every(w => w > 0) &&
    drawings.every(el => !el.matches('img') || (el.complete && el.naturalWidth > 0));
  const cell = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')]
    .indexOf(area.closest('.jp-Cell'));
  out.push({{cell, mime, width, widest, scroll: area.scrollWidth, drawn}});
}}
return out;
"""


def drawings_on_show(driver: Any) -> list[dict[str, Any]]:
    """Each output of the notebook on show that draws a graph (an SVG image, an inline graph
    SVG, an iframe such as the step-through page's, the explorer), scrolled into view and
    measured: its `cell` (index), `mime`, `width` (the output area's), `widest` (its widest
    drawing), `scroll` (the area's scrollWidth) and `drawn` (every drawing has a size, every
    image has loaded)."""
    drawings: list[dict[str, Any]] = driver.execute_script(MEASURE)
    return drawings


def too_wide(drawings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The measured outputs (`drawings_on_show`) whose drawing is wider than their output area
    or that scroll sideways (1 px of rounding allowed)."""
    return [d for d in drawings if d["widest"] > d["width"] + 1 or d["scroll"] > d["width"] + 1]


def panel(driver: Any) -> Any:
    """The notebook panel on show, as a selenium element."""
    return driver.execute_script(f"return {PANEL};")


def open_notebook(driver: Any, lab: Lab, path: str) -> None:
    """Open `path` in JupyterLab and wait until it shows the notebook (its cells and toolbar).

    The first notebook loads JupyterLab; later ones open from its file browser, without
    reloading the page. JupyterLab starts the notebook's kernel; nothing waits for it.
    """
    if not _open_from_file_browser(driver, lab, path):
        driver.get(lab.page(path))
    wait_until(
        lambda: driver.execute_script(
            f"var p = {PANEL}; return !!p && p.querySelector('.jp-Cell') !== null && "
            "p.querySelector('.jp-Notebook-ExecutionIndicator') !== null"
        ),
        60,
        f"JupyterLab to open {path}",
    )


def run_all(driver: Any, lab: Lab, path: str, timeout: float = 180) -> None:
    """Open `path` in JupyterLab (`open_notebook`), run all its cells in its kernel and wait
    until they are done. Fails at once, with the text, when a cell writes an error or to stderr.
    """
    open_notebook(driver, lab, path)
    wait_until(lambda: pick_kernel(driver) or _kernel_idle(driver), 60, "the kernel to start")
    for _ in range(3):  # a click that lands before the notebook is wired up does nothing
        _click_menu(driver, "Run", "runmenu:run-all")
        started = time.monotonic()
        while time.monotonic() - started < 10:
            if _prompts(driver) != ["[ ]:"] * len(_prompts(driver)):
                wait_until(
                    lambda: _all_ran(driver),
                    timeout,
                    lambda: (
                        f"every cell of {path} to run (prompts {_prompts(driver)}, kernel "
                        f"{'idle' if _kernel_idle(driver) else 'busy'})"
                    ),
                )
                return
            time.sleep(0.1)
    pytest.fail(f"Run All Cells did not start {path}")


def _open_from_file_browser(driver: Any, lab: Lab, path: str) -> bool:
    """Double-click `path` in the file browser of the JupyterLab already loaded, if it is."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    if not driver.current_url.startswith(lab.url + "lab"):
        return False
    name = path.rpartition("/")[2]
    driver.execute_script(
        "var b = document.querySelector('.jp-FileBrowser [data-command=\"filebrowser:refresh\"]');"
        "if (b) { b.click(); }"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        items = [
            item
            for item in driver.find_elements(By.CSS_SELECTOR, ".jp-FileBrowser .jp-DirListing-item")
            if item.get_attribute("title").startswith(f"Name: {name}\n")
        ]
        if items:
            ActionChains(driver).double_click(items[0]).perform()
            return bool(
                wait_until(
                    lambda: (
                        driver.execute_script(
                            "var t = document.querySelector('.lm-DockPanel-tabBar "
                            ".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel');"
                            "return t ? t.textContent.trim() : '';"
                        )
                        == name
                    ),
                    20,
                    f"{name} to open from the file browser",
                )
            )
        time.sleep(0.1)
    return False


def pick_kernel(driver: Any) -> bool:
    """Accept JupyterLab's "Select Kernel" dialog (its choice is the notebook's python3), which
    it shows when the notebook opens before it has loaded the kernel list; False if absent."""
    from selenium.webdriver.common.by import By

    for dialog in driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog"):
        if "Select Kernel" in dialog.text:
            dialog.find_element(By.CSS_SELECTOR, ".jp-Dialog-footer .jp-mod-accept").click()
    return False


def _click_menu(driver: Any, menu: str, command: str) -> None:
    from selenium.webdriver.common.by import By

    pick_kernel(driver)
    dialog = driver.execute_script("var d = document.querySelector('.jp-Dialog');"
                                   "return d ? d.innerText : null;")  # fmt: skip
    if dialog:
        pytest.fail(f"JupyterLab shows a dialog instead of the notebook: {dialog!r}")
    entry = f"//li[@role='menuitem' and .//div[text()='{menu}']]"
    bar = wait_until(lambda: driver.find_elements(By.XPATH, entry), 20, f"the {menu} menu")
    bar[0].click()
    item = wait_until(
        lambda: driver.find_elements(By.CSS_SELECTOR, f"li[data-command='{command}']"),
        10,
        f"the menu item {command}",
    )
    item[0].click()


def _prompts(driver: Any) -> list[str]:
    prompts: list[str] = driver.execute_script(
        f"var p = {PANEL}; return p ? [...p.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
        ".map(e => e.textContent.trim()) : [];"
    )
    return prompts


def _kernel_idle(driver: Any) -> bool:
    """The notebook has a kernel (its name is in the toolbar) and the kernel is idle."""
    status: list[str] = driver.execute_script(
        f"var p = {PANEL}; if (!p) {{ return ['', '']; }}"
        "var el = p.querySelector('.jp-Notebook-ExecutionIndicator');"
        "var name = p.querySelector('.jp-Toolbar-kernelName');"
        "return [el ? (el.getAttribute('data-status') || '') : '',"
        "        name ? name.textContent.trim() : ''];"
    )
    return status[0] == "idle" and status[1] not in ("", "No Kernel")


def errors(driver: Any) -> list[str]:
    """The texts of the open notebook's error and stderr outputs."""
    texts: list[str] = driver.execute_script(
        f"var p = {PANEL}; return p ? [...p.querySelectorAll('.jp-OutputArea-output"
        '[data-mime-type="application/vnd.jupyter.stderr"]\')].map(e => e.innerText) : [];'
    )
    return texts


def _all_ran(driver: Any) -> bool:
    """Every code cell has an execution count, and the kernel is idle again."""
    failed = errors(driver)
    if failed:
        pytest.fail("a cell failed or wrote to stderr:\n" + "\n".join(t[-2000:] for t in failed))
    prompts = _prompts(driver)
    done = bool(prompts) and all(p.startswith("[") and p[1:-2].isdigit() for p in prompts)
    return done and _kernel_idle(driver)


if __name__ == "__main__":
    sys.exit(serve())
