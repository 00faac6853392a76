"""Sync: sources (HTTP, folder), downloader, manifest store and the sync loop."""
