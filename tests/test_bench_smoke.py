"""Every benchmark still runs: each one in its smoke form (smallest inputs, no goal judged)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import MODULES

ROOT = Path(__file__).resolve().parents[1]


def test_every_benchmark_module_is_run_by_python_m_bench():
    on_disk = {f"bench.{path.stem}" for path in (ROOT / "bench").glob("bench_*.py")}
    assert on_disk == set(MODULES), "list each bench/bench_*.py in bench/__main__.py MODULES"


@pytest.mark.parametrize("module", MODULES)
def test_the_benchmark_runs_in_smoke_form(module, tmp_path):
    out = tmp_path / "rows.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", module, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=270,  # within the suite's per-test timeout; a smoke run takes seconds
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        },
        check=False,
    )
    assert result.returncode == 0, f"{module}:\n{result.stdout}\n{result.stderr[-4000:]}"
    rows = json.loads(out.read_text())
    assert rows, f"{module} measured nothing"
    assert all(row["name"] and "value" in row for row in rows), rows
