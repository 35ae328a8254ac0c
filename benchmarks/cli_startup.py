"""How long `outcomebot --help` and `outcomebot status` take from a cold process start.

    python benchmarks/cli_startup.py [--runs 7]

Runs each command `--runs` times as a fresh process (`python -m bot …`, the same as the
`outcomebot` script) in a temporary folder set up with `outcomebot init`, and prints one
figure per line: `cli.<command>.<figure>_ms <value>` (min and median wall time, median CPU
time) and `os.load_1min` (a busy machine makes every figure longer). Targets:
`--help` under 300 ms, `status` under 600 ms; the Slack and Teams SDKs are imported only by
the commands that use them, and `status` on the embedded SQLite file reads it without
SQLAlchemy (`cli.<command>.heavy_imports` lists any that slipped in).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("slack_sdk", "slack_bolt", "botbuilder", "aiohttp", "alembic", "jinja2", "sqlalchemy", "sqlmodel")
COMMANDS = {"help": ["--help"], "status": ["status"]}


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run, in ms. On a busy machine the CPU time
    is the steadier figure: waiting for a core does not count in it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, check=True, capture_output=True)
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def heavy_imports(args: list[str], cwd: Path, env: dict[str, str]) -> list[str]:
    """Top-level packages from HEAVY that the command imported (from `python -X importtime`)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, check=True)
    names = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    return sorted(name for name in HEAVY if name in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OUTCOMEBOT_", "SLACK_", "TEAMS_"))}
    env["PYTHONPATH"] = str(ROOT)
    print(f"os.load_1min {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        subprocess.run([sys.executable, "-m", "bot", "init"], cwd=cwd, env=env, check=True, capture_output=True)
        for name, args in COMMANDS.items():
            timed(args, cwd, env)  # warm the file cache and bytecode
            figures = [timed(args, cwd, env) for _ in range(runs)]
            walls, cpus = [wall for wall, _ in figures], [cpu for _, cpu in figures]
            print(f"cli.{name}.min_ms {min(walls):.0f}")
            print(f"cli.{name}.median_ms {statistics.median(walls):.0f}")
            print(f"cli.{name}.cpu_median_ms {statistics.median(cpus):.0f}")
            print(f"cli.{name}.heavy_imports {','.join(heavy_imports(args, cwd, env)) or 'none'}")


if __name__ == "__main__":
    main()
