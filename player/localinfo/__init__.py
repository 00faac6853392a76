"""Public information a screen shows that it computes or is sent: prayer times, Hijri date."""
