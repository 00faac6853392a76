"""The office sends through one path: only central/broker.py publishes to the broker.

Seal-and-publish was once written three times (the CLI, the console, cap-watch), each
with its own target and error. The one exception is the collector's acknowledgement of
proof of play: it goes out on the collector's own persistent session, from the thread
that just committed the plays, so it cannot be a separate connect-publish-disconnect.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEND_PATH = "central/broker.py"
# (module, why it may publish by itself)
ALLOWED = {
    SEND_PATH: "the one send path",
    "central/collector/ingest.py": "pop/ack on the collector's persistent MQTT session",
}
PAHO_CLIENT = ("paho.mqtt.client", "paho.mqtt.publish")


def office_modules() -> list[Path]:
    """Every module of the office side and of the command line."""
    return sorted(p for package in ("central", "videotron") for p in (ROOT / package).rglob("*.py"))


def publishers(tree: ast.AST) -> list[str]:
    """What in a module can put a message on a broker: paho imports, make_client calls,
    and `.publish(` calls, each as `line: what`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names
                      if a.name.startswith(PAHO_CLIENT)]  # fmt: skip
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {a.name for a in node.names}
            if module.startswith(PAHO_CLIENT) or (
                module == "paho.mqtt" and names & {"client", "publish"}
            ):
                found.append(f"{node.lineno}: from {module} import {', '.join(sorted(names))}")
            if module == "player.wire.broker" and "make_client" in names:
                found.append(f"{node.lineno}: from player.wire.broker import make_client")
        elif _publishing_call(node):
            found.append(f"{node.lineno}: .{node.func.attr}(...)")
    return found


def _publishing_call(node: ast.AST) -> bool:
    """`x.publish(...)`, `x.make_client(...)`, paho's `publish.single/multiple(...)`; not
    `broker.publish(...)`, the send path itself called through its module."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    receiver = node.func.value
    if isinstance(receiver, ast.Name) and receiver.id == "broker":
        return False
    return node.func.attr in ("publish", "make_client", "single", "multiple")


def ack_topics_only(tree: ast.AST) -> list[str]:
    """The collector's publishes whose topic is not `pop_ack_topic(...)`, as `line: call`."""
    strays = []
    for node in ast.walk(tree):
        if _publishing_call(node) and node.func.attr == "publish":
            topic = node.args[0] if node.args else None
            named = isinstance(topic, ast.Call) and getattr(topic.func, "id", "") == "pop_ack_topic"
            if not named:
                strays.append(f"{node.lineno}: {ast.unparse(node)[:80]}")
    return strays


def test_only_the_send_path_and_the_collectors_acks_publish_to_the_broker():
    strays = {}
    for path in office_modules():
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED:
            continue
        found = publishers(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            strays[name] = found
    assert strays == {}, (
        f"these office modules publish by themselves; send through {SEND_PATH} instead: {strays}"
    )


def test_the_collector_publishes_nothing_but_proof_of_play_acks():
    tree = ast.parse((ROOT / "central/collector/ingest.py").read_text(encoding="utf-8"))
    assert ack_topics_only(tree) == []


def test_the_allowed_modules_still_publish():
    # An exception that no longer applies is a hole for the next copy: remove it.
    for name in ALLOWED:
        found = publishers(ast.parse((ROOT / name).read_text(encoding="utf-8")))
        assert any(".publish(" in f for f in found), f"{name} no longer publishes"


def test_the_check_finds_a_second_send_path():
    for body in (
        "import paho.mqtt.client as mqtt\n",
        "from paho.mqtt import publish\npublish.single('t', b'x')\n",
        "from player.wire.broker import make_client\n",
        "def send(client):\n    client.publish('t', b'x', qos=1)\n",
    ):
        assert publishers(ast.parse(body)), body
    assert publishers(ast.parse("from paho.mqtt.properties import Properties\n")) == []
    assert publishers(ast.parse("from central import broker\nbroker.publish(t, 't', b'')\n")) == []
    assert ack_topics_only(ast.parse("c.publish(pop_ack_topic(p, i), b)\n")) == []
    assert ack_topics_only(ast.parse("c.publish(f'{p}/g/alert', b)\n")) != []
