"""Tests of the console's data functions."""
