"""One module per `videotron` command: its summary, options and exit codes beside its handler.

Each module declares `SUMMARY`, `DETAILS`, `EXIT_NOTE`, `CONFIG` (which file --config names:
`options.PLAYER`, `options.OFFICE` or None), `add_arguments(parser)` and `run(args)`; it
imports what the command needs only inside `run`, so `videotron --help` stays fast and a
missing optional part breaks only the commands that use it. `videotron/cli.py` assembles them.
"""
