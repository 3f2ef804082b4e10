"""A big snapshot parsed by a child process while this one writes.

Reading a snapshot line (gzip, JSON, LaTeX to text, authors) costs about as much CPU as
writing the paper, and the threads of one process run Python one at a time (the GIL). A
child process (`python -m dailypapers.ingest.snapshot_child`, the reader pickled on its
stdin) parses and pickles the records onto its stdout in chunks; the importing process only
unpickles them (about 13 us a record against about 300 us to parse one) and writes.

The child ends when the file ends; on the first error, which it sends and this process
raises after the records read before it, as the in-process reader does; when this process
stops reading (the generator is closed: the child is killed) or is gone (the child's next
write fails on the closed pipe). The pipe's buffer bounds how far ahead the child reads.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from dailypapers.ingest.records import PaperRecord, Rejected, SourceError

if TYPE_CHECKING:
    from dailypapers.ingest.snapshot import SnapshotReader

CHUNK = 500  # records a message


@dataclass(frozen=True, slots=True)
class Message:
    items: list[PaperRecord | Rejected]
    position: int
    skipped: int
    lines: int
    last: bool = False
    error: SourceError | None = None


def parsed_in_child(reader: SnapshotReader) -> Iterator[PaperRecord | Rejected]:
    """`reader`'s items, parsed by a child process; `reader`'s progress follows the child's."""
    child = subprocess.Popen(
        [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        with child.stdin:
            pickle.dump(reader, child.stdin)
        while True:
            message = _receive(child.stdout, child)
            reader.position, reader.skipped, reader.lines = (
                message.position,
                message.skipped,
                message.lines,
            )
            yield from message.items
            if message.error is not None:
                raise message.error
            if message.last:
                return
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()


def _receive(stream: IO[bytes], child: subprocess.Popen[bytes]) -> Message:
    try:
        message = pickle.load(stream)  # noqa: S301  # our own child, over a private pipe
    except (EOFError, pickle.UnpicklingError) as exc:
        raise SourceError(
            f"the process parsing the snapshot stopped (exit code {child.wait()}, {exc}); "
            "the papers before that point were loaded"
        ) from None
    if not isinstance(message, Message):
        raise SourceError(f"the process parsing the snapshot sent {type(message).__name__}")
    return message


def parse(reader: SnapshotReader, out: IO[bytes]) -> None:
    """The child's work: read the whole file here, send chunks, then the end or the error."""
    chunk: list[PaperRecord | Rejected] = []
    try:
        for item in reader.items_here():
            chunk.append(item)
            if len(chunk) >= CHUNK:
                _send(out, _state(reader, chunk))
                chunk = []
    except SourceError as exc:
        _send(out, _state(reader, chunk, error=exc))
        return
    except Exception as exc:  # anything else: named for the user, never a silent stop
        _send(out, _state(reader, chunk, error=SourceError(f"{reader.path}: {exc}")))
        return
    _send(out, _state(reader, chunk, last=True))


def _state(
    reader: SnapshotReader,
    items: list[PaperRecord | Rejected],
    *,
    last: bool = False,
    error: SourceError | None = None,
) -> Message:
    return Message(items, reader.position, reader.skipped, reader.lines, last, error)


def _send(out: IO[bytes], message: Message) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def main() -> None:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot corrupt the stream
    reader = pickle.load(sys.stdin.buffer)  # noqa: S301  # from the process that started us
    with contextlib.suppress(BrokenPipeError):  # the importing process is gone
        parse(reader, out)


if __name__ == "__main__":  # run by its module name, so that what it pickles names it
    from dailypapers.ingest.snapshot_child import main as run

    run()
