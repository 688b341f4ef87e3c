"""Hostile requests against a real `policysearch serve`: each kind is answered 4xx with one short
message and no traceback, and the server goes on serving. Requests are written byte for byte on a
socket, where a client library would normalise them (dot segments, encodings, header limits).

Unknown parameters are refused (400, naming the parameter and the ones this index takes), as
tests/test_web.py checks for every route: a misspelt filter must not silently widen a search."""

from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import quote

import pytest
from web_support import Server, elements, web_index_fixture

FIXTURES = (web_index_fixture,)
PARAGRAPH = "/paragraph/29a3147a4c7c8d26-0016"  # a paragraph of the sample corpus
SHORT = 200  # characters: what "one short message" is at most


def q(text: str) -> bytes:
    return quote(text, safe="").encode()


def request(target: bytes, headers: bytes = b"") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + b"\r\n"


# (kind, raw request, status)
KINDS = [
    ("query of 50,000 characters", request(b"/?q=" + b"a" * 50_000), 400),
    ("parentheses nested 450 deep", request(b"/api/search?q=" + q("(" * 450 + '"改造"' + ")" * 450)), 400),
    ("parentheses opened 900 deep", request(b"/?q=" + q("(" * 900)), 400),
    ("NOT 240 deep", request(b"/api/search?q=" + q("NOT " * 240 + "改造")), 400),
    ("minus 900 deep", request(b"/export.csv?q=" + q("-" * 900 + '"改造"')), 400),
    ("999 quotes", request(b"/api/search?q=" + q('"' * 999)), 400),
    ("invalid UTF-8 in q, percent-encoded", request(b"/?q=%FF%FE"), 400),
    ("truncated UTF-8 sequence in q", request(b"/api/search?q=%E6%94"), 400),
    ("invalid UTF-8 in a filter", request(b"/api/search?q=a&town=%C3%28"), 400),
    ("invalid UTF-8 bytes, unencoded", request(b"/?q=\xff\xfe"), 400),
    ("invalid UTF-8 in the path, percent-encoded", request(b"/paragraph/%C3%28"), 404),
    ("invalid UTF-8 in the path, unencoded", request(b"/paragraph/\xff"), 400),
    ("NUL in q", request(b"/?q=%E6%94%B9%00"), 400),
    ("NUL in a filter", request(b"/export.csv?q=a&district=%00"), 400),
    ("NUL in the path, percent-encoded", request(PARAGRAPH.encode() + b"%00"), 404),
    ("NUL in the request line", request(b"/paragraph/\x00"), 400),
    ("escape sequence in q", request(b"/api/search?q=a%1B%5B31m"), 400),
    ("traversal, paragraph, plain", request(b"/paragraph/../../etc/passwd"), 404),
    ("traversal, paragraph, percent-encoded", request(b"/paragraph/..%2F..%2Fetc%2Fpasswd"), 404),
    ("traversal, paragraph, double-encoded", request(b"/paragraph/%252e%252e%252fetc%252fpasswd"), 404),
    ("traversal, api, plain", request(b"/api/search/../../etc/passwd?q=a"), 404),
    ("traversal, api, percent-encoded", request(b"/api/search/%2e%2e/%2e%2e/etc/passwd"), 404),
    ("traversal, export, double-encoded", request(b"/export.csv/..%252f..%252fetc%252fpasswd"), 404),
    ("traversal, root, encoded slashes", request(b"/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), 404),
    ("traversal, paragraph, backslashes", request(b"/paragraph/..%5C..%5Cwindows%5Cwin.ini"), 404),
    ("negative page", request(b"/?q=a&page=-1"), 400),
    ("page of 30 digits", request(b"/api/search?q=a&page=" + b"9" * 30), 400),
    ("page of 5,000 digits", request(b"/export.csv?q=a&page=" + b"9" * 5000), 400),
    ("negative limit on the API", request(b"/api/search?q=a&limit=-5"), 400),
    ("limit of 30 digits", request(b"/?q=a&limit=" + b"9" * 30), 400),
    ("limit as a fraction", request(b"/api/search?q=a&limit=1e2"), 400),
    ("around of 30 digits", request(PARAGRAPH.encode() + b"?around=" + b"9" * 30), 400),
    ("negative match number", request(PARAGRAPH.encode() + b"?q=a&m=-1"), 400),
    ("year of 20 digits", request(b"/api/search?q=a&year=" + b"9" * 20), 400),
    ("year range backwards", request(b"/?q=a&year=2025-2020"), 400),
    ("unknown parameter with a name of 5,000 characters", request(b"/?q=a&" + b"x" * 5000 + b"=1"), 400),
    ("unknown parameter on the paragraph page", request(PARAGRAPH.encode() + b"?debug=1"), 400),
    ("paragraph id with a right-to-left override", request(b"/paragraph/" + q("\u202e6100-d8c7")), 404),
    ("paragraph id of 10,000 characters", request(b"/paragraph/" + b"f" * 10_000), 404),
    ("a header of 100 KB", request(b"/?q=a", b"X-Big: " + b"a" * 100_000 + b"\r\n"), 431),
    ("3,000 headers", request(b"/?q=a", b"".join(b"X-%d: a\r\n" % i for i in range(3000))), 431),
    ("a header line without a colon", request(b"/", b"no colon here\r\n"), 400),
    ("not an HTTP request line", b"GARBAGE\r\n\r\n", 400),
    ("a method that writes nothing known", b"FROB / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 405),
]


@pytest.fixture(scope="module")
def server(web_index):
    """A server of this module's own, so that its stderr can be read for tracebacks at the end."""
    s = Server(web_index)
    yield s
    s.process.terminate()
    s.process.wait(10)
    log = s.process.stderr.read()
    s.stop()
    assert "Traceback" not in log and "Exception" not in log, log[-2000:]


def send(port: int, data: bytes, timeout: float = 30) -> tuple[int, dict, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            # a server that refuses a request before reading all of it closes with bytes unread,
            # and the kernel resets the connection after the answer: the answer is what counts
            if not answer:
                raise
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body.decode("utf-8", "replace")


def message_of(headers: dict, body: str) -> str:
    """The one message an error answer carries, as its kind of page shows it."""
    kind = headers.get("content-type", "")
    if kind.startswith("application/json"):
        return json.loads(body)["error"]
    if kind.startswith("text/html"):
        found = elements(body, "p", "error")
        assert len(found) == 1, body[:500]
        return " ".join(found[0][1].split())
    return body.strip()


def still_serving(server) -> None:
    status, _, body = server.get("/api/search", {"q": '"改造"', "limit": 1})
    assert status == 200 and json.loads(body)["total"] > 0


@pytest.mark.parametrize("kind, data, status", KINDS, ids=[k for k, _, _ in KINDS])
def test_hostile_request_gets_4xx_with_one_short_message(server, kind, data, status):
    got, headers, body = send(server.port, data)
    assert got == status, (kind, got, body[:300])
    message = message_of(headers, body)
    assert 5 < len(message) <= SHORT, message
    assert "Traceback" not in body and "\n" not in message
    assert "root:" not in body  # nothing of /etc/passwd
    still_serving(server)


def test_there_are_at_least_30_kinds():
    assert len({k for k, _, _ in KINDS}) == len(KINDS) >= 30


def test_a_slow_client_does_not_block_the_others(server):
    """A connection that sends its request one byte a second (and a few that send nothing at all)
    while other clients ask: they are answered at their usual speed; the slow one gets its answer."""
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(5)]
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    data = request(b"/api/search?q=" + q('"改造"') + b"&limit=1")
    dribbled = threading.Event()

    def dribble():
        for byte in data[:6]:  # six seconds, one byte each
            slow.send(bytes([byte]))
            time.sleep(1)
        dribbled.set()

    writer = threading.Thread(target=dribble)
    writer.start()
    took = []
    try:
        while not dribbled.is_set():
            start = time.perf_counter()
            still_serving(server)
            took.append(time.perf_counter() - start)
            time.sleep(0.1)
        writer.join()
        slow.sendall(data[6:])
        answer = b""
        while chunk := slow.recv(65536):
            answer += chunk
    finally:
        slow.close()
        for sock in idle:
            sock.close()
    assert answer.startswith(b"HTTP/1.1 200") and b'"total"' in answer
    print(f"\nslow client: {len(took)} requests of others answered meanwhile, slowest {max(took) * 1000:.0f} ms")
    assert len(took) >= 10 and max(took) < 2.0
