"""The disk spool: events the broker could not take yet, in append-only JSONL segments, replayed in order.

Each line is ``topic<TAB>key<TAB>value`` (the value is the event's JSON, which never holds a raw tab or newline).
The spool is bounded in bytes: ``append`` refuses beyond ``max_bytes`` and the caller counts the drop. A cursor file
remembers how far the oldest segment was delivered, so a restart resumes there; a line delivered just before a crash
may be sent twice, which the consumers absorb (they deduplicate by event id).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SpooledMessage = tuple[str, bytes, bytes]  # topic, key, value


@dataclass
class _Segment:
    path: Path
    size: int


class DiskSpool:
    """Append-only segments under ``folder``. Used by one thread (the bus's sender); not thread-safe."""

    def __init__(self, folder: Path, *, max_bytes: int, segment_bytes: int = 4_000_000) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.segment_bytes = min(segment_bytes, max_bytes)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._segments = [_Segment(p, p.stat().st_size) for p in sorted(self.folder.glob("*.jsonl"))]
        self._cursor_file = self.folder / "cursor"
        self._cursor = int(self._cursor_file.read_text() or 0) if self._cursor_file.exists() else 0

    @property
    def size(self) -> int:
        """Bytes on disk, including lines already delivered from the oldest segment."""
        return sum(s.size for s in self._segments)

    def __bool__(self) -> bool:
        """True while some message is still undelivered."""
        return bool(self._segments)

    def append(self, messages: list[SpooledMessage]) -> int:
        """Write messages at the end, in order; returns how many fitted (the rest must be counted as dropped)."""
        lines = [b"%s\t%s\t%s\n" % (topic.encode(), key, value) for topic, key, value in messages]
        room, taken = self.max_bytes - self.size, 0
        while taken < len(lines) and len(lines[taken]) <= room:
            room -= len(lines[taken])
            taken += 1
        if taken:
            self._write(lines[:taken])
        return taken

    def _write(self, lines: list[bytes]) -> None:
        while lines:
            if not self._segments or self._segments[-1].size >= self.segment_bytes:
                number = int(self._segments[-1].path.stem) + 1 if self._segments else 1
                self._segments.append(_Segment(self.folder / f"{number:012d}.jsonl", 0))
            segment, room, count = self._segments[-1], self.segment_bytes - self._segments[-1].size, 0
            while count < len(lines) and (count == 0 or len(lines[count]) <= room):
                room -= len(lines[count])
                count += 1
            data = b"".join(lines[:count])
            with segment.path.open("ab") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())  # a spooled event must survive the process: it is the only copy
            segment.size += len(data)
            lines = lines[count:]

    def peek(self, limit: int) -> list[tuple[SpooledMessage, int]]:
        """Up to ``limit`` of the oldest undelivered messages, each with the offset to ``commit`` once it is sent."""
        if not self:
            return []
        with self._segments[0].path.open("rb") as source:
            source.seek(self._cursor)
            raw = [source.readline() for _ in range(limit)]
        messages, offset = [], self._cursor
        for line in raw:
            if not line.endswith(b"\n"):
                break
            offset += len(line)
            topic, key, value = line.rstrip(b"\n").split(b"\t", 2)
            messages.append(((topic.decode(), key, value), offset))
        return messages

    def commit(self, offset: int) -> None:
        """Mark the oldest segment delivered up to ``offset``; a fully delivered segment is deleted."""
        self._cursor = offset
        segment = self._segments[0]
        if self._cursor >= segment.size:
            segment.path.unlink(missing_ok=True)
            self._segments.pop(0)
            self._cursor = 0
        self._cursor_file.write_text(str(self._cursor))
