"""Line and column of a character index, for editors and CI logs (1-based, like compilers)."""

from __future__ import annotations

import re
from bisect import bisect_right

_NEWLINE = re.compile("\n")


class LineIndex:
    """Start offsets of every line of one text, computed once."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def position(self, index: int) -> tuple[int, int]:
        """(line, column) of ``index``."""
        line = bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1
