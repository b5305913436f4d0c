"""The readers, one module per format, and the one rule that picks the reader for a file.

Every reader is a module with the names of reader.Reader: NAME, LABEL, WORDS (lower-case
words by which a file's comment lines name the vendor), sniff(head) -> Claim, and
read(path, opened, wanted) -> Read (each sample's rows at the panel sites, and the file's
facts). No reader knows another: each grades its own claim, Claim.NAMED (the comments name
the vendor, or the first line the format) > Claim.SHAPE (a column layout only this vendor
writes) > Claim.TABLE (a table of the usual columns, from anyone). The strongest claim wins
and two at the top are refused as ambiguous, so the order of SOURCES does not matter. A
file whose comments name a vendor (its WORDS) whose reader does not claim it is refused,
whatever else would read it.

To add a vendor (three places; tests/test_readers.py adds one this way and reads a file with it):
1. a module sources/<vendor>.py, about 30 lines: copy livingdna.py and change NAME, LABEL,
   STRAND ("declared" when the file states the plus strand, "documented" when only the vendor
   does), WORDS and the _table.Layout (columns, separator, chromosome codes);
2. one entry in SOURCES below (and its name in the import line above it);
3. a fixture in tests/data/formats encoding the mini-panel of tests/test_sources.py, and its
   line in FIXTURES there: the tests then check that exactly this reader claims it and reads it.
No code elsewhere changes: the pipeline, calling and the report know readers only through Read.
Two kinds of text may: a real file in tests/data/third_party that the generic reader used to
read and the new vendor now claims (test_real_genomes.py names each file's reader, so it says
so), and the lists of vendors people read (README, `itbs-geno --help`).
"""

from pathlib import Path

from itbs_geno.errors import FormatError, InputError
from itbs_geno.sources import (
    ancestry,
    ftdna,
    generic,
    livingdna,
    myheritage,
    twentythree,
    vcf,
)
from itbs_geno.sources.reader import Claim, Reader, names

SOURCES: tuple[Reader, ...] = (twentythree, ancestry, myheritage, ftdna, livingdna, generic, vcf)


def claimants(head: list[str]) -> list[Reader]:
    """The readers with the strongest claim on this head: one, or several when it is ambiguous,
    or none (nothing claims it, or the comments name a vendor whose reader does not claim it)."""
    grades = [(source, source.sniff(head)) for source in SOURCES]
    named = [grade for source, grade in grades if names(head, source.WORDS)]
    if named and not any(named):
        return []                        # the file names a vendor whose reader does not recognise it
    top = max((grade for _, grade in grades), default=Claim.NONE)
    return [source for source, grade in grades if grade and grade == top]


def detect(path: Path, head: list[str], refusal: InputError | None = None) -> Reader:
    """The one reader that claims this file, or a FormatError that says what was seen.

    `refusal`: why the opener stopped short of a full head (text no consumer file has). A VCF
    or BCF reader reads the file again with limits of its own; a table reader that claims the
    short head meets the refusal when it reads on; failing a claim, the refusal is the answer."""
    found = claimants(head) if any(line.strip() for line in head) else []
    if len(found) == 1:
        return found[0]
    if refusal:
        raise refusal
    if not any(line.strip() for line in head):
        raise FormatError(f"{path}: the file is empty; download the raw data again")
    supported = ", ".join(s.LABEL for s in SOURCES)
    if found:
        shown = " and ".join(s.LABEL for s in found)
        raise FormatError(f"{path}: the file looks like both {shown}; remove the other vendor's header lines")
    first = next(line for line in head if line.strip()).strip()
    if "\x00" in "".join(head) or "\ufffd" in first:
        raise FormatError(f"{path}: binary data, not a genotype text file; supported: {supported}")
    shown = first if len(first) <= 60 else first[:57] + "..."
    raise FormatError(f'{path}: not a recognised genotype file (first line: "{shown}"); supported: {supported}')
