"""`videotron --help` and its subcommands: what each does, its defaults and exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from videotron.cli import COMMANDS, build_parser, command_module, named_command


def _subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_subcommand_says_what_it_does_and_what_its_exit_codes_mean(name):
    text = _subparsers()[name].format_help()
    description = text.split("\n\n")[1]
    assert description[0].isupper() and description.rstrip().endswith(".")
    note = command_module(name).EXIT_NOTE
    assert f"exit status: {note}" in text
    assert note.startswith("0 ")


def test_only_commands_that_read_a_config_offer_one_and_name_the_right_file():
    parsers = _subparsers()
    assert "--config" not in parsers["keygen"].format_help()
    for name in ("notify", "alert", "publish"):  # publish: where its history is recorded
        assert "central.yaml" in parsers[name].format_help()
    for name in ("run", "status", "sync", "check-config", "schedule", "screenshot"):
        assert "/etc/videotron/player.yaml" in parsers[name].format_help()


def test_defaults_are_shown_and_placeholders_are_consistent():
    parsers = _subparsers()
    assert "(default: 2.0)" in parsers["schedule"].format_help()
    assert "(default: 5.0)" in parsers["screenshot"].format_help()
    assert "(default: demo-out)" in parsers["demo"].format_help()
    assert "(default: emergency)" in parsers["alert"].format_help()
    for name, sub in parsers.items():
        usage = sub.format_usage()
        for odd in ("SCREENSHOT_DIR", "FRAME_LOG", " OUT", "KEYFILE_PATH"):
            assert odd not in usage, f"{name}: {usage}"


def _videotron(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "videotron", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_unknown_log_level_is_refused_naming_the_levels(tmp_path):
    done = _videotron("--log-level", "verbose", "status")
    assert done.returncode == 2
    assert "unknown log level 'verbose'; use one of DEBUG, INFO, WARNING, ERROR" in done.stderr
    done = _videotron("check-config", str(tmp_path / "none.yaml"), "--log-level", "loud")
    assert done.returncode == 2 and "unknown log level 'loud'" in done.stderr


def test_publish_needs_a_key_or_an_explicit_unsigned(tmp_path):
    done = _videotron("publish", str(tmp_path / "p.yaml"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "one of the arguments --key --unsigned is required" in done.stderr
    assert "(--key KEYFILE | --unsigned)" in done.stderr


def test_office_commands_without_the_office_packages_say_how_to_get_them(tmp_path):
    # A screen's install has no SQLAlchemy; stand in for that with a package that is absent.
    hidden = tmp_path / "hide"
    (hidden / "sqlalchemy").mkdir(parents=True)
    (hidden / "sqlalchemy" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'sqlalchemy'\", name='sqlalchemy')\n"
    )
    import os

    env = {**os.environ, "PYTHONPATH": str(hidden)}
    done = subprocess.run(
        [sys.executable, "-m", "videotron", "report", "fleet"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "pip install 'videotron-player[office]'" in done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "p.yaml", "run", "--headless", "--frame-log", "f.jsonl"],
        ["--conf=run", "--log-level", "warn", "status", "--config", "q.yaml"],
        ["sync", "--once"],
        ["schedule"],
    ],
)
def test_a_command_line_parses_alike_with_its_own_subparser_alone(argv):
    # `videotron run` builds only its own subparser (issue 32): the same arguments result.
    assert build_parser(named_command(argv)).parse_args(argv) == build_parser().parse_args(argv)


def test_help_and_unknown_commands_get_every_command():
    for argv in (["-h", "run"], ["run", "--help"], [], ["bogus"], ["--config"]):
        assert named_command(argv) is None, argv
    assert named_command(["--config", "run", "status"]) == "status"
