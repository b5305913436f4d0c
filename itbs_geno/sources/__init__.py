"""The readers, one module per format. Each exposes NAME, LABEL, STRAND, sniff and layout
(consumer tables, read by _table.read_rows) or read (VCF/BCF, through pysam).

Adding a vendor means one module, one entry in SOURCES and one fixture; a test checks
that every fixture is claimed by exactly one sniff, so the order here does not matter.
"""

from pathlib import Path
from types import ModuleType

from itbs_geno.errors import FormatError
from itbs_geno.sources import ancestry, ftdna, generic, livingdna, myheritage, twentythree, vcf

SOURCES: tuple[ModuleType, ...] = (twentythree, ancestry, myheritage, ftdna, livingdna, generic, vcf)


def claimants(head: list[str]) -> list[ModuleType]:
    return [source for source in SOURCES if source.sniff(head)]


def detect(path: Path, head: list[str]) -> ModuleType:
    """The one reader that claims this file, or a FormatError that says what was seen."""
    if not any(line.strip() for line in head):
        raise FormatError(f"{path}: the file is empty; download the raw data again")
    found = claimants(head)
    if len(found) == 1:
        return found[0]
    supported = ", ".join(s.LABEL for s in SOURCES)
    if found:
        names = " and ".join(s.LABEL for s in found)
        raise FormatError(f"{path}: the file looks like both {names}; remove the other vendor's header lines")
    first = next(line for line in head if line.strip()).strip()
    if "\x00" in "".join(head) or "\ufffd" in first:
        raise FormatError(f"{path}: binary data, not a genotype text file; supported: {supported}")
    shown = first if len(first) <= 60 else first[:57] + "..."
    raise FormatError(f'{path}: not a recognised genotype file (first line: "{shown}"); supported: {supported}')
