"""Small VCF/BCF files written for the tests: text first, then bgzip, index, gzip or BCF via pysam."""

import gzip
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pysam
import pysam.bcftools

from itbs_geno.build import CONTIG_LENGTHS

# One person's panel genotypes, as VCF records per build: (chrom, pos, ref, alts, GT).
PERSON = {
    "GRCh37": [("7", 22766645, "C", "G", "0/1"), ("9", 137734416, "C", "T", "0/1"),
               ("11", 66328095, "C", "T", "1/1"), ("11", 102713620, "C", "T", "./."),
               ("11", 102715947, "G", "GA", "0/1"), ("17", 48277749, "C", "A", "1/0")],
    "GRCh38": [("7", 22727026, "C", "G", "0/1"), ("9", 134842570, "C", "T", "0/1"),
               ("11", 66560624, "C", "T", "1/1"), ("11", 102842889, "C", "T", "./."),
               ("11", 102845216, "G", "GA", "0/1"), ("17", 50200388, "C", "A", "1/0")],
}
PERSON_CALLS = {"rs12722": "CT", "rs1800012": "AC", "rs1800795": "CG", "rs3025058": "5A/6A",
                "rs679620": None, "rs1815739": "TT"}
RSIDS = {22766645: "rs1800795", 22727026: "rs1800795", 137734416: "rs12722", 134842570: "rs12722",
         66328095: "rs1815739", 66560624: "rs1815739", 102713620: "rs679620", 102842889: "rs679620",
         48277749: "rs1800012", 50200388: "rs1800012"}


@dataclass
class Vcf:
    build: str = "GRCh38"
    samples: list[str] = field(default_factory=lambda: ["NA00001"])
    records: list[tuple] = None              # (chrom, pos, ref, alts, GT per sample [, extra]) ...
    chr_prefix: bool = False
    ids: bool = False
    contigs: bool = True
    reference: str | None = None             # a ##reference line's value
    extra_header: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)   # raw lines appended after the records

    def text(self) -> str:
        records = self.records if self.records is not None else [(*r[:4], [r[4]] * len(self.samples))
                                                                  for r in PERSON[self.build]]
        lines = ["##fileformat=VCFv4.2"]
        if self.reference:
            lines.append(f"##reference={self.reference}")
        if self.contigs:
            lengths = CONTIG_LENGTHS[self.build]
            for chrom in sorted({r[0] for r in records} | {"7", "9", "11", "17"}, key=_order):
                lines.append(f"##contig=<ID={self._chrom(chrom)},length={lengths[chrom]}>")
        lines += [
            '##INFO=<ID=END,Number=1,Type=Integer,Description="End of a reference block">',
            '##FILTER=<ID=LowQual,Description="Low quality">',
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
            '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
            *self.extra_header,
            "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *self.samples]),
        ]
        for chrom, pos, ref, alts, gts, *extra in sorted(records, key=lambda r: (_order(r[0]), r[1])):
            options = extra[0] if extra else {}
            ident = RSIDS.get(pos, ".") if self.ids else "."
            fmt = options.get("format", "GT")
            values = options.get("values", gts)
            lines.append("\t".join([self._chrom(chrom), str(pos), ident, ref, alts or ".", "50",
                                    options.get("filter", "PASS"), options.get("info", "."), fmt, *values]))
        return "\n".join(lines + self.tail) + "\n"

    def _chrom(self, chrom: str) -> str:
        return f"chr{chrom}" if self.chr_prefix else chrom

    def write(self, folder: Path, name: str = "sample", kind: str = "vcf") -> Path:
        """kind: vcf | bgzip | tbi | csi | gzip | bcf | bcf-csi"""
        plain = folder / f"{name}.vcf"
        plain.write_text(self.text())
        if kind == "vcf":
            return plain
        if kind == "gzip":
            target = folder / f"{name}.vcf.gz"
            with open(plain, "rb") as src, gzip.open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            return target
        if kind in ("bgzip", "tbi", "csi"):
            target = Path(pysam.tabix_compress(str(plain), str(plain) + ".gz", force=True) or str(plain) + ".gz")
            if kind != "bgzip":
                pysam.tabix_index(str(target), preset="vcf", force=True, csi=kind == "csi")
            return target
        target = folder / f"{name}.bcf"
        with pysam.VariantFile(str(plain)) as src, pysam.VariantFile(str(target), "wb", header=src.header) as dst:
            for record in src:
                dst.write(record)
        if kind == "bcf-csi":
            pysam.bcftools.index(str(target))
        return target


def _order(chrom: str) -> tuple[int, str]:
    return (int(chrom), "") if chrom.isdigit() else (99, chrom)
