"""What the VCF reader looks for: each panel site (and proxy) on each build."""

from dataclasses import dataclass

from itbs_geno.panel_model import Marker, Panel

SYMBOLIC = ("<NON_REF>", "<*>")
# A caller may pad a record's REF to the left of the anchor (a complex event written as one record);
# the text prefilter keeps records starting this far before the anchor, so the unindexed paths
# see the same records an index fetch (which finds every record overlapping the run) does.
_REPEAT_PADDING = 100


@dataclass(frozen=True, eq=False)          # compared and hashed by identity
class Target:
    """One panel site to look for, on one build."""
    build: str
    marker: Marker
    rsid: str                  # the marker's rsID, or a proxy's
    chrom: str                 # without "chr"
    pos: int                   # 1-based; the anchor base for the repeat
    ref: str
    alleles: frozenset[str]
    ref_verified: bool

    @property
    def is_repeat(self) -> bool:
        """The marker's own repeat site (a proxy of a repeat marker is a plain SNP)."""
        return self.marker.kind == "repeat" and self.rsid == self.marker.rsid

    @property
    def run(self) -> tuple[int, int]:
        """First and last base of the repeat's poly-A run: the bases after the anchor, as many as
        the reference allele's length ("5A": the run is 5 bases long)."""
        return self.pos + 1, self.pos + int(self.marker.ref.removesuffix("A"))

    @property
    def end(self) -> int:
        """The last base a record must reach to concern this site: for the repeat, the run's end,
        so an insertion written at the run's last A (right-aligned) is found too."""
        return self.run[1] if self.is_repeat else self.pos

    @property
    def first(self) -> int:
        """The first POS at which a record may start and still concern this site (text prefilter)."""
        return self.pos - _REPEAT_PADDING if self.is_repeat else self.pos


def targets(panel: Panel) -> list[Target]:
    targets = []
    for marker in panel.markers:
        for build, pos in marker.positions.items():
            targets.append(Target(build, marker, marker.rsid, marker.chromosome, pos, marker.ref,
                                  frozenset({marker.ref, marker.alt}), marker.ref_verified))
            for proxy in marker.proxies:
                alleles = frozenset(proxy.allele_map)
                targets.append(Target(build, marker, proxy.rsid, marker.chromosome, proxy.positions[build],
                                      "", alleles, False))
    return targets
