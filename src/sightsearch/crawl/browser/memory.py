"""The browser's footprint: the processes a ChromeDriver started, read from /proc (Linux, no extra dependency).

Chromium runs as a tree (browser, GPU, network, one renderer per site...) under the driver. What a leak grows is
each process's private resident memory (``/proc/PID/statm`` resident minus shared pages: the anonymous heap).
Plain RSS would count Chromium's shared libraries once per process (~900 MB for an idle session, against ~200 MB
private), and PSS (``smaps_rollup``) costs ~150 ms per read: too slow to check after every page.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_PROC = Path("/proc")


def _parents() -> dict[int, int]:
    """Every visible process id mapped to its parent's."""
    parents: dict[int, int] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        # The command name may hold spaces and parentheses: the fields after its last ")" are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants that are alive now."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    tree, stack = [], [root]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack.extend(children.get(pid, ()))
    return tree


def private_memory_bytes(pids: list[int]) -> int:
    """The summed private resident memory of ``pids`` (processes already gone count as 0)."""
    total = 0
    for pid in pids:
        try:
            fields = (_PROC / str(pid) / "statm").read_text().split()
            total += (int(fields[1]) - int(fields[2])) * _PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return total


def kill_tree(pids: list[int]) -> None:
    """SIGKILL the given processes (a session's own tree, after ``quit`` failed or left orphans)."""
    for pid in reversed(pids):  # children first, so none is re-parented half way
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
