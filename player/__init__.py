"""Videotron player: an offline-first signage player for LED billboards."""

__version__ = "0.1.0"
