"""The sources stay importable on every Python the project runs on: 3.13 (the container
images' Python) refuses to compile a docstring that holds a lone surrogate (it cleans
docstrings as UTF-8), so one written as an escape (``"\\ud800"`` without the backslash
doubled) breaks the image while 3.11 imports it fine."""
from __future__ import annotations

import ast
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
