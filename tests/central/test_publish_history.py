"""`videotron publish` lands in the office's publish history, or says why it did not."""

from __future__ import annotations

import datetime as dt
import getpass
import socket

from central.console.pages.content import attach_history
from central.db.database import open_engine, upgrade
from central.db.publishlog import publish_history, record_publish
from tests.fixtures.content import write_key
from tests.fixtures.media import make_image
from videotron.cli import main

NOW = dt.datetime(2026, 12, 7, 2, 0)


def cli_publish(tmp_path, config, capsys) -> tuple[int, str, str]:
    key, _ = write_key(tmp_path / "keys" / "publisher.key")
    image = make_image(tmp_path / "poster.png", size=(64, 36), color=(0, 120, 0))
    authoring = tmp_path / "playlist.yaml"
    authoring.write_text(
        f"group: A\nplaylists:\n- name: main\n  items:\n"
        f"  - {{id: poster, type: image, file: {image}, duration: 5}}\n",
        encoding="utf-8",
    )
    code = main(["publish", str(authoring), "--out", str(tmp_path / "site" / "A"),
                 "--key", str(key), "--config", str(config)])  # fmt: skip
    out, err = capsys.readouterr()
    return code, out, err


def test_a_command_line_publish_is_recorded_with_its_user_and_host(tmp_path, capsys):
    database = tmp_path / "central.sqlite3"
    config = tmp_path / "central.yaml"
    config.write_text(f"collector:\n  database: sqlite:///{database}\n", encoding="utf-8")

    # No database yet (no collector or console ran here): published all the same, and said.
    code, out, err = cli_publish(tmp_path, config, capsys)
    assert code == 0, err
    assert "published A sequence" in out
    assert (
        f"not recorded in the office's publish history: no database at sqlite:///{database}" in out
    )
    assert not database.exists()  # publishing made no database of its own

    engine = open_engine(f"sqlite:///{database}")
    upgrade(engine)
    code, out, err = cli_publish(tmp_path, config, capsys)
    assert code == 0, err
    user, host = getpass.getuser(), socket.gethostname()
    assert (
        f"recorded in the office's publish history (sqlite:///{database}) as {user}@{host}" in out
    )
    sequence = int(out.split("sequence ")[1].split()[0])
    with engine.begin() as connection:
        rows = publish_history(connection, group="A")
    engine.dispose()
    assert [(r["source"], r["actor"], r["user"], r["host"], r["sequence"]) for r in rows] == [
        ("command line", f"command line ({user})", user, host, sequence)
    ]


def test_a_command_line_publish_without_central_yaml_says_it_was_not_recorded(tmp_path, capsys):
    code, out, err = cli_publish(tmp_path, tmp_path / "missing.yaml", capsys)
    assert code == 0, err
    assert "not recorded in the office's publish history" in out and "--config" in out


def test_each_group_shows_the_record_of_the_publish_its_folder_holds(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    upgrade(engine)
    with engine.begin() as connection:
        record_publish(connection, group="A", sequence=7, source="console", actor="ana",
                       now=NOW, submission=3)  # fmt: skip
        record_publish(connection, group="A", sequence=8, source="command line",
                       actor="command line (ops)", now=NOW + dt.timedelta(minutes=1),
                       user="ops", host="kantor")  # fmt: skip
        history = publish_history(connection)
    engine.dispose()
    groups = [{"group": "A", "sequence": 7}, {"group": "B", "sequence": 8}]
    attach_history(groups, history)
    assert [r["sequence"] for r in groups[0]["history"]] == [8, 7]
    assert (groups[0]["origin"]["actor"], groups[0]["origin"]["submission"]) == ("ana", 3)
    assert (groups[1]["history"], groups[1]["origin"]) == ([], None)  # published by hand
