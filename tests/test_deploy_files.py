"""The files in deploy/: the image's install script really installs a working bot, the systemd
unit passes `systemd-analyze verify`, and compose and Caddy describe the documented shapes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.http_limits import MAX_BODY_BYTES

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _run(*command: str | Path, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=timeout, env=env)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]  # type: ignore[misc]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """deploy/install.sh run the way the Dockerfile runs it, into a fresh venv."""
    folder = tmp_path_factory.mktemp("image")
    result = _run("sh", DEPLOY / "install.sh", ROOT, folder / "venv", folder / "state", "65532",
                  env={**os.environ, "PYTHON": sys.executable})
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


def test_every_build_step_of_the_image_is_the_install_script(installed: Path) -> None:
    steps = _dockerfile_instructions()
    assert steps[0][0] == "FROM"
    runs = [argument for instruction, argument in steps if instruction == "RUN"]
    assert runs == ["/src/deploy/install.sh /src /opt/outcomebot /var/lib/outcomebot 65532 && rm -rf /src"]
    cmd = next(argument for instruction, argument in steps if instruction == "CMD")
    assert cmd.startswith('["/opt/outcomebot/bin/outcomebot", "serve"')
    assert ("USER", "65532:65532") in steps
    state = installed / "state"
    assert state.is_dir()
    if os.geteuid() == 0:
        assert state.stat().st_uid == 65532


def test_the_installed_bot_initialises_a_database_and_serves(installed: Path, tmp_path: Path) -> None:
    bot = installed / "venv" / "bin" / "outcomebot"
    config = tmp_path / "app.yaml"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "TEAMS_", "OUTCOMEBOT_"))}
    env.pop("PYTHONPATH", None)  # only what the venv holds
    env["OUTCOMEBOT_CONFIG"] = str(config)
    result = _run(bot, "init", env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert _run(bot, "db", "upgrade", env=env, timeout=120).returncode == 0
    assert "--host" in _run(bot, "serve", "--help", env=env, timeout=120).stdout
    doctor = _run(bot, "doctor", env=env, timeout=120)
    assert doctor.returncode == 1 and "PROBLEM  people" in doctor.stdout  # the doctor ships too
    assert (tmp_path / "outcomebot.db").exists()


def test_the_systemd_unit_is_hardened_and_passes_systemd_analyze(installed: Path, tmp_path: Path) -> None:
    unit = (DEPLOY / "outcomebot.service").read_text(encoding="utf-8")
    settings = re.findall(r"^(\w+)=(.*)$", unit, flags=re.MULTILINE)
    values = {key: value for key, value in settings}
    assert values["ProtectSystem"] == "strict" and values["StateDirectory"] == "outcomebot"
    assert values["Restart"] == "on-failure" and values["DynamicUser"] == "yes" and values["User"] == "outcomebot"
    assert values["ExecStartPre"] == "/opt/outcomebot/bin/outcomebot db upgrade"
    assert values["ExecStart"].startswith("/opt/outcomebot/bin/outcomebot serve")
    assert int(values["TimeoutStopSec"]) > 20  # longer than the default shutdown grace period
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd) — the unit was checked as text only")
    local = tmp_path / "outcomebot.service"
    local.write_text(unit.replace("/opt/outcomebot", str(installed / "venv")), encoding="utf-8")
    result = _run(analyze, "verify", local, timeout=120)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_compose_runs_postgresql_a_migration_and_two_replicas_behind_caddy() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["migrate"]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert services["migrate"]["command"][-2:] == ["db", "upgrade"]
    bot = services["bot"]
    assert bot["deploy"]["replicas"] == 2
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert bot["environment"]["OUTCOMEBOT_DATABASE_URL"].startswith("postgresql://")
    assert "/readyz" in " ".join(bot["healthcheck"]["test"])
    grace = int(bot["stop_grace_period"].rstrip("s"))
    assert grace > 20
    assert "./Caddyfile.replicas:/etc/caddy/Caddyfile:ro" in services["caddy"]["volumes"]
    for name in ("Caddyfile.replicas", "env.example"):
        assert (DEPLOY / name).exists()


@pytest.mark.parametrize("name", ["Caddyfile", "Caddyfile.replicas"])
def test_the_proxy_passes_the_bots_endpoints_with_the_servers_limits(name: str) -> None:
    caddyfile = (DEPLOY / name).read_text(encoding="utf-8")
    routed = re.search(r"@bot path (.+)", caddyfile).group(1).split()
    assert {"/slack/events", "/api/messages", "/healthz", "/dash/*", "/api/v1/*"} <= set(routed)
    assert "/metrics" not in routed  # scraped on the private port only
    assert f"max_size {MAX_BODY_BYTES // 1024}KiB" in caddyfile and "response_header_timeout 30s" in caddyfile


def test_the_nginx_example_passes_the_same_endpoints_with_the_same_limits() -> None:
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    locations = re.findall(r"^\s*location (.+?) \{", nginx, flags=re.MULTILINE)
    webhooks = next(location for location in locations if "slack/events" in location)
    assert all(name in webhooks for name in ("slack/events", "api/messages", "healthz", "readyz"))
    assert {"/dash/", "/api/v1/", "/"} <= set(locations) and "metrics" not in " ".join(locations)
    assert f"client_max_body_size {MAX_BODY_BYTES // 1024}k;" in nginx and nginx.count("proxy_read_timeout 30s;") == 3


def test_the_nightly_backup_timer_runs_outcomebot_backup_and_passes_systemd_analyze(installed: Path,
                                                                                  tmp_path: Path) -> None:
    service = (DEPLOY / "outcomebot-backup.service").read_text(encoding="utf-8")
    assert "outcomebot backup --force" in service and "StateDirectory=outcomebot" in service
    assert "OnCalendar=" in (DEPLOY / "outcomebot-backup.timer").read_text(encoding="utf-8")
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd) — the units were checked as text only")
    (tmp_path / "outcomebot-backup.service").write_text(service.replace("/opt/outcomebot", str(installed / "venv")),
                                                        encoding="utf-8")
    shutil.copy(DEPLOY / "outcomebot-backup.timer", tmp_path)
    result = _run(analyze, "verify", tmp_path / "outcomebot-backup.service", tmp_path / "outcomebot-backup.timer",
                  timeout=120)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
