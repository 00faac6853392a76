"""The LED wall's brightness: its plan by time, sun and sensor, and the sending card."""
