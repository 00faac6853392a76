"""Run every benchmark and print one table: `python -m bench [--quick|--smoke] [--only NAME]`."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

MODULES = (
    "bench.bench_manifest",
    "bench.bench_schedule",
    "bench.bench_sync",
    "bench.bench_cache",
    "bench.bench_render",
    "bench.bench_decode",
    "bench.bench_text",
    "bench.bench_dim",
    "bench.bench_push",
    "bench.bench_cap",
    "bench.bench_collector",
    "bench.bench_fleet",
    "bench.bench_console",
    "bench.bench_upload",
    "bench.bench_approve",
    "bench.bench_app",
    "bench.bench_start",
)


def machine_line() -> str:
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor() or "unknown cpu"

    return (
        f"{platform.machine()} {model}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )


def format_table(rows: list[dict]) -> str:
    header = ("benchmark", "value", "unit", "goal", "ok")
    lines = [
        tuple(str(row.get(key, "")) for key in ("name", "value", "unit", "goal")) for row in rows
    ]
    lines = [
        (*line, "yes" if row.get("ok") else "NO") for line, row in zip(lines, rows, strict=True)
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer runs")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="smallest inputs, seconds per benchmark: checks that each one runs; its figures "
        "mean nothing and no goal is judged (the exit code says only whether one failed)",
    )
    parser.add_argument("--only", action="append", help="run only modules containing NAME")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    args = parser.parse_args(argv)
    rows: list[dict] = []
    for name in MODULES:
        if args.only and not any(part in name for part in args.only):
            continue
        started = time.monotonic()
        try:
            module = importlib.import_module(name)
            module_rows = (
                module.run(quick=args.quick, smoke=True)
                if args.smoke
                else (module.run(quick=args.quick))
            )
        except Exception as exc:  # one broken bench must not hide the others
            if args.smoke:
                traceback.print_exc()
            module_rows = [
                {"name": name, "value": f"error: {exc}", "unit": "", "goal": "", "ok": False}
            ]
        print(f"# {name}: {time.monotonic() - started:.1f} s", file=sys.stderr)
        rows += module_rows
    print(f"machine: {machine_line()}")
    print(format_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))
    if args.smoke:
        return 1 if any(is_error(row) for row in rows) else 0
    return 0 if all(row.get("ok") for row in rows) else 1


def is_error(row: dict) -> bool:
    """A row saying the benchmark could not measure (it failed, or a part was missing)."""
    value = str(row.get("value", ""))
    return value.startswith(("error:", "not run:"))


if __name__ == "__main__":
    sys.exit(main())
