"""Where the AWS-recorded conformance corpus lives.

The corpus is shipped beside the repository (``../shared/conformance``, as on developers'
machines and in CI); ``ASL_CONFORMANCE_DIR`` overrides it. A missing corpus is an error,
not a skip: the conformance tests are the judge of the interpreter.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(
    os.environ.get("ASL_CONFORMANCE_DIR") or REPO_ROOT.parent / "shared" / "conformance"
).resolve()
CASES = CORPUS / "cases"

if not CASES.is_dir():
    raise RuntimeError(
        f"conformance corpus not found at {CORPUS} "
        "(set ASL_CONFORMANCE_DIR to the folder holding cases/)"
    )
