"""The index on disk: the only package that imports Whoosh.

layout (the folder, generations, lock) · schema (fields, documents) · segments (Whoosh's private
API) · phrases (the FTS5 phrase table) · build (workers, runs of files) · write (add, remove,
build) · snapshot (what a reader sees; the document-number rule).
"""
