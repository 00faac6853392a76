"""Running as a service: systemd, the status board and file, the control socket, logging, memory."""
