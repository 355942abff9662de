"""Uploads a file with tuspy (Debian's python3-tuspy) and reports what it did as JSON.

Run with /usr/bin/python3 (the system Python that has tusclient):

    tuspy_upload.py --endpoint URL --file PATH [--chunk-size BYTES] [--chunks N]
                    [--storage DB.json] [--metadata KEY=VALUE ...]
                    [--checksum] [--retries N]

--chunks N sends only N chunks and stops, as a client that was interrupted.
--storage keeps the upload URL in tuspy's FileStorage, keyed by the file's
fingerprint: a second run with the same storage resumes the same upload
(tuspy then asks the server for the offset with HEAD).
--checksum sends Upload-Checksum (sha1 of the chunk) with every PATCH
(tuspy's upload_checksum=True). --retries N lets tuspy retry a refused PATCH
N times, at once: it asks the offset with HEAD and sends the chunk again.

Prints one JSON object: url, resumed (a stored URL was found), started_at
(the offset the upload started or resumed from), offset (where it stopped)
and chunks (PATCH requests sent).
"""

import argparse
import json
import sys

from tusclient import client
from tusclient.storage.filestorage import FileStorage


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--chunks", type=int, default=None)
    parser.add_argument("--storage", default=None)
    parser.add_argument("--metadata", action="append", default=[])
    parser.add_argument("--checksum", action="store_true")
    parser.add_argument("--retries", type=int, default=0)
    args = parser.parse_args()

    metadata = dict(pair.split("=", 1) for pair in args.metadata)
    storage = FileStorage(args.storage) if args.storage else None
    options = {
        "file_path": args.file,
        "metadata": metadata,
        "upload_checksum": args.checksum,
        "retries": args.retries,
        "retry_delay": 0,
    }
    if args.chunk_size:
        options["chunk_size"] = args.chunk_size
    if storage:
        options.update(store_url=True, url_storage=storage)

    tus = client.TusClient(args.endpoint)
    # With a stored URL the constructor already asked the server for the offset.
    uploader = tus.uploader(**options)
    resumed = uploader.url is not None
    started_at = uploader.offset

    size = uploader.get_file_size()
    chunks = 0
    while uploader.offset < size and (args.chunks is None or chunks < args.chunks):
        uploader.upload_chunk()
        chunks += 1

    if storage:
        storage.close()
    json.dump(
        {"url": uploader.url, "resumed": resumed, "started_at": started_at, "offset": uploader.offset, "chunks": chunks},
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
