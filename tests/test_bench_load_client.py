"""The paced client of ``bench.bench_hostile_uploads`` counts others' failed requests (error
statuses, dropped connections, answers that never come) instead of stopping at the first, so
that the benchmark's "failed" figure is what the users would have seen."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from bench.bench_hostile_uploads import paced_load
from bench.common import HOST


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/drop":
            self.close_connection = True
            return
        if self.path == "/hang":
            time.sleep(0.5)
        status = 503 if self.path == "/gone" else 200
        try:
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        except BrokenPipeError:  # the client gave up waiting (/hang)
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    server = ThreadingHTTPServer((HOST, 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _load(port: int, path: str) -> tuple[int, int, dict[str, int], int]:
    # In a thread of its own: another test (a browser's) may leave this one an event loop.
    with ThreadPoolExecutor(1) as pool:
        phase = pool.submit(
            paced_load, port, [path], "", clients=2, rate=20, seconds=0.5, timeout=0.2
        ).result(timeout=30)
    return phase.sent, phase.failed, phase.failures, len(phase.latencies_ms)


def test_answered_requests_are_timed_and_none_failed(port: int) -> None:
    sent, failed, _failures, answered = _load(port, "/ok")
    assert 8 <= sent <= 12
    assert (failed, answered) == (0, sent)


def test_error_statuses_count_as_failed(port: int) -> None:
    sent, failed, failures, _answered = _load(port, "/gone")
    assert failed == sent > 0
    assert failures == {"HTTP 503": sent}


def test_dropped_connections_count_as_failed_and_the_load_goes_on(port: int) -> None:
    sent, failed, failures, answered = _load(port, "/drop")
    assert failed == sent >= 8
    assert answered == 0
    assert set(failures) <= {"ConnectionResetError", "IncompleteReadError"}


def test_answers_that_never_come_time_out_as_failed(port: int) -> None:
    sent, failed, failures, answered = _load(port, "/hang")
    assert failed == sent > 0
    assert (failures, answered) == ({"TimeoutError": sent}, 0)
