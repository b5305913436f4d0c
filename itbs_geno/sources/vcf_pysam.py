"""Where pysam (htslib) reads a VCF/BCF: opening it on a path or on a feed of checked bytes, and
turning htslib's complaints about the file into one-line InputErrors. Only exceptions raised by
pysam itself are bad input; the same exception raised by our own code is a bug and propagates.

Records are copied out as plain values (Record) while the file is open, so everything after
that (the calls, the build) runs outside the error handling here."""

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from itbs_geno.errors import InputError

T = TypeVar("T")
# htslib's ways of saying "malformed" (pysam asserts on some damaged headers, e.g. a contig entry)
_HTSLIB_ERRORS = (OSError, ValueError, IndexError, KeyError, NotImplementedError, AssertionError)


NO_PYSAM = ("reading a VCF or BCF needs pysam, which is not installed: run 'pip install pysam' (pysam does not "
            "install on Windows: use WSL there); consumer DNA files (23andMe, AncestryDNA, ...) need nothing more")


def load_pysam(path: Path) -> Any:
    """pysam, or one line saying how to get it: it is a dependency only where it installs (not Windows)."""
    try:
        import pysam
    except ImportError:
        raise InputError(f"{path}: {NO_PYSAM}") from None
    return pysam


@dataclass(frozen=True)
class SampleCall:
    gt: tuple[int | None, ...] | None    # allele indexes; None when the record has no GT field
    phased: bool
    quality: tuple[tuple[str, Any], ...]  # (key, value) for GQ and DP, where the file gives them


@dataclass(frozen=True)
class Record:
    """What the calls need of one VCF record (pysam's names; pos is 1-based, start 0-based)."""
    contig: str
    pos: int
    start: int
    stop: int
    id: str | None
    ref: str
    alts: tuple[str, ...] | None
    alleles: tuple[str, ...]
    filter: tuple[str, ...]
    samples: dict[str, SampleCall]


def copy_record(record: Any) -> Record:
    """A pysam VariantRecord as a plain value (every sample decoded now, while the file is open).
    Samples with the same call share one SampleCall: a cohort of thousands has a handful per record."""
    samples = _decoded_by_text(record)
    if samples is None:
        samples = {}
        shared: dict[SampleCall, SampleCall] = {}
        for name, call in record.samples.items():
            decoded = _sample_call(call)
            samples[name] = shared.setdefault(decoded, decoded)
    return Record(record.contig, record.pos, record.start, record.stop, record.id, record.ref,
                  tuple(record.alts) if record.alts else None, tuple(record.alleles), tuple(record.filter),
                  samples)


def _sample_call(call: Any) -> SampleCall:
    gt = tuple(call["GT"] or ()) if "GT" in call else None
    quality = tuple((key, call[key]) for key in ("GQ", "DP") if key in call and call[key] is not None)
    return SampleCall(gt, bool(call.phased), quality)


def _decoded_by_text(record: Any) -> dict[str, SampleCall] | None:
    """Each sample's call, decoded once per distinct sample column: decoding costs ~5 µs a sample
    in pysam, and a cohort's record has thousands of samples but a handful of distinct columns.
    The columns are htslib's own printing of what it decoded, and the same printing means the same
    GT, phasing (which pysam reads from the alleles after the first, as printed) and integer GQ/DP;
    None (decode each sample) when GQ or DP is not an Integer, whose printing could round."""
    if any(record.format[key].type != "Integer" for key in ("GQ", "DP") if key in record.format):
        return None
    try:
        columns = str(record).rstrip("\n").split("\t")[9:]
    except ValueError:                     # htslib could not print it: decode each sample, as before
        return None
    names = record.header.samples
    if len(columns) != len(names):
        return None
    decoded: dict[str, SampleCall] = {}
    shared: dict[SampleCall, SampleCall] = {}      # columns written differently ("0/1:.", "0/1") may decode alike
    samples = {}
    for index, (name, column) in enumerate(zip(names, columns, strict=True)):
        call = decoded.get(column)
        if call is None:
            call = _sample_call(record.samples[index])
            call = decoded[column] = shared.setdefault(call, call)
        samples[name] = call
    return samples


