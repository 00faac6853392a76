"""The one `videotron` command: the CLI and the demo that join the player and the office side."""
