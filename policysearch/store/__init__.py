"""The index on disk: the only package that imports Whoosh.

layout (the folder, generations, lock) · schema (fields, documents) · segments (Whoosh's private
API) · phrases (the FTS5 phrase table) · build (workers, runs of files) · write (add, remove,
build) · snapshot (what a reader sees; the document-number rule).
"""

import sys
import types


def urlretrieve(*args, **kwargs):
    """urllib.request.urlretrieve, imported when called (see below)."""
    from urllib.request import urlretrieve as real

    return real(*args, **kwargs)


# Every Whoosh module imports whoosh.compat, which imports urlretrieve from urllib.request (for
# Python 2's sake; Whoosh never calls it), and with it http, email and ssl: ~45 ms of every query
# process. Whoosh is imported here first, before any module of this package, with a stand-in
# that imports the real one when called; urllib.request itself stays unimported.
if "whoosh.compat" not in sys.modules and "urllib.request" not in sys.modules:
    sys.modules["urllib.request"] = types.ModuleType("urllib.request")
    sys.modules["urllib.request"].urlretrieve = urlretrieve  # type: ignore[attr-defined]
    try:
        import whoosh.compat  # noqa: F401
    finally:
        del sys.modules["urllib.request"]
