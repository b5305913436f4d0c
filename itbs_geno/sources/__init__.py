"""The readers, one module per format, and the one rule that picks the reader for a file.

Every reader is a module with the names in reader.Reader: NAME, LABEL, WORDS (the words by
which a file's comment lines name the vendor), sniff(head) -> Claim and
read(path, opened, wanted) -> Read. No reader knows another; sniff grades its own claim:
Claim.NAMED (the comments name the vendor) > Claim.SHAPE (a column layout only this vendor
writes) > Claim.TABLE (any table of the usual columns). The strongest claim wins; two at the
top are refused as ambiguous. A file whose comments name a vendor that does not claim it is
refused, whatever else claims it.

To add a vendor:
1. write sources/<vendor>.py: NAME, LABEL, STRAND, WORDS, a _table.Layout, sniff() returning
   Claim.NAMED when names(head, WORDS), and read() = read_table(path, opened, wanted,
   Table(NAME, LABEL, STRAND, layout)) (copy livingdna.py, 30 lines);
2. import it here and add it to SOURCES (one line);
3. add a fixture encoding the mini-panel to tests/data/formats and its line to FIXTURES in
   tests/test_sources.py; the tests check that exactly that reader claims it and reads it.
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
    grades = {source: source.sniff(head) for source in SOURCES}
    named = [source for source in SOURCES if names(head, source.WORDS)]
    if named and not any(grades[source] for source in named):
        return []
    top = max(grades.values(), default=Claim.NONE)
    return [source for source, grade in grades.items() if grade and grade == top]


def detect(path: Path, head: list[str], refusal: InputError | None = None) -> Reader:
    """The one reader that claims this file, or a FormatError that says what was seen.

    `refusal`: why the opener stopped short of a full head (text no consumer file has). A VCF
    or BCF reader reads the file again with limits of its own; a table reader that claims the
    short head meets the refusal when it reads on; failing a claim, the refusal is the answer."""
    if any(line.strip() for line in head):
        found = claimants(head)
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
