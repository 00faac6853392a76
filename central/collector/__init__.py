"""The collector: MQTT ingest of what the screens report, and `videotron collect` and `report`."""
