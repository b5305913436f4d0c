"""The .tbi/.csi reader (vcf_index._load) against a plain reading of the formats (SAM/BAM spec
§5.2-5.3, tabix): the same names, contig starts, linear index, bins and end, on indexes with
many bins and bins of several chunks (long records sit in big bins, between the small ones)."""

import gzip
import random
import struct

import pytest

from itbs_geno.sources import vcf_index

from vcf_factory import Vcf


def plain_reading(path):
    """Every field, one struct.unpack at a time, as the formats describe them; and how many bins
    have more than one chunk."""
    with gzip.open(path, "rb") as fh:
        data, at = fh.read(), 4

    def take(fmt):
        nonlocal at
        values = struct.unpack_from(fmt, data, at)
        at += struct.calcsize(fmt)
        return values

    csi = data[:4] == b"CSI\x01"
    if csi:
        _, depth, aux_length = take("<iii")                # min_shift, depth, the aux's length
        aux = data[at: at + aux_length]
        at += aux_length
        (n_ref,) = take("<i")
        pseudo = ((1 << 3 * (depth + 1)) - 1) // 7 + 1
    else:
        n_ref, *_, names_length = take("<8i")
        aux = data[8: 36 + names_length]
        at += names_length
        pseudo = 37450
    names = [n.decode() for n in aux[28:].split(b"\0") if n] if len(aux) >= 28 else []
    contigs, end, several = [], None, 0
    for _ in range(n_ref):
        start, bins, linear = None, {}, ()
        for _ in range(take("<i")[0]):
            number, first, chunks = take("<IQi") if csi else (*take("<I"), None, *take("<i"))
            if csi:
                bins[number] = first
            pairs = [take("<QQ") for _ in range(chunks)]
            if number == pseudo:
                start = pairs[0][0] if pairs else None
            elif pairs:
                end = max(end or 0, *(e for _, e in pairs))
                several += len(pairs) > 1
        if not csi:
            linear = take(f"<{take('<i')[0]}Q")
        contigs.append((start, linear, bins))
    return names, contigs, end, several


def genome_like(tmp_path, kind):
    """Thousands of records on three contigs, with long deletions and gVCF blocks among them."""
    rng = random.Random(5)
    records = []
    for chrom in ("7", "9", "11"):
        for pos in sorted(rng.sample(range(10_000, 40_000_000), 3_000)):
            if rng.random() < 0.05:
                end = pos + rng.randint(1, 300_000)
                records.append((chrom, pos, "A", "<NON_REF>", ["0/0"], {"info": f"END={end}"}))
            elif rng.random() < 0.05:
                records.append((chrom, pos, "A" * rng.randint(2, 40), "A", ["0/1"]))
            else:
                records.append((chrom, pos, "C", "T", ["0/1"]))
    # Two blocks longer than 8 Mb share one big bin, far apart in the file: that bin has two chunks,
    # and the second holds the file's last record, so the index's end is read from it.
    records += [("11", 5_000_000, "A", "<NON_REF>", ["0/0"], {"info": "END=20000000"}),
                ("11", 40_000_001, "A", "<NON_REF>", ["0/0"], {"info": "END=60000000"})]
    return Vcf(records=records).write(tmp_path, name=f"genome_{kind}", kind=kind)


@pytest.mark.parametrize("kind", ["tbi", "csi"])
@pytest.mark.parametrize("made", ["genome", "person"])
def test_the_index_is_read_as_the_formats_describe_it(tmp_path, kind, made):
    path = genome_like(tmp_path, kind) if made == "genome" else Vcf().write(tmp_path, kind=kind)
    names, contigs, end, several = plain_reading(f"{path}.{kind}")
    index = vcf_index._load(type(path)(f"{path}.{kind}"))
    assert index.names == names and index.end == end
    assert [(c.start, c.linear, c.bins) for c in index.contigs] == contigs
    if made == "genome":
        assert sum(len(c[1]) + len(c[2]) for c in contigs) > 1_000
        assert several > 0                          # bins of several chunks: not the usual one-chunk path
        assert index.end >> 16 > 0                  # records past the first compressed block
        assert vcf_index.usable(path, kind) == (index, None)   # its end is in the file's last block
