"""Read a py-spy ``--format raw`` profile (collapsed stacks) and list the hot functions.

*Self*: samples where the function itself was running. *Total*: samples where it was
anywhere on the stack. Only Tableside's serving processes are sampled (py-spy skips idle
threads), so the percentages are shares of the server's busy time.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]+)(?::\d+)?\)$")


def _short(frame: str) -> str:
    """``func (path/to/site-packages/pkg/mod.py:12)`` -> ``func (pkg/mod.py)``."""
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['func']} ({path})"


def summarize(path: Path, top: int = 40) -> str:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if "(" in f and not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread ")]
        if not frames:
            continue
        samples += count
        names = [_short(f) for f in frames]
        own[names[-1]] += count
        for name in set(names):
            total[name] += count
    lines = [f"{samples} samples from {path.name}", "", "self %  function"]
    lines += [f"{100 * c / samples:6.1f}  {name}" for name, c in own.most_common(top)]
    lines += ["", "total %  function (Tableside's own code)"]
    ours = [(n, c) for n, c in total.most_common() if "tableside/" in n]
    lines += [f"{100 * c / samples:7.1f}  {name}" for name, c in ours[:top]]
    lines += ["", "total %  function (everything)"]
    lines += [f"{100 * c / samples:7.1f}  {name}" for name, c in total.most_common(top)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1])))
