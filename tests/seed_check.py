"""The report's text is our own: no run of nine words repeats the seed article (facts carry over,
sentences do not). Needs the article, which lives in ../shared, so .ci/run runs this as its own
step where ../shared exists; `python tests/seed_check.py PATH/TO/itbs_article.txt` by hand.

Checks the rendered sample report (with labs, so every lab text is in it) and, through
../shared/tools/seed_overlap.py, every text file of the project."""

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = 9


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:[.'’-][a-z0-9]+)*", text.lower())


def copied_passages(page: str, seed: str) -> list[str]:
    seed_words = words(seed)
    shingles = {tuple(seed_words[i:i + WORDS]) for i in range(len(seed_words) - WORDS + 1)}
    text = words(re.sub(r"<[^>]+>", " ", page))
    return [" ".join(text[i:i + WORDS]) for i in range(len(text) - WORDS + 1) if tuple(text[i:i + WORDS]) in shingles]


def sample_report() -> str:
    from itbs_geno import render
    from itbs_geno.knowledge import load_knowledge
    from itbs_geno.pipeline import analyse

    knowledge = load_knowledge()
    [result] = analyse(ROOT / "sample_genomes" / "genome_Synthetic_Runner_v5_Full_20261125.zip", knowledge,
                       lab_sheet=ROOT / "sample_genomes" / "sample_labs.csv")
    return render.html(result, knowledge, dt.date(2026, 11, 29))


def main(article: Path) -> int:
    copied = copied_passages(sample_report(), article.read_text(encoding="utf-8"))
    for passage in copied:
        print(f"report repeats the seed article: {passage}")
    tool = article.parent.parent / "tools" / "seed_overlap.py"
    listed = subprocess.run([sys.executable, str(tool), str(ROOT)], capture_output=True, text=True, check=False)
    print(listed.stdout, end="")
    return 1 if copied or listed.returncode else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "seed" / "itbs_article.txt"))
