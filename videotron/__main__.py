"""Allow `python -m videotron`."""

import sys

from videotron.cli import main

sys.exit(main())
