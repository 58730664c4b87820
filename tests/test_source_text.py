"""The sources stay importable on every Python the project runs on: 3.13 (the container
images' Python) refuses to compile a docstring that holds a lone surrogate (it cleans
docstrings as UTF-8), so one written as an escape (``"\\ud800"`` without the backslash
doubled) breaks the image while 3.11 imports it fine."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_docstring_in_the_images_holds_a_lone_surrogate():
    offenders = []
    for path in sorted([*ROOT.glob("orchestrator/**/*.py"), *ROOT.glob("services/**/*.py")]):
        if "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node, clean=False) or ""
                if any(0xD800 <= ord(char) <= 0xDFFF for char in doc):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


# Documents a clone of this repository does not have; a citation must point at the repo's
# own files (README.md, docs/architecture.md, code) or at the AWS documentation.
_ABSENT = re.compile(r"\b(?:DESIGN\.md|STYLE\.md)\b|\b[Ii]ssue \d+\b")


def test_every_citation_points_at_something_in_the_repository():
    offenders = []
    for path in sorted(ROOT.rglob("*")):
        parts = set(path.relative_to(ROOT).parts)
        if (
            not path.is_file()
            or parts & {".git", ".venv", "node_modules", "data"}
            or path.suffix
            not in {
                ".py",
                ".md",
                ".js",
                ".css",
                ".html",
                ".toml",
                ".yml",
                ".yaml",
                ".json",
                ".sh",
                "",
            }
        ):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if _ABSENT.search(line) and path != Path(__file__):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
