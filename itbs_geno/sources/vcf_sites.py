"""What the VCF reader looks for: each panel site (and proxy) on each build."""

from dataclasses import dataclass

from itbs_geno.panel import Marker, Panel

SYMBOLIC = ("<NON_REF>", "<*>")
_REPEAT_WINDOW = 6             # the anchor base and a 5-base run after it


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
    def end(self) -> int:
        return self.pos + (_REPEAT_WINDOW - 1 if self.is_repeat else 0)


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
