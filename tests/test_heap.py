"""The collector tuning of the ``sightsearch`` processes: only a process the command's entry point started."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from sightsearch.heap import THRESHOLDS


def _in_fresh_interpreter(code: str) -> str:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, capture_output=True,
                          text=True, timeout=60).stdout.strip()


def test_the_entry_point_tunes_the_collector_and_freezes_start_up_once() -> None:
    out = _in_fresh_interpreter("""
        import gc
        from sightsearch import heap
        heap.tune_collector()
        heap.settle_heap()
        frozen = gc.get_freeze_count()
        garbage = [[] for _ in range(1000)]
        heap.settle_heap()  # a second call (a command calling another) freezes nothing more
        print(gc.get_threshold(), frozen > 0, gc.get_freeze_count() == frozen)
    """)
    assert out == f"{THRESHOLDS} True True"


def test_a_host_process_keeps_its_collector() -> None:
    # The commands also run in-process (tests, applications embedding the CLI): they must not freeze that heap.
    out = _in_fresh_interpreter("""
        import gc
        before = gc.get_threshold()
        from sightsearch import heap
        heap.settle_heap()
        print(gc.get_freeze_count(), gc.get_threshold() == before)
    """)
    assert out == "0 True"
