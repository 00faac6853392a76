"""The office side: publishing signed content, keys, notices and alerts, and the collector."""
