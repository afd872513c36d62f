"""The architecture of docs/architecture.md, held by the build.

- The import-linter contracts in pyproject.toml pass on the tree, and each one is live: a copy of
  the tree with one deliberate wrong import fails `lint-imports` naming that contract.
- Only the queue model calls into `erlang` (one model of the centre).
- No function in the product code has a body longer than 100 lines (migrations, which are
  declarative tables, aside).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("wfm", "api", "dashboard", "erlang", "forecasting", "scheduling")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_BODY_LINES = 100


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The product packages and pyproject.toml copied as they are (sources only)."""
    target = tmp_path_factory.mktemp("tree")
    shutil.copy2(ROOT / "pyproject.toml", target / "pyproject.toml")
    for package in PRODUCT:
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    return target


def test_contracts_hold_on_the_tree(tree_copy: Path) -> None:
    result = _lint_imports(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# (module file, the wrong import, the contract it breaks)
WRONG_IMPORTS = [
    ("wfm/domain/queue_model.py", "import sqlalchemy", "Pure packages import nothing"),
    ("scheduling/economics.py", "import wfm.db.session", "Pure packages import nothing"),
    ("forecasting/metrics.py", "import streamlit", "Pure packages import nothing"),
    ("erlang/models.py", "import pandas", "The queueing maths stands alone"),
    ("wfm/db/session.py", "import wfm.services.staffing", "The database layer imports no"),
    ("wfm/services/staffing.py", "import api.app", "Nothing imports an entry point"),
    ("api/app.py", "import wfm.worker.worker", "The API, the worker and the dashboard"),
    ("dashboard/common.py", "import wfm.db.session", "The dashboard talks to the API"),
    ("wfm/domain/types.py", "import wfm.domain.queue_model", "No package-level cycles"),
]


@pytest.mark.parametrize(("module", "statement", "contract"), WRONG_IMPORTS)
def test_each_contract_is_live(
    tree_copy: Path, tmp_path: Path, module: str, statement: str, contract: str
) -> None:
    broken = tmp_path / "tree"
    shutil.copytree(tree_copy, broken)
    path = broken / module
    source = path.read_text()
    # after the module docstring and `from __future__` (both must stay first)
    lines = source.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(("import ", "from ")))
    if lines[at].startswith("from __future__"):
        at += 1
    path.write_text("".join(lines[:at]) + statement + "  # noqa\n" + "".join(lines[at:]))
    result = _lint_imports(broken)
    assert result.returncode != 0, result.stdout
    broken_lines = [line for line in result.stdout.splitlines() if "BROKEN" in line]
    report = result.stdout.replace("\n", " ")
    assert contract in report, result.stdout
    assert len(broken_lines) >= 1


def _product_files() -> list[Path]:
    files = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts:
                continue  # declarative tables
            files.append(path)
    return files


def test_only_the_queue_model_calls_into_erlang() -> None:
    allowed = {ROOT / "wfm" / "domain" / "queue_model.py"}
    callers = []
    for path in _product_files():
        if path.is_relative_to(ROOT / "erlang") or path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            if any(name == "erlang" or name.startswith("erlang.") for name in names):
                callers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert callers == []


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    docstring = (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    first = body[1] if docstring and len(body) > 1 else body[0]
    assert node.end_lineno is not None
    return node.end_lineno - first.lineno + 1


def test_no_function_body_is_longer_than_100_lines() -> None:
    long = []
    for path in _product_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = _body_lines(node)
                if lines > MAX_BODY_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} {lines}")
    assert long == []


def test_the_body_measure_counts_what_it_should() -> None:
    source = '''
def short():
    """A docstring is not body."""
    a = 1
    return a


def signature_aside(
    first,
    second,
):
    return first
'''
    functions = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    assert [_body_lines(f) for f in functions] == [2, 1]
