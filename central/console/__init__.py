"""The office web console's data: fleet, screen history, proof of play, content, alerts."""
