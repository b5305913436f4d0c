"""The checked knowledge kept between runs (knowledge_cache.py): used when it is this user's own and
matches the files exactly, never trusted otherwise."""

import os
import pickle

import pytest

from itbs_geno import knowledge_cache
from itbs_geno.knowledge import Knowledge, _load, load_knowledge
from itbs_geno.resources import data_dir


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def panels(tmp_path):
    folder = tmp_path / "panels"
    folder.mkdir()
    (folder / "panel.toml").write_text('version = "1"\n')
    return (folder,)


def built(value):
    calls = []

    def build():
        calls.append(1)
        return value
    return build, calls


def cache_file(cache_home):
    [path] = (cache_home / "itbs-geno").rglob("knowledge-*.pickle")
    return path


def test_a_second_run_reads_the_cache_and_not_the_files(cache_home, panels):
    build, calls = built({"genes": 1})
    assert knowledge_cache.cached(panels, build, dict) == {"genes": 1}
    assert knowledge_cache.cached(panels, build, dict) == {"genes": 1}
    assert calls == [1]
    assert cache_file(cache_home).stat().st_mode & 0o777 == 0o600


def test_an_edited_panel_file_is_read_afresh(cache_home, panels):
    build, calls = built({"genes": 1})
    knowledge_cache.cached(panels, build, dict)
    (panels[0] / "panel.toml").write_text('version = "2"\n')
    knowledge_cache.cached(panels, build, dict)
    assert calls == [1, 1]


def test_a_cache_file_others_can_write_is_never_loaded(cache_home, panels):
    knowledge_cache.cached(panels, built({"genes": 1})[0], dict)
    path = cache_file(cache_home)
    path.write_bytes(pickle.dumps({"genes": "forged"}))
    assert knowledge_cache.cached(panels, built({"genes": 1})[0], dict) == {"genes": "forged"}   # the control
    os.chmod(path, 0o666)
    assert knowledge_cache.cached(panels, built({"genes": 1})[0], dict) == {"genes": 1}


def test_a_damaged_or_foreign_cache_file_is_ignored(cache_home, panels):
    knowledge_cache.cached(panels, built({"genes": 1})[0], dict)
    path = cache_file(cache_home)
    for planted in (b"\x80\x05garbage", pickle.dumps(["not", "a", "dict"]), b""):
        path.write_bytes(planted)
        os.chmod(path, 0o600)
        assert knowledge_cache.cached(panels, built({"genes": 1})[0], dict) == {"genes": 1}


def test_a_symlinked_cache_file_is_not_followed(cache_home, panels, tmp_path):
    knowledge_cache.cached(panels, built({"genes": 1})[0], dict)
    path = cache_file(cache_home)
    elsewhere = tmp_path / "elsewhere.pickle"
    elsewhere.write_bytes(pickle.dumps({"genes": "forged"}))
    path.unlink()
    os.symlink(elsewhere, path)
    assert knowledge_cache.cached(panels, built({"genes": 1})[0], dict) == {"genes": 1}


def test_an_unwritable_cache_still_gives_the_knowledge(tmp_path, monkeypatch, panels):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))         # a file where the folder should be
    build, calls = built({"genes": 1})
    assert knowledge_cache.cached(panels, build, dict) == {"genes": 1}
    assert knowledge_cache.cached(panels, build, dict) == {"genes": 1}
    assert calls == [1, 1]


def test_the_shipped_knowledge_from_the_cache_equals_a_fresh_read(cache_home):
    load_knowledge.cache_clear()
    first = load_knowledge()
    load_knowledge.cache_clear()
    second = load_knowledge()                              # from the cache file
    load_knowledge.cache_clear()
    assert isinstance(second, Knowledge) and second is not first
    assert second == _load() == first
    assert cache_file(cache_home).exists()
    assert knowledge_cache.key((data_dir("snp_panels"), data_dir("lab_panels"))) in cache_file(cache_home).name


def test_a_full_disk_leaves_no_half_written_cache(cache_home, panels, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(knowledge_cache.pickle, "dump", full)
    build, _ = built({"genes": 1})
    assert knowledge_cache.cached(panels, build, dict) == {"genes": 1}
    assert [p.name for p in (cache_home / "itbs-geno").rglob("*knowledge*")] == []
