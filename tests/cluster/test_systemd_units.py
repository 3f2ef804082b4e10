"""The shipped systemd units (deploy/systemd/): systemd's own checker, then their commands.

The units are checked by `systemd-analyze verify` (syntax, known keys, an executable
ExecStart) with the install path pointed at this checkout's venv. No systemd runs as PID 1
here, so the commands are then run as the units would run them: ExecStart with the unit's
Environment, in its WorkingDirectory (a temporary one), stopped by its KillSignal sent to the
whole process group, within its TimeoutStopSec. Both backends.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.cluster.harness import cli, node_env, wait_ready
from tests.live_server import free_port

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
INSTALLED = "/opt/dailypapers/.venv"
VENV = str(Path(sys.executable).parent.parent)


def _service(name: str) -> dict[str, list[str]]:
    """The [Service] keys of a unit, each with its values in order."""
    keys: dict[str, list[str]] = {}
    section = ""
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            keys.setdefault(key, []).append(value.replace(INSTALLED, VENV))
    return keys


def _command(unit: dict[str, list[str]], **replace: str) -> list[str]:
    line = unit["ExecStart"][0].replace("%%", "%")  # systemd's escape for a literal %
    for old, new in replace.items():
        line = line.replace(old, new)
    return shlex.split(line)


def _environment(unit: dict[str, list[str]], base: dict[str, str]) -> dict[str, str]:
    pairs = (value.partition("=") for value in unit.get("Environment", []))
    return base | {key: value for key, _, value in pairs}


def _stop(process: subprocess.Popen[bytes], unit: dict[str, list[str]]) -> float:
    """Send the unit's KillSignal to the process group; seconds until it is gone."""
    number = getattr(signal, unit.get("KillSignal", ["SIGTERM"])[0])
    started = time.monotonic()
    os.killpg(process.pid, number)
    process.wait(timeout=float(unit.get("TimeoutStopSec", ["90"])[0]))
    return time.monotonic() - started


def test_systemd_analyze_verifies_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: apt-get install -y systemd"
    for unit in UNITS.iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALLED, VENV))
    files = sorted(str(path) for path in tmp_path.iterdir())
    assert len(files) == 4, files
    done = subprocess.run(
        [analyze, "verify", "--man=no", *files], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_web_and_worker_units_start_serve_and_stop_in_time(db_url: str, tmp_path: Path) -> None:
    env = node_env(db_url, tmp_path / "var", arxiv_fetch_schedule="off")
    cli(env, "db", "upgrade")
    web, worker = _service("dailypapers-web.service"), _service("dailypapers-worker.service")
    assert web["WorkingDirectory"] == worker["WorkingDirectory"] == ["/var/lib/dailypapers"]
    port = free_port()
    processes = {
        "web": subprocess.Popen(
            _command(web, **{"--port 8001": f"--port {port}"}),
            env=_environment(web, env),
            cwd=tmp_path,
            start_new_session=True,
        ),
        "worker": subprocess.Popen(
            _command(worker), env=_environment(worker, env), cwd=tmp_path, start_new_session=True
        ),
    }
    try:
        wait_ready(f"http://127.0.0.1:{port}", processes["web"])
        time.sleep(2)
        assert processes["worker"].poll() is None, "the worker exited"
        assert _stop(processes["web"], web) < 30
        assert _stop(processes["worker"], worker) < 30
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


def test_the_backup_unit_writes_a_dated_dump(db_url: str, tmp_path: Path) -> None:
    env = node_env(db_url, tmp_path / "var")
    cli(env, "db", "upgrade")
    unit = _service("dailypapers-backup.service")
    folder = tmp_path / "backups"
    folder.mkdir()
    command = _command(unit, **{"/var/backups/dailypapers": str(folder)})
    subprocess.run(command, env=_environment(unit, env), cwd=tmp_path, check=True)
    dumps = list(folder.glob("dailypapers-*Z.dump"))
    assert len(dumps) == 1 and dumps[0].stat().st_size > 0, dumps
