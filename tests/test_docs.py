"""Docs that must stay true as the code changes."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_lists_every_setting_read_from_the_environment():
    settings = (ROOT / "cplatform" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings))
    read |= set(re.findall(r'environ\.get\(\s*"([A-Z][A-Z0-9_]+)"', settings))
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") :]
    missing = sorted(name for name in read if f"`{name}`" not in table)
    assert read and not missing, f"README's configuration table misses {missing}"
