"""The office side: publishing signed content, keys, manifest notices and alerts."""