def read_with(path: Path, feed: Iterable[bytes] | None, index: str | None, bcf: bool,
              work: Callable[[Any], T]) -> T:
    """work(vf) on pysam.VariantFile of the path, or of the bytes of `feed` (prefiltered or checked
    records, fed through a pipe by a thread, so nothing is written to disk). `index`: the index's
    name, if used."""
    import pysam

    feeder = _Feeder(feed) if feed is not None else None
    source = feeder.start() if feeder else str(path)
    try:
        vf = pysam.VariantFile(source)
    except (OSError, ValueError, NotImplementedError) as err:   # NotImplemented: a damaged BGZF header
        if feeder:
            feeder.stop()
        if feeder and feeder.error:
            raise feeder.error from None
        raise InputError(f"{path}: not a readable VCF/BCF ({_reason(err)}); check the file is complete") from None
    try:
        result = work(vf)
        if feeder and feeder.error:          # htslib saw the feed end: what was cut off is the error
            raise feeder.error
    except _HTSLIB_ERRORS as err:
        _close(vf, feeder)                   # a failed read often fails the close too: keep the first error
        if not _from_pysam(err.__traceback__):
            raise                            # our own bug: not the file's fault
        if feeder and feeder.error:
            raise feeder.error from None
        if index:
            raise InputError(f"{path}: reading through the index {index} failed ({_reason(err)}): the index does "
                             f"not match the file; rebuild it with {rebuild(path, bcf)} or remove it") from None
        raise InputError(f"{path}: a malformed VCF record ({_reason(err)}); "
                         f"check the header lists every sample and the columns match it") from None
    except BaseException:
        _close(vf, feeder)
        raise
    try:
        vf.close()
    except OSError as err:                   # htslib saw damage it did not raise while reading
        if index:
            raise InputError(f"{path}: the index {index} does not match the file ({_reason(err)}); "
                             f"rebuild it with {rebuild(path, bcf)} or remove it") from None
        raise InputError(f"{path}: the file is truncated or damaged ({_reason(err)}); download it again") from None
    finally:
        if feeder:
            feeder.stop()
    return result


def rebuild(path: Path, bcf: bool) -> str:
    return f"bcftools index {path}" if bcf else f"tabix -p vcf {path}"


def _from_pysam(traceback: TracebackType | None) -> bool:
    """Whether the exception was raised inside pysam (its Cython frames are named pysam/*.pyx)."""
    last = traceback
    while last is not None and last.tb_next is not None:
        last = last.tb_next
    return last is not None and "pysam" in last.tb_frame.f_code.co_filename.replace("\\", "/").split("/")


def _close(vf: Any, feeder: "_Feeder | None") -> None:
    try:
        vf.close()
    except OSError:
        pass
    if feeder:
        feeder.stop()


def _reason(err: Exception) -> str:
    text = str(err).strip().rstrip(".")
    if "does not have valid header" in text:
        return "its header is not a valid VCF header"          # pysam's wording quotes bytes reprs
    if "seek not implemented" in text:
        return "its compressed blocks are damaged"             # a BGZF block header htslib took for gzip
    return text or type(err).__name__


class _Feeder:
    """Writes chunks into a pipe from a thread, for pysam to read as /dev/fd/N. The chunks may be
    checked as they are made: an InputError stops the feed, and is kept to be reported."""

    def __init__(self, chunks: Iterable[bytes]):
        self.chunks = chunks
        self.error: InputError | None = None
        self.read_fd, self.write_fd = os.pipe()

    def start(self) -> str:
        threading.Thread(target=self._run, daemon=True).start()
        return f"/dev/fd/{self.read_fd}"

    def _run(self) -> None:
        dst = os.fdopen(self.write_fd, "wb")
        try:
            for chunk in self.chunks:
                dst.write(chunk)
        except BrokenPipeError:
            pass                             # the reader stopped early: every panel site was passed
        except InputError as err:
            self.error = err                 # set before the pipe closes, so the reader sees it at EOF
        finally:
            try:
                dst.close()
            except BrokenPipeError:
                pass

    def stop(self) -> None:
        try:
            os.close(self.read_fd)
        except OSError:
            pass
