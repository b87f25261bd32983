"""``intermodal serve``: it prints its address, answers there, binds loopback, and refuses a busy port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from intermodal.services.cli import app

runner = CliRunner()


def test_serve_prints_its_address_and_answers_there(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "INTERMODAL_TOKENS_FILE": str(tmp_path / "t.json")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "intermodal", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    assert json.load(r)["status"] == "ok"
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_busy_port_is_bad_input() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert "--port" in result.output and "Traceback" not in result.output


def test_unknown_scenario_is_bad_input() -> None:
    result = runner.invoke(app, ["serve", "--scenario", "atlantis"])
    assert result.exit_code == 2 and "scenario" in result.output


def test_an_unknown_patch_is_bad_input_before_serving() -> None:
    result = runner.invoke(app, ["serve", "--port", "0", "--patch", "no-such-patch"])
    assert result.exit_code == 2
    assert "[--patch]: no such patch" in result.stderr and "Traceback" not in result.output
