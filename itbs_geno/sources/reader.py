"""What every reader shares: how strongly it claims a file, what it is told to look for, and
what it gives back. The registry (sources/__init__.py) and the pipeline know readers only
through these names."""

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Protocol

from itbs_geno.model import RawCall
from itbs_geno.panel_model import Marker, Panel
from itbs_geno.sites import Sites
from itbs_geno.sources.opener import Opened
from itbs_geno.sources.vcf_sites import Target, targets

_DOWNLOAD_SUFFIXES = (".gz", ".zip", ".txt", ".csv", ".tsv", ".vcf", ".bcf", ".bgz")


class Claim(IntEnum):
    """How strongly a reader claims a file from its first lines; the strongest unique claim wins."""
    NONE = 0
    TABLE = 1          # a table of the usual columns, from no particular vendor
    SHAPE = 2          # a column layout only this vendor writes
    NAMED = 3          # the file names the vendor (or the format: ##fileformat=VCF)


@dataclass(frozen=True)
class Wanted:
    """What a reader looks for, built once from the panel: the table readers match rsIDs and
    positions (`sites`), the VCF reader positions on each build (`targets`)."""
    sites: Sites
    targets: tuple[Target, ...]
    markers: tuple[Marker, ...]          # to tell the build from where a file puts them
    builds: tuple[str, ...]              # the builds the panel has positions for

    @classmethod
    def from_panel(cls, panel: Panel) -> "Wanted":
        return cls(panel.sites, tuple(targets(panel)), panel.markers, panel.builds)


@dataclass(frozen=True)
class Read:
    """A file read: the rows at panel sites for each sample, and what the report says about the file."""
    format: str                          # the reader's NAME ("vcf", "bcf" for a BCF)
    label: str                           # "23andMe", "VCF", "BCF"
    samples: tuple[str, ...]
    rows: dict[str, list[RawCall]]       # sample -> rows at panel sites
    compression: str
    member: str | None                   # the zip member read
    build: str | None
    build_basis: str
    warnings: tuple[str, ...]
    variants: int | None                 # rows or records read; None when an index let us skip the rest
    no_calls: int | None
    layout: str                          # "genotype", "allele1/allele2"; "" for a VCF
    strand: str                          # "declared", "documented" or "assumed"
    index: str | None = None             # "tbi" or "csi" when an index was used
    variant_only: bool = False           # may leave out sites at the reference (a VCF): --assume-ref applies


class Reader(Protocol):
    """One input format: a module with these names, listed once in SOURCES. (Properties, because a
    module's constants are read, never set, through the protocol.)"""

    @property
    def NAME(self) -> str: ...               # "23andme": the JSON's format

    @property
    def LABEL(self) -> str: ...              # "23andMe": what the report shows

    @property
    def WORDS(self) -> tuple[str, ...]: ...  # lower-case words by which comment lines name the vendor

    def sniff(self, head: list[str]) -> Claim: ...

    def read(self, path: Path, opened: Opened, wanted: Wanted) -> Read: ...


def comments(head: list[str]) -> list[str]:
    return [line.lower() for line in head if line.startswith("#")]


def names(head: list[str], words: tuple[str, ...]) -> bool:
    """Whether a comment line names one of `words` (lower case)."""
    return any(word in line for line in comments(head) for word in words)


def sample_name(path: Path) -> str:
    """The file name without its download suffixes: genome_Jane_v5_Full.zip -> genome_Jane_v5_Full."""
    name = path.name
    while name.lower().endswith(_DOWNLOAD_SUFFIXES):
        name = name[: name.rfind(".")]
    return name or path.name
