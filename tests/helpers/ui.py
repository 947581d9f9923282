"""Reading the Dagster UI in headless Chromium: what a person sees, as data."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: scripts/install-system-packages.sh
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Asset nodes and edges of the lineage graph as drawn: an edge is an SVG path with an arrow,
# a node a foreignObject box holding the asset's name; both share the SVG's coordinates.
_GRAPH_JS = """
(names) => {
  const nodes = [];
  for (const el of document.querySelectorAll('foreignObject:not(.group)')) {
    // foreignObject is an SVG element: innerText lives on its HTML children.
    const text = [...el.children].map((c) => c.innerText || '').join('\\n');
    const first = text.trim().split('\\n')[0].trim();
    if (!names.includes(first)) continue;
    nodes.push({name: first, x: +el.getAttribute('x'), y: +el.getAttribute('y'),
                w: +el.getAttribute('width'), h: +el.getAttribute('height')});
  }
  const edges = [];
  for (const path of document.querySelectorAll('svg path[marker-end]')) {
    const nums = (path.getAttribute('d') || '').match(/-?[0-9.]+/g);
    if (!nums || nums.length < 4) continue;
    edges.push({from: [+nums[0], +nums[1]], to: [+nums[nums.length - 2], +nums[nums.length - 1]]});
  }
  return {nodes, edges};
}
"""


def _distance(point: list[float], node: dict) -> float:
    x, y = point
    dx = max(node["x"] - x, 0.0, x - (node["x"] + node["w"]))
    dy = max(node["y"] - y, 0.0, y - (node["y"] + node["h"]))
    return (dx * dx + dy * dy) ** 0.5


def drawn_lineage(page, names: list[str]) -> tuple[set[str], set[tuple[str, str]]]:
    """The asset names shown as nodes and the (upstream, downstream) arrows between them."""
    graph = page.evaluate(_GRAPH_JS, names)
    nodes = graph["nodes"]
    edges = set()
    for edge in graph["edges"]:
        if not nodes:
            break
        start = min(nodes, key=lambda n: _distance(edge["from"], n))
        end = min(nodes, key=lambda n: _distance(edge["to"], n))
        # An arrow leaves one box and ends beside another; anything else is not an asset edge.
        if _distance(edge["from"], start) < 20 and _distance(edge["to"], end) < 20:
            edges.add((start["name"], end["name"]))
    return {n["name"] for n in nodes}, edges


def open_global_lineage(page, base_url: str, names: list[str], groups: list[str]) -> None:
    """Lineage in the navigation with every asset group open, laid out to fit the window.

    A person clicks each group's unfold button; once the graph is wider than the window the
    next group's button lies outside it, where no click reaches. So the first group is opened
    by a click, as a person would, and the rest by the URL that click produced, which names
    the open groups. Returns once every asset in `names` is drawn as a node, or after waiting
    30 s for each.
    """
    from urllib.parse import parse_qs, quote, urlparse

    from playwright.sync_api import Error

    page.goto(f"{base_url}/asset-groups", wait_until="networkidle")
    # The community sign-up dialog of a first visit; a person clicks Skip.
    with contextlib.suppress(Error):
        page.get_by_role("button", name="Skip").click(timeout=5_000)
    page.get_by_text("Global asset lineage").first.wait_for()
    page.locator("foreignObject").first.wait_for()  # a group box or, if not grouped, an asset
    page.locator('foreignObject [aria-label="unfold_more"]').first.click()
    for _ in range(40):
        page.wait_for_timeout(250)
        opened = parse_qs(urlparse(page.url).query).get("expanded", [""])[0].split(",")
        if opened[0]:
            break
    # An open group is named "<where>:<group>" in the URL ("global@global:lectures").
    where = opened[0].rpartition(":")[0]
    expanded = ",".join(f"{where}:{group}" for group in sorted(groups))
    page.goto(f"{base_url}/asset-groups?expanded={quote(expanded)}", wait_until="networkidle")
    for name in names:
        # One missing name is reported by the caller, naming every asset the page lacks.
        with contextlib.suppress(Error):
            page.locator("foreignObject", has_text=name).first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Hide navigation").click()
    page.wait_for_timeout(1_000)


@contextlib.contextmanager
def notes_page(path: Path) -> Iterator[tuple[object, list[str]]]:
    """A notes.html opened from disk in headless Chromium, its media loaded; yields the page
    and the list of every URL it requests."""
    from playwright.sync_api import sync_playwright

    from tests.helpers import system

    if not CHROMIUM.exists():
        system.missing(f"Chromium ({CHROMIUM})")
    with sync_playwright() as pw:
        # Headless Chromium has no one to make the gesture its autoplay rule asks for.
        args = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(path.as_uri())
            poll(page, "document.getElementById('player').readyState", lambda v: v >= 1)
            yield page, requests
        finally:
            browser.close()


def poll(page, expression: str, done, limit_s: float = 10.0):
    """``expression``'s value once ``done`` accepts it, or the last one after ``limit_s``.

    Not ``page.wait_for_function``: it evaluates its predicate with eval, which the notes
    page's Content-Security-Policy refuses (as it should)."""
    deadline = time.monotonic() + limit_s
    value = page.evaluate(expression)
    while not done(value) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        value = page.evaluate(expression)
    return value


def player_time_near(page, seconds: float) -> float:
    """The player's time once within 1 s of ``seconds`` (or the last one seen, after 10 s)."""
    now = "document.getElementById('player').currentTime"
    return poll(page, now, lambda value: abs(value - seconds) < 1.0)
