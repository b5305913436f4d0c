"""The set of panel sites a reader looks for while streaming a file."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Sites:
    ids: frozenset[str]                    # rsIDs, their merged aliases, and proxy rsIDs
    positions: frozenset[tuple[str, str]]  # (chromosome, position) in every supported build

    @property
    def position_values(self) -> frozenset[str]:
        """The positions alone: a cheap first test before building a (chromosome, position) pair."""
        return frozenset(pos for _, pos in self.positions)

    def has_position(self, chrom: str, pos: str) -> bool:
        """Position matching catches panel SNPs a vendor lists under an internal ID."""
        return (chrom, pos) in self.positions


class _Everything(frozenset):
    def __contains__(self, item: object) -> bool:
        return True


# Read every row, as if every site were a panel site: used to check a reader on a whole file.
EVERY_SITE = Sites(_Everything(), frozenset())
