"""The import contracts in .importlinter hold for the tree, and each one fails on a deliberate violation.

The violations are made in a copy of the source tree, so the checkout is never touched.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "analytics",
    "authentication",
    "courses",
    "payments",
    "messaging",
    "content",
    "cplatform",
    "middlewares",
    "firestore_operations",
)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(root / ".importlinter")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    return copy


@pytest.fixture
def violate(tree):
    """Append an import to a module of the copied tree; undone after the test."""
    touched: dict[Path, str] = {}

    def add(module: str, line: str) -> None:
        path = tree / (module.replace(".", "/") + ".py")
        touched.setdefault(path, path.read_text())
        path.write_text(touched[path] + f"\n{line}  # deliberate violation\n")

    yield add
    for path, text in touched.items():
        path.write_text(text)


def test_the_tree_keeps_every_contract(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("courses.access", "import messaging.services", "Apps depend in one direction"),
        ("messaging.receivers", "import analytics.recorder", "Apps depend in one direction"),
        ("analytics.api", "from firestore_operations import analytics", "Views, pages and consumers reach data"),
        ("courses.catalog.services", "import content.services", "Apps depend in one direction"),
        ("courses.enrolment.services", "import payments.services", "Apps depend in one direction"),
        ("payments.pages", "from firestore_operations import payments", "Views, pages and consumers reach data"),
        ("courses.enrolment.services", "import stripe", "Only payments.stripe_gateway talks to Stripe"),
        ("authentication.services", "from courses import events", "Apps depend in one direction"),
        ("firestore_operations.courses", "import courses.access", "The data layer knows nothing above it"),
        ("messaging.api", "from firestore_operations import chat_rooms", "Views, pages and consumers reach data"),
        ("authentication.services", "from google.cloud import firestore", "Only firestore_operations imports"),
        ("cplatform.exception_handler", "from google.api_core import exceptions", "Only firestore_operations imports"),
    ],
)
def test_a_deliberate_violation_breaks_its_contract(tree, violate, module, line, contract):
    violate(module, line)
    result = lint_imports(tree)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if "BROKEN" in row or row.startswith(contract)]
    assert any(contract in row for row in broken), result.stdout
