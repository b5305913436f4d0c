"""VCF and BCF through pysam (htslib): plain text, bgzip (with or without a .tbi/.csi index),
plain gzip, BCF; gVCF reference blocks; any number of samples.

Sites are matched by chromosome and position for the file's build, never by the ID
column (often "."), and the file's REF must be the panel's reference allele there. VCF
REF/ALT are on the reference's forward (plus) strand by definition of the format.
"""

from pathlib import Path

from itbs_geno.sources.opener import Opened
from itbs_geno.sources.reader import Claim, Read, Wanted

NAME = "vcf"
LABEL = "VCF"
STRAND = "declared"            # the VCF specification puts REF/ALT on the forward strand
WORDS: tuple[str, ...] = ()    # a VCF names its format in its first line, not its vendor


def sniff(head: list[str]) -> Claim:
    first = next((line for line in head if line.strip()), "")
    return Claim.NAMED if first.startswith(("##fileformat=VCF", "BCF")) else Claim.NONE


def read(path: Path, opened: Opened, wanted: Wanted) -> Read:
    """Every sample's rows at the panel sites. The file is read again by pysam, not from `opened`.

    The VCF machinery (pysam, the index and text-pass readers) is imported here, when a VCF is
    read: every call sniffs with this module, and a consumer file's call never needs the rest."""
    from itbs_geno.sources.vcf_read import read as read_vcf

    return read_vcf(path, opened, wanted)
