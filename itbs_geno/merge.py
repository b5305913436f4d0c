"""Several files of one person (a 23andMe and an AncestryDNA download, say): one call per marker.

The same genotype in every file that calls the site: "called (N files agree)". Called in some
files, no-call or absent in the others: that call, with a note. Called differently: a no-call
whose flag names both files and genotypes. Raw-data calls are not always right (Tandy-Connor
2018 found many false positives among rare variants), so agreement is shown, never assumed.

Two different people are refused. The rule, on the panel sites both files call (the only sites
read): at least MIN_SHARED such sites, and fewer than half of them the same genotype. One person's
files agree at nearly every site; two people's agree at roughly half of them or fewer, so the
rule refuses only clear cases and says the agreement rate.
"""

import dataclasses
from collections.abc import Sequence

from itbs_geno.errors import InputError
from itbs_geno.model import Call, FileCall, Source, Status

MIN_SHARED = 3            # sites both files call, before a disagreement rate is trusted
SAME_PERSON = 0.5         # below this share of agreeing sites the files are two people


def merge(files: Sequence[tuple[Source, Sequence[Call]]]) -> list[Call]:
    """One call per marker from each file's calls (same markers, same order in every file)."""
    check_same_person(files)
    names = [source.name for source, _ in files]
    columns = [calls for _, calls in files]
    return [_merge_site(names, list(site)) for site in zip(*columns, strict=True)]


def agreement(files: Sequence[tuple[Source, Sequence[Call]]]) -> tuple[int, int]:
    """(agreeing, shared): panel sites the first two files both call, and how many of them match."""
    (_, first), (_, second) = files[0], files[1]
    both = [(a, b) for a, b in zip(first, second, strict=True)
            if a.status is Status.CALLED and b.status is Status.CALLED]
    return sum(a.genotype == b.genotype for a, b in both), len(both)


def check_same_person(files: Sequence[tuple[Source, Sequence[Call]]]) -> None:
    for i in range(1, len(files)):
        pair = [files[0], files[i]]
        same, shared = agreement(pair)
        if shared >= MIN_SHARED and same / shared < SAME_PERSON:
            raise InputError(
                f"{files[0][0].name} and {files[i][0].name} look like two different people: they agree at "
                f"{same} of the {shared} panel sites both call ({same / shared:.0%}); give one person's files "
                f"together, or run a report for each file")


def _merge_site(names: list[str], calls: list[Call]) -> Call:
    per_file = tuple(FileCall(n, c.status, c.genotype) for n, c in zip(names, calls, strict=True))
    called = [(n, c) for n, c in zip(names, calls, strict=True) if c.status is Status.CALLED]
    first = calls[0]
    if not called:
        # No file has a genotype: a no-call (with its reason) beats "not in the file".
        best = next((c for c in calls if c.status is Status.NO_CALL), None)
        if best is None:
            return dataclasses.replace(first, per_file=per_file)        # in none of the files: nothing to compare
        return dataclasses.replace(best, per_file=per_file, agreement="no file has a genotype here")
    genotypes = {c.genotype for _, c in called}
    if len(genotypes) > 1:
        said = ", ".join(f"{n} says {c.genotype}" for n, c in called)
        return dataclasses.replace(first, status=Status.NO_CALL, genotype=None, per_file=per_file,
                                   flag=f"the files disagree: {said}; not interpreted until a lab confirms it",
                                   agreement="files disagree", low_quality=False, proxy=None)
    call = called[0][1]
    if len(called) == len(calls):
        return dataclasses.replace(call, per_file=per_file, agreement=f"called ({len(calls)} files agree)")
    missing = "; ".join(f"{n}: {c.status}" for n, c in zip(names, calls, strict=True)
                        if c.status is not Status.CALLED)
    return dataclasses.replace(call, per_file=per_file,
                               agreement=f"called in {', '.join(n for n, _ in called)} only ({missing})")
