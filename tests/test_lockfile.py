"""The lock files cover what pyproject.toml asks for, pin every package to one version with its
hashes, and agree with each other; `make install` and the image install from them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
DEV_LOCK = ROOT / "requirements-dev.lock"
LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s\\;]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")
REGENERATE = "run `make lock` to bring the lock files up to date"


def _entries(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of each requirement of a lock file (continuation lines joined)."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending += line.removesuffix("\\").strip() + " "
        if not line.endswith("\\"):
            logical.append(pending.strip())
            pending = ""
    assert pending == "", f"{path.name} ends inside a continued line"
    entries: dict[str, tuple[str, list[str]]] = {}
    for line in logical:
        match = PIN.match(line)
        assert match, f"{path.name}: not pinned with ==: {line[:80]}"
        name = canonicalize_name(match.group(1))
        assert name not in entries, f"{path.name} pins {name} twice"
        entries[name] = (match.group(3), HASH.findall(line))
    return entries


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements(*groups: str) -> list[Requirement]:
    """The requirements of pyproject: the project's own, the named extras and the build system's;
    the project's self-references (wfm[dask]) left out."""
    data = _pyproject()
    texts = list(data["project"]["dependencies"]) + list(data["build-system"]["requires"])
    for group in groups:
        texts += data["project"]["optional-dependencies"][group]
    own = canonicalize_name(data["project"]["name"])
    return [r for r in map(Requirement, texts) if canonicalize_name(r.name) != own]


@pytest.mark.parametrize(
    ("lock", "groups"), [(DEV_LOCK, ("dask", "dev")), (LOCK, ("dask",))], ids=["dev", "runtime"]
)
def test_the_lock_pins_every_dependency_of_pyproject_with_hashes(
    lock: Path, groups: tuple[str, ...]
) -> None:
    entries = _entries(lock)
    assert len(entries) > 20
    unhashed = sorted(name for name, (_, hashes) in entries.items() if not hashes)
    assert unhashed == [], f"{lock.name}: pinned without --hash: {unhashed}"
    for requirement in _requirements(*groups):
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{lock.name} has no {name}; {REGENERATE}"
        version = entries[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock.name} pins {name}=={version}, outside pyproject's {requirement}; {REGENERATE}"
        )
    for tool in ("pip", "setuptools", "wheel"):  # `make install` upgrades the venv's own tools
        assert tool in entries, f"{lock.name} does not lock {tool}"


def test_the_runtime_lock_is_the_dev_lock_s_subset() -> None:
    dev = {name: version for name, (version, _) in _entries(DEV_LOCK).items()}
    runtime = {name: version for name, (version, _) in _entries(LOCK).items()}
    assert runtime.items() <= dev.items(), {
        name: (version, dev.get(name))
        for name, version in runtime.items()
        if dev.get(name) != version
    }
    assert "pytest" in dev and "pytest" not in runtime


def test_the_lock_files_name_their_platform() -> None:
    for lock in (DEV_LOCK, LOCK):
        assert "CPython 3.11 on Linux x86_64" in lock.read_text().splitlines()[0]


def test_installs_go_through_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r $(DEV_LOCK)" in makefile
    assert "--no-deps --no-build-isolation -e ." in makefile
    assert "pip-audit --strict" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "--no-deps" in dockerfile
