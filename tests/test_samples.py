"""The committed synthetic samples are exactly what make_samples.py makes."""

import importlib.util

from conftest import SAMPLES


def test_generator_reproduces_the_committed_samples(tmp_path):
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    made = sorted(p.name for p in tmp_path.iterdir())
    # squad/ is make_squad.py's (checked by tests/test_team_squad.py)
    hand_written = {"make_samples.py", "README.md", "sample_labs.csv", "make_squad.py", "squad",
                    "sample_profile.toml", "sample_outside_calls.tsv"}
    assert made == sorted(p.name for p in SAMPLES.iterdir() if p.name not in hand_written)
    for name in made:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name
