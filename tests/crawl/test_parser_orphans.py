"""Parser processes do not outlive their owner: a crawl process killed before it can shut its pool down (SIGKILL,
the OOM killer) leaves no parser, and so no fork server, behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

OWNER = textwrap.dedent("""
    import os, signal
    from sightsearch.crawl import parsing

    if __name__ == "__main__":
        parsing.warm_up(1)
        for future in parsing._warming:
            future.result(timeout=60)
        print(" ".join(str(pid) for pid in parsing.parse_pool(1)._processes), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
""")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_parsers_exit_when_their_owner_is_killed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script, out = tmp_path / "owner.py", tmp_path / "out.txt"
    script.write_text(OWNER)
    with out.open("w") as sink:  # a file, not a pipe: the parsers inherit it and must not hold the test up
        done = subprocess.run([sys.executable, str(script)], stdout=sink, stderr=subprocess.DEVNULL, timeout=120)
    parsers = [int(pid) for pid in out.read_text().split()]
    assert done.returncode == -9 and parsers
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in parsers) and time.monotonic() < deadline:
        time.sleep(0.1)
    still = [pid for pid in parsers if alive(pid)]
    for pid in still:  # the test stops what it started, even when it fails
        os.kill(pid, 9)
    assert not still, "parser processes outlived their owner"
