"""The content app keeps to the layers: no Google client outside the data layer, thin views, and
the apps it builds on never import it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWS = ("api.py", "pages.py", "feeds.py", "serializers.py", "templatetags/content_tags.py")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_nothing_in_content_talks_to_google_or_firebase():
    for path in (ROOT / "content").rglob("*.py"):
        bad = {name for name in imported_modules(path) if name.startswith(("google", "firebase_admin"))}
        assert not bad, (path, bad)


def test_content_views_go_through_the_services():
    for name in VIEWS:
        bad = {
            module for module in imported_modules(ROOT / "content" / name) if module.startswith("firestore_operations")
        }
        assert not bad, (name, bad)


def test_courses_and_authentication_never_import_content():
    for app in ("courses", "authentication"):
        for path in (ROOT / app).rglob("*.py"):
            assert not any(name == "content" or name.startswith("content.") for name in imported_modules(path)), path
