"""The Pi's own health (the computer behind the wall): temperature, throttling, disk, SD card, network."""
