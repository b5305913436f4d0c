#!/usr/bin/env python3
"""Make the SYNTHETIC squad in sample_genomes/squad/: eight athletes' genome files in the
vendors' layouts (23andMe, AncestryDNA, MyHeritage) under genomes/, a roster and a lab sheet. Nobody's DNA.

The squad shows every case the team outputs handle: a see-a-doctor lab value (S01's ferritin
of 11 µg/L, falling), overdue retests (S02's labs are from July), a retest due on the run date
(S06), a minor (S03, born 2009: labs only on the team outputs), a row without consent (S04: never
read), no-calls (S05), an athlete with nothing to act on (S07) and results to discuss. The
README's example runs it with --today 2026-11-30. Re-running gives byte-identical files (fixed
seeds, nothing dated by the clock).

usage: python sample_genomes/make_squad.py [OUTDIR]
"""

import random
import sys
from pathlib import Path

from make_samples import EXPECTED, NOTE, ancestry, background, twentythree, with_panel

HERE = Path(__file__).resolve().parent
BACKGROUND = 1500            # random rows per file: enough to look like an export, small in the repository

# rs12722 (COL5A1), rs1800012 (COL1A1), rs1800795 (IL6), rs679620 (MMP3), rs1815739 (ACTN3); None = no-call
GENOTYPES = {
    "S01": {"rs12722": "TT", "rs1800012": "CC", "rs1800795": "CG", "rs679620": "CT", "rs1815739": "CT"},
    "S02": {"rs12722": "CT", "rs1800012": "AC", "rs1800795": "GG", "rs679620": "TT", "rs1815739": "TT"},
    "S03": {"rs12722": "TT", "rs1800012": "CC", "rs1800795": "CC", "rs679620": "CC", "rs1815739": "TT"},
    "S04": {"rs12722": "CC", "rs1800012": "CC", "rs1800795": "CG", "rs679620": "CT", "rs1815739": "CT"},
    "S05": {"rs12722": "CT", "rs1800012": None, "rs1800795": "CG", "rs679620": None, "rs1815739": "CC"},
    "S06": {"rs12722": "CC", "rs1800012": "CC", "rs1800795": "GG", "rs679620": "CT", "rs1815739": "CT"},
    "S07": EXPECTED["african"],
    "S08": {"rs12722": "CT", "rs1800012": "AA", "rs1800795": "CG", "rs679620": "CT", "rs1815739": "TT"},
}
# id: (file, name, squad, event, sex, birth year, consent, vendor)
ATHLETES = {
    "S01": ("ana_ruiz_23andme.txt", "Ana Ruiz", "endurance", "10,000 m", "F", 1999, "yes", "23andme"),
    "S02": ("ben_okafor_ancestry.txt", "Ben Okafor", "endurance", "marathon", "M", 1996, "yes", "ancestry"),
    "S03": ("cai_lin_myheritage.csv", "Cai Lin", "sprints", "400 m", "F", 2009, "yes", "myheritage"),
    "S04": ("dee_obi_23andme.txt", "Dee Obi", "sprints", "200 m", "M", 1997, "no", "23andme"),
    "S05": ("eli_park_ancestry.txt", "Eli Park", "jumps", "triple jump", "M", 1995, "yes", "ancestry"),
    "S06": ("fay_moss_23andme.txt", "Fay Moss", "endurance", "5,000 m", "F", 2001, "yes", "23andme"),
    "S07": ("gus_hale_myheritage.csv", "Gus Hale", "jumps", "long jump", "M", 1994, "yes", "myheritage"),
    "S08": ("hal_reid_23andme.txt", "Hal Reid", "sprints", "100 m", "M", 2000, "yes", "23andme"),
}
LABS = [   # athlete, marker, value, unit, date
    ("S01", "Ferritin", "24", "ug/L", "2026-06-10"), ("S01", "Ferritin", "11", "ug/L", "2026-10-20"),
    ("S01", "25-OH Vitamin D", "32", "ng/mL", "2026-10-20"), ("S01", "hs-CRP", "0.8", "mg/L", "2026-10-20"),
    ("S02", "hs-CRP", "1.2", "mg/L", "2026-07-01"), ("S02", "25-OH Vitamin D", "18", "ng/mL", "2026-07-01"),
    ("S02", "Ferritin", "60", "ng/mL", "2026-07-01"),
    ("S03", "Ferritin", "38", "ng/mL", "2026-11-02"), ("S03", "25-OH Vitamin D", "28", "ng/mL", "2026-11-02"),
    ("S06", "hs-CRP", "1.6", "mg/L", "2026-06-20"), ("S06", "hs-CRP", "0.6", "mg/L", "2026-10-05"),
    ("S06", "Omega-3 Index", "6.1", "%", "2026-10-05"),
    ("S07", "Ferritin", "85", "ng/mL", "2026-11-15"), ("S07", "25-OH Vitamin D", "40", "ng/mL", "2026-11-15"),
    ("S08", "Ferritin", "48", "ng/mL", "2026-11-20"),
]


def myheritage(rng: random.Random, genotypes: dict) -> str:
    """MyHeritage: comment lines, then a quoted CSV RSID,CHROMOSOME,POSITION,RESULT ("--" for a no-call)."""
    header = [f"# {NOTE}", "# MyHeritage DNA raw data.", "# This file was generated on 2026-11-25",
              ("# For each SNP, we provide the identifier, chromosome number, base pair position and genotype. "
               "The genotype is reported on the forward (+) strand with respect to the human reference build 37."),
              "RSID,CHROMOSOME,POSITION,RESULT"]
    rows = [f'"{i}","{c}","{p}","{g}"' for i, c, p, g in with_panel(background(rng, BACKGROUND), genotypes)
            if not g.startswith(("D", "I"))]
    return "\n".join(header + rows) + "\n"


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    genomes = outdir / "genomes"
    genomes.mkdir(exist_ok=True)
    writers = {"23andme": lambda rng, g: twentythree(rng, g, BACKGROUND),
               "ancestry": lambda rng, g: ancestry(rng, g, BACKGROUND), "myheritage": myheritage}
    for seed, (athlete, (file, _name, _squad, _event, _sex, _born, _consent, vendor)) in enumerate(ATHLETES.items()):
        text = writers[vendor](random.Random(3000 + seed), GENOTYPES[athlete])
        (genomes / file).write_text(text, newline="")
    roster = ["file,athlete_id,name,squad,event,sex,birth_year,consent"]
    roster += [f'{f},{a},{n},{sq},"{ev}",{sx},{born},{c}' for a, (f, n, sq, ev, sx, born, c, _v) in ATHLETES.items()]
    (outdir / "roster.csv").write_text("\n".join(roster) + "\n", newline="")
    labs = ["athlete,marker,value,unit,date"] + [",".join(row) for row in LABS]
    (outdir / "labs.csv").write_text("\n".join(labs) + "\n", newline="")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "squad")
