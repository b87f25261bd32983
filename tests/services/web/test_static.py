"""The web app's static files are well formed: every element closed where it opened, every CSS block closed.

The browser forgives both silently (a page nested in a hidden one, a media query that swallows the rules after
it), so a broken file shows only as a page that stays blank; these checks name the line instead.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[3] / "src" / "intermodal" / "services" / "web" / "static"
# elements HTML never closes
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Nesting(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, int]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append((tag, self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open or self.open[-1][0] != tag:
            opened = f"<{self.open[-1][0]}> of line {self.open[-1][1]}" if self.open else "nothing"
            self.problems.append(f"line {self.getpos()[0]}: </{tag}> closes {opened}")
            return
        self.open.pop()


def test_index_html_closes_every_element_where_it_opened() -> None:
    parser = _Nesting()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    parser.close()
    assert parser.problems == []
    assert parser.open == []


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.css")))
def test_css_closes_every_block(name: str) -> None:
    depth = 0
    for number, line in enumerate((STATIC / name).read_text(encoding="utf-8").splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{name}:{number}: a }} closes nothing"
        # rules sit at most one level deep (inside an @media); deeper is a block left open
        assert depth <= 2, f"{name}:{number}: a block is still open"
    assert depth == 0, f"{name}: {depth} block(s) never closed"
