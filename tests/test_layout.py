"""The code stays easy to read: small modules, short functions (DESIGN §2)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

STUDIO = Path(__file__).resolve().parent.parent / "studio"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 50


def _sources() -> list[Path]:
    return [p for p in sorted(STUDIO.rglob("*.py")) if "migrations" not in p.parts]


def test_no_module_is_over_300_lines():
    long = {
        str(p.relative_to(STUDIO)): n
        for p in _sources()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_over_50_lines():
    long = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(STUDIO)}:{node.lineno} {node.name} ({length})")
    assert long == []


def test_every_page_title_is_plain_text():
    """A `{% block title %}` left open swallows markup into the browser tab's title."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    titled = re.compile(r"{% block title %}(.*?){% endblock", re.S)
    marked_up = [
        f"{path.relative_to(templates)}: {title[:60]!r}"
        for path in sorted(templates.rglob("*.html"))
        for title in titled.findall(path.read_text())
        if "<" in title or "\n" in title
    ]
    assert marked_up == []
