"""Official warnings in CAP 1.2 (BMKG and others) turned into signed alerts for screen groups."""
