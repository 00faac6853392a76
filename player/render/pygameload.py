"""Import pygame for playing without the optional parts it pulls in that the player never uses."""

from __future__ import annotations

import contextlib
import sys
from types import ModuleType

# `import pygame` tries `pygame.surfarray` and `pygame.sndarray` (which import numpy) and
# `pygame.pkgdata` (which imports setuptools' pkg_resources); each falls back quietly when
# its import fails. The player draws through surfaces and ctypes, never numpy arrays, and
# finds its fonts by path. On the development machine these two cost ~160 ms of CPU of
# bare pygame's ~200 ms, before the first frame after a power cut (issue 32).
UNUSED_BY_PYGAME_PLAYER = ("numpy", "pkg_resources")


def import_pygame() -> ModuleType:
    """pygame, imported (the first time) with numpy and pkg_resources held back.

    Only for the process that plays: call it before anything imports pygame. Once pygame
    is in, the two import normally again for whoever asks; only `pygame.surfarray` and
    `pygame.sndarray` stay stand-ins that say they are missing. Already imported, pygame
    is returned as it is.
    """
    loaded = sys.modules.get("pygame")
    if loaded is not None:
        return loaded
    # None in sys.modules makes an import raise ImportError (the import system's own way
    # to block a module); only names nobody imported yet are held back, and only here.
    held = [name for name in UNUSED_BY_PYGAME_PLAYER if name not in sys.modules]
    for name in held:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import pygame

        # Older pygame (Debian's 2.1.2) imports pkgdata only when a font is loaded by
        # default name; imported here, it takes its own fallback instead of pkg_resources.
        with contextlib.suppress(ImportError):
            import pygame.pkgdata
    finally:
        for name in held:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return pygame
