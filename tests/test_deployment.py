"""The compose stack as shipped: secrets only from the uncommitted .env, the API and the dashboard
published on the loopback address alone, PostgreSQL and Dask's dashboard not published, the wfm
processes not root; and the deployment guide says how to put TLS in front."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
LOOPBACK = {"127.0.0.1", "::1", "[::1]", "localhost"}
PUBLISHED = {"api": {8000}, "dashboard": {8501}}  # container ports, per service
VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def _interpolate(value: str) -> str:
    """Compose's ${VAR:-default} with no environment: the default; ${VAR:?message}: <VAR>."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.groups()
        if op in (":-", "-"):
            return rest
        return f"<{name}>" if op in (":?", "?") else ""

    return VARIABLE.sub(one, value)


def _services() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _published(port: Any) -> tuple[str, int | None, int]:
    """(host address, host port, container port) of one `ports` entry, after interpolation."""
    if isinstance(port, dict):
        host = _interpolate(str(port.get("host_ip", "")))
        published = port.get("published")
        return host, int(_interpolate(str(published))) if published else None, int(port["target"])
    parts = _interpolate(str(port)).split("/")[0].rsplit(":", 2)
    if len(parts) == 3:
        return parts[0], int(parts[1]), int(parts[2])
    if len(parts) == 2:
        return "", int(parts[0]), int(parts[1])  # no address: every address of the host
    return "", None, int(parts[0])


def test_no_secret_is_written_in_the_compose_file() -> None:
    for name, service in _services().items():
        for key, raw in _environment(service).items():
            if any(word in key.upper() for word in ("PASSWORD", "SECRET", "TOKEN")):
                assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", raw), (name, key, raw)
            url = re.match(r"^\w[\w+.-]*://([^/@]*)@", raw)
            if url and ":" in url.group(1):
                password = url.group(1).split(":", 1)[1]
                assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", password), (name, key, raw)
    assert "POSTGRES_PASSWORD" in (ROOT / ".env.example").read_text()


def test_the_env_file_is_not_committed_and_its_template_holds_no_password() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, ".env must be ignored by git"
    tracked = subprocess.run(
        ["git", "ls-files", ".env"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert tracked.stdout.strip() == ""
    template = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert template["POSTGRES_PASSWORD"] == ""
    assert "0.0.0.0" not in "".join(template.values())
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


def test_only_the_api_and_the_dashboard_are_published_and_on_the_loopback_address() -> None:
    for name, service in _services().items():
        ports = [_published(p) for p in service.get("ports") or []]
        for host, _, target in ports:
            assert host in LOOPBACK, f"{name} publishes port {target} on {host or 'every address'}"
        assert {target for _, _, target in ports} == PUBLISHED.get(name, set()), name
        assert service.get("network_mode") != "host", name


def test_the_wfm_processes_do_not_run_as_root() -> None:
    users = [
        line.split(None, 1)[1].strip()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("USER ")
    ]
    assert users, "the Dockerfile sets no USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    for name, service in _services().items():
        user = str(service.get("user", "")).split(":")[0]
        assert user not in ("root", "0"), name
        uses_image = "build" in service or str(service.get("image", "")).startswith("wfm")
        if uses_image:
            assert "ALL" in (service.get("cap_drop") or []), name


def test_the_guide_says_how_to_put_tls_in_front() -> None:
    guide = (ROOT / "docs" / "deployment.md").read_text()
    assert "TLS" in guide and "reverse proxy" in guide
    assert "X-Forwarded-For" in guide and "FORWARDED_ALLOW_IPS" in guide


def test_docker_compose_reads_the_file_as_we_do() -> None:
    docker = shutil.which("docker")
    probe = (
        subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if docker
        else None
    )
    if probe is None or probe.returncode != 0:
        pytest.skip("docker compose is not installed")
    assert docker is not None
    missing = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "POSTGRES_PASSWORD": "example"},
    )
    services = yaml.safe_load(result.stdout)["services"]
    for name, service in services.items():
        for port in service.get("ports") or []:
            assert port.get("host_ip") in LOOPBACK, (name, port)
