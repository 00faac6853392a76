"""The console starts and serves whatever other packages its Python can see.

uvicorn's automatic choices import any websockets, httptools or uvloop on the path; a
system package of another version (Debian's python3-websockets 10) would stop the console
at its start. Here incompatible stand-ins come first on PYTHONPATH, as such a system
package would, and the real console still serves its login page.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.fixtures.console import ConsoleProcess

ROOT = Path(__file__).resolve().parents[3]

# Importable, but not what uvicorn's automatic choices need: websockets as Debian's 10.x
# (no ServerProtocol), httptools and uvloop without their parsers and loops.
STAND_INS = {
    "websockets/__init__.py": '__version__ = "10.4"\n',
    "websockets/datastructures.py": "class Headers: ...\n",
    "websockets/exceptions.py": "class InvalidState(Exception): ...\n",
    "websockets/extensions/__init__.py": "",
    "websockets/extensions/permessage_deflate.py": "class ServerPerMessageDeflateFactory: ...\n",
    "websockets/frames.py": "class Frame: ...\nclass Opcode: ...\n",
    "websockets/http11.py": "class Request: ...\nclass Response: ...\n",
    "websockets/server.py": "class ServerConnection: ...  # 10.x: no ServerProtocol yet\n",
    "httptools/__init__.py": '__version__ = "0.1.0"\n',
    "uvloop/__init__.py": '__version__ = "0.1.0"\n',
}


def stand_ins(folder: Path) -> dict[str, str]:
    """The stand-ins written into `folder`, and an environment that puts it first."""
    for name, text in STAND_INS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def test_the_console_serves_beside_an_incompatible_websockets(tmp_path):
    env = stand_ins(tmp_path / "site")
    # The stand-in is the fault: uvicorn's automatic WebSocket choice fails on it.
    automatic = subprocess.run(
        [sys.executable, "-c", "import uvicorn.protocols.websockets.auto"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert automatic.returncode != 0
    assert "cannot import name 'ServerProtocol'" in automatic.stderr, automatic.stderr

    console = ConsoleProcess(
        tmp_path / "console", f"collector:\n  database: sqlite:///{tmp_path / 'c.sqlite3'}\n"
    )
    console.start(env=env)
    try:
        answer = requests.get(console.url + "/login", timeout=10)
        assert answer.status_code == 200 and "<form" in answer.text
        assert console.proc is not None and console.proc.poll() is None, console.tail()
    finally:
        console.stop()
    assert "Traceback" not in console.tail(), console.tail()


def test_uvicorn_is_started_in_one_place_with_its_protocols_named():
    starts = []
    for path in sorted([*ROOT.glob("central/**/*.py"), *ROOT.glob("videotron/**/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "uvicorn"
                and node.attr in ("run", "Config", "Server")
            ):
                starts.append(f"{path.relative_to(ROOT)}:{node.attr}")
    assert starts == ["central/console/cli.py:Server", "central/console/cli.py:Config"], starts
    from central.console.cli import SERVER_PROTOCOLS

    assert SERVER_PROTOCOLS["ws"] == "none"
    assert "auto" not in SERVER_PROTOCOLS.values()
