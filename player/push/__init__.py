"""The MQTT link of a player: wake-ups, alerts, commands, status, proof-of-play upload."""
