"""The suite's own layout: shared helpers live in tests/helpers.py, not in test modules."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_test_modules_never_import_each_other() -> None:
    """A test module imported by another runs its collection-time code twice and hides what
    is shared; tests/helpers.py holds it instead."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[-1].startswith("test_"):
                    found.append(f"{path.relative_to(TESTS)}:{node.lineno} imports {name}")
    assert not found, found
