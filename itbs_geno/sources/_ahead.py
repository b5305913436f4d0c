"""A download's bytes in chunks, decompressed on a second core while the first one scans.

zlib, isal and hashlib let go of the interpreter lock while they work, so a thread that reads
and inflates the next chunks runs beside the scan of this one, as `unzip -p | grep` runs two
processes. The thread starts only when a reader asks for a second chunk: sniffing a file, or
reading the first lines of a VCF that its own reader then reads again, costs no thread.
"""

import io
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar, cast

from itbs_geno.errors import InputError
from itbs_geno.sources.zipped import ZIP_ERRORS, Binary

DAMAGED = "the compressed data is truncated or damaged; download it again"
UTF8_MARK = b"\xef\xbb\xbf"
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
AHEAD = 4                                # chunks read ahead at most: a few MiB, whatever the file
T = TypeVar("T")


@contextmanager
def chunks(path: Path, raw: Binary, size: int, ahead: bool) -> Iterator[Iterator[bytes]]:
    """The bytes of `raw` in chunks of `size`, as UTF-8 without a byte-order mark (a UTF-16 file is
    decoded and encoded again); with `ahead`, read on a second thread. A decompression failure is
    one InputError."""
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
    errors = damage_errors()
    try:
        mark = buffered.peek(3)[:3]
        if mark == UTF8_MARK:
            buffered.read(3)
    except errors:                       # a small member is read whole here, CRC check included
        raise InputError(f"{path}: {DAMAGED}") from None
    if mark[:2] in UTF16_MARKS:
        # newline=None turns CRLF and lone CR into "\n"; undecodable bytes must not stop us.
        text = io.TextIOWrapper(buffered, encoding="utf-16", errors="replace", newline=None)
        read: Callable[[], bytes] = lambda: text.read(size).encode("utf-8")   # noqa: E731
    else:
        read = lambda: buffered.read(size)                                      # noqa: E731
    reading = _Ahead(path, read, errors) if ahead else None
    try:
        yield iter(reading) if reading else _direct(path, read, errors)
    finally:
        if reading:
            reading.close()


def damage_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged download raises: ZIP_ERRORS, and python-isal's IsalError once its gzip
    reader is in use (it raises that on bad deflate data, where gzip raises zlib.error)."""
    isal = sys.modules.get("isal.isal_zlib")
    # (the stubs declare isal_zlib.error an instance; it is the class IsalError)
    return ZIP_ERRORS + ((cast(type[Exception], isal.error),) if isal else ())


def _direct(path: Path, read: Callable[[], bytes], errors: tuple[type[BaseException], ...]) -> Iterator[bytes]:
    while chunk := _checked(path, read, errors):
        yield chunk


def _checked(path: Path, read: Callable[[], bytes], errors: tuple[type[BaseException], ...]) -> bytes:
    try:
        return read()
    except errors:                       # includes a bad CRC, found when a member ends
        raise InputError(f"{path}: {DAMAGED}") from None


class _Ahead:
    """The chunks of `read`, the first read at once, the rest by a thread kept at most AHEAD
    chunks ahead; an error in the thread is raised where its chunk would have come."""

    def __init__(self, path: Path, read: Callable[[], bytes], errors: tuple[type[BaseException], ...] = ZIP_ERRORS):
        self._path, self._read, self._errors = path, read, errors
        self._queue: queue.Queue[bytes | Exception] = queue.Queue(AHEAD)
        self._stop = False
        self._thread: threading.Thread | None = None

    def __iter__(self) -> Iterator[bytes]:
        chunk = _checked(self._path, self._read, self._errors)
        if not chunk:
            return
        yield chunk
        self._thread = threading.Thread(target=self._run, name="itbs-geno-read", daemon=True)
        self._thread.start()
        while True:
            item = self._queue.get()
            if isinstance(item, Exception):
                raise item
            if not item:
                return
            yield item

    def _run(self) -> None:
        end: bytes | Exception = RuntimeError("the reading thread stopped")   # replaced unless it dies
        try:
            while not self._stop and (chunk := _checked(self._path, self._read, self._errors)):
                self._queue.put(chunk)
            end = b""
        except Exception as err:  # noqa: BLE001 - handed to the reader, raised where its chunk would come
            end = err
        finally:
            self._queue.put(end)         # the end of the chunks, or why they stopped

    def close(self) -> None:
        """Stop the thread before the file it reads is closed."""
        self._stop = True
        while self._thread and self._thread.is_alive():
            try:
                self._queue.get(timeout=0.01)     # make room for a put the thread is waiting on
            except queue.Empty:
                pass
        if self._thread:
            self._thread.join()


def in_background(work: Callable[[], T]) -> Callable[[], T]:
    """Start `work` on a thread (the SHA-256 of the input, while the file is read and scanned); the
    function returned waits for its result, or raises its error."""
    outcome: list[tuple[T | None, BaseException | None]] = []

    def run() -> None:
        try:
            outcome.append((work(), None))
        except BaseException as err:  # noqa: BLE001 - raised by the caller, in its own thread
            outcome.append((None, err))

    thread = threading.Thread(target=run, name="itbs-geno-background", daemon=True)
    thread.start()

    def result() -> T:
        thread.join()
        value, error = outcome[0]
        if error is not None:
            raise error
        return value  # type: ignore[return-value]

    return result
