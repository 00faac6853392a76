"""The content workflow: the media library, playlists, submissions and their approval."""
