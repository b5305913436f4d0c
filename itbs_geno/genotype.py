"""Turn the many ways files write a genotype into one `Genotype` value.

23andMe writes "AG", "--" for a no-call, "A" for a haploid X/Y/MT call and I/D for
indels; AncestryDNA writes two columns with "0" for a no-call. Everything is
normalised here once, so no other module handles genotype strings.
"""

from itbs_geno.model import Genotype

BASES = frozenset("ACGT")
INDEL = frozenset("ID")          # 23andMe: insertion / deletion relative to its probe
NO_CALL_TEXT = frozenset({"", "-", "--", "0", "00", "NC", "N", "NN", "?", "??"})
_COMPLEMENT = str.maketrans("ACGT", "TGCA")


class BadGenotype(ValueError):
    """The text is not a genotype: the message says why."""


def _allele(text: str) -> str:
    allele = text.upper()
    if allele not in BASES and allele not in INDEL:
        raise BadGenotype(f'"{text}" is not an allele (expected A, C, G, T, I or D)')
    return allele


def from_alleles(alleles: list[str] | tuple[str, ...]) -> Genotype:
    """Sort alleles into the canonical order; repeat alleles ("5A") sort by length."""
    key = (lambda a: (int(a[:-1]), a)) if all(a[:-1].isdigit() and a[:-1] for a in alleles) else None
    return Genotype(tuple(sorted(alleles, key=key)))


def parse_joined(text: str) -> Genotype | None:
    """A genotype written as one field: "AG", "A", "DI", or a no-call such as "--"."""
    text = text.strip()
    if text.upper() in NO_CALL_TEXT:
        return None
    if len(text) > 2:
        raise BadGenotype(f'"{text}" has {len(text)} alleles; a genotype has one or two')
    if "-" in text or "0" in text:
        raise BadGenotype(f'"{text}" is half a call (one allele missing)')
    return _checked([_allele(c) for c in text], text)


def parse_pair(first: str, second: str) -> Genotype | None:
    """A genotype written as two fields, as AncestryDNA does; "0" is a no-call."""
    first, second = first.strip(), second.strip()
    missing = [a.upper() in NO_CALL_TEXT for a in (first, second)]
    if all(missing):
        return None
    if any(missing):
        raise BadGenotype(f'"{first} {second}" is half a call (one allele missing)')
    if len(first) != 1 or len(second) != 1:
        raise BadGenotype(f'"{first} {second}" is not a pair of single alleles')
    return _checked([_allele(first), _allele(second)], f"{first} {second}")


def _checked(alleles: list[str], text: str) -> Genotype:
    if len({a in INDEL for a in alleles}) > 1:
        raise BadGenotype(f'"{text}" mixes a base with an insertion/deletion code')
    return from_alleles(alleles)


def complement(genotype: Genotype) -> Genotype:
    """The same genotype read from the other strand (bases only)."""
    return from_alleles([a.translate(_COMPLEMENT) for a in genotype.alleles])


def is_palindromic(a: str, b: str) -> bool:
    """A/T and C/G SNPs read the same on both strands, so a flip cannot be detected."""
    return a.translate(_COMPLEMENT) == b
