"""`policysearch serve`: the search page over an index, on the user's own machine."""

from __future__ import annotations

import socket
import sys
import threading
import webbrowser

from ..errors import PolicySearchError
from ..index import Index
from .app import LOOPBACK, create_app

__all__ = ["create_app", "serve"]


def serve(ix: Index, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False) -> None:
    """Serve the index until interrupted. The socket is bound here, so that a port in use is one
    clear error rather than a server log."""
    import uvicorn

    try:
        sock = socket.create_server((host, port))
    except OSError as e:
        raise PolicySearchError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    url = f"http://{'127.0.0.1' if host in LOOPBACK else host}:{sock.getsockname()[1]}/"
    if host not in LOOPBACK:
        print(
            f"policysearch: WARNING: serving on {host}, not only this machine: anyone who can reach it "
            f"can read every document in {ix.path}",
            file=sys.stderr,
        )
    print(f"policysearch: serving {ix.path} at {url} (Ctrl-C stops)", file=sys.stderr)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [url]).start()
    server = uvicorn.Server(uvicorn.Config(create_app(ix, host), log_level="warning", access_log=False))
    server.run(sockets=[sock])
