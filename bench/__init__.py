"""Benchmarks: each module's run(quick) returns rows of measured values and goals."""
