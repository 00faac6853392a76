"""The Pi's own health: temperature, throttling, disk, SD card, network."""
