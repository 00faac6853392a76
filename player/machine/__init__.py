"""The screen controller's own health: temperature, throttling, disk, SD card, network."""
