"""A least-recently-used cache of pygame surfaces, bounded by the bytes they hold.

The board caches tile images and rendered strings so a frame only composes them. A count bound
is not enough: the message bar is a wide surface whose text changes with every selection, and a
soak run showed memory growing for as long as the board ran. A byte bound keeps it flat.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

import pygame


def surface_bytes(surf: pygame.Surface) -> int:
    return surf.get_width() * surf.get_height() * surf.get_bytesize()


class SurfaceCache:
    """``get`` marks an entry as recently used; ``put`` evicts the oldest past ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[Hashable, pygame.Surface] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> pygame.Surface | None:
        surf = self._items.get(key)
        if surf is not None:
            self._items.move_to_end(key)
        return surf

    def put(self, key: Hashable, surf: pygame.Surface) -> pygame.Surface:
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= surface_bytes(old)
        self._items[key] = surf
        self.bytes += surface_bytes(surf)
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, gone = self._items.popitem(last=False)
            self.bytes -= surface_bytes(gone)
        return surf
