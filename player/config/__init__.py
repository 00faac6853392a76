"""Player configuration: typed model, schema, YAML loader and live watcher."""
