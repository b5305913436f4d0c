"""Cohort VCFs: samples with the same calls share their rows, calls, findings, plan and JSON text
(made once), and `call --json` writes each sample as it is finished. Sharing must never change an
answer: each sample's answer in a cohort is its answer read alone, and the text is json.dumps's."""

import datetime as dt
import json

import pysam
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from itbs_geno import call_json, pipeline
from itbs_geno.calling import call_panel
from itbs_geno.cli import cli
from itbs_geno.errors import InputError
from itbs_geno.interpret import interpret
from itbs_geno.model import SampleResult, Status
from itbs_geno.result_json import as_json
from itbs_geno.sources import vcf, vcf_pysam, vcf_scan
from itbs_geno.sources.opener import open_text
from itbs_geno.sources.reader import Wanted

from vcf_factory import Vcf

SAMPLES = ["S1", "S2", "S3", "S4", "S5", "Jane_Doe", "Zoë", "S8"]
QUALITY = {"format": "GT:GQ:DP"}
# Each site as (chrom, pos, ref, alt, GT per sample[, options]): S1 and S2 are alike, S3 differs from
# them only by phasing, S8 only by a low GQ; the rest hold low-quality calls (FILTER, GQ, DP),
# no-calls, half calls, a haploid call, and the MMP3 repeat's indel.
RECORDS = [
    ("7", 22727026, "C", "G", None, dict(QUALITY, values=[
        "0/1:99:30", "0/1:99:30", "0|1:99:30", "1|0:10:30", "./.:.:.", "1/1:99:5", "0/1:99:30", "0/1:10:30"])),
    ("9", 134842570, "C", "T", ["0/1", "0/1", "0/1", "1/1", "0/0", "./.", "0/1", "0/1"], {"filter": "LowQual"}),
    ("11", 66560624, "C", "T", ["1/1", "1/1", "1/1", ".", "0/1", "1", "0/0", "1/1"]),
    ("11", 102842889, "C", "T", ["./.", "./.", "./.", "0/1", "./.", "1/1", "./.", "./."]),
    ("11", 102845216, "G", "GA", ["0/1", "0/1", "0/1", "0/0", "./.", "1/1", "./1", "0/1"]),
    ("17", 50200388, "C", "A", ["1/0", "1/0", "1/0", "0/1", "0/1", "1/1", "./1", "1/0"]),
]


def cohort(tmp_path, kind="bgzip", columns=None, name="cohort"):
    """The cohort's file, with the samples at `columns` (all by default)."""
    columns = range(len(SAMPLES)) if columns is None else columns
    records = []
    for chrom, pos, ref, alt, gts, *options in RECORDS:
        extra = dict(options[0]) if options else {}
        if "values" in extra:
            extra["values"] = [extra["values"][i] for i in columns]
        records.append((chrom, pos, ref, alt, [gts[i] for i in columns] if gts else [], extra))
    return Vcf(samples=[SAMPLES[i] for i in columns], records=records).write(tmp_path, name=name, kind=kind)


def alone(tmp_path, sample):
    """The cohort's file with only `sample`'s column: the answer with nothing to share."""
    i = SAMPLES.index(sample)
    return cohort(tmp_path, columns=[i], name=f"alone_{i}")


@pytest.mark.parametrize("kind", ["vcf", "tbi"])
def test_each_sample_gets_the_answer_it_gets_alone(tmp_path, knowledge, kind):
    together = pipeline.analyse(cohort(tmp_path, kind), knowledge)
    assert [r.sample for r in together] == SAMPLES
    for result in together:
        [single] = pipeline.analyse(alone(tmp_path, result.sample), knowledge)
        assert (result.findings, result.plan, result.biomarkers, result.person) == \
               (single.findings, single.plan, single.biomarkers, single.person)
    flags = {f.call.rsid: f.call for f in together[3].findings}
    assert flags["rs1800795"].low_quality and flags["rs12722"].low_quality     # GQ 10; FILTER LowQual
    assert flags["rs1815739"].status is Status.NO_CALL and not flags["rs1815739"].flag   # "." is a no-call
    haploid = next(f.call for f in together[5].findings if f.call.rsid == "rs1815739")
    assert haploid.status is Status.NO_CALL and "haploid" in haploid.flag                # "1" at an autosome


def test_shared_answers_equal_answers_made_one_by_one(tmp_path, knowledge):
    """The pipeline's sharing against calling, interpreting and finishing every sample itself."""
    path, panel = cohort(tmp_path), knowledge.genes
    shared = pipeline.analyse(path, knowledge)
    with open_text(path, claims=lambda head: True) as opened:
        found = vcf.read(path, opened, Wanted.from_panel(panel))
    assert found.rows["S1"] == found.rows["S2"] != found.rows["S3"]        # S3 is phased: its rows say so
    assert found.rows["S1"] != found.rows["S8"]                              # S8's GQ is low
    assert all(a is b for a, b in zip(found.rows["S1"], found.rows["S2"], strict=True))   # made once
    for sample, result in zip(found.samples, shared, strict=True):
        calls = call_panel(panel, list(found.rows[sample]), found.build, found.strand)
        assert pipeline.finish(SampleResult(sample, result.source, interpret(panel, calls)), knowledge, []) == result
    assert shared[0].findings is shared[1].findings and shared[0].plan is shared[1].plan
    assert shared[2].findings is shared[0].findings          # S3's phasing is in its rows, not in its calls
    assert shared[7].findings != shared[0].findings          # S8's low GQ is


def test_call_json_is_json_dumps_of_the_list_byte_for_byte(tmp_path, knowledge):
    path = cohort(tmp_path)
    results = pipeline.analyse(path, knowledge)
    today = dt.date.today()
    for ensure_ascii in (True, False):
        lines: list[str] = []
        call_json.write(iter(results), knowledge.genes, lines.append, ensure_ascii, today)
        expected = json.dumps([as_json(r, knowledge.genes, today=today) for r in results], indent=2,
                              ensure_ascii=ensure_ascii)
        assert "\n".join(lines) == expected
    printed = CliRunner().invoke(cli, ["call", "--json", str(path)])
    assert printed.exit_code == 0
    as_text = [json.dumps([as_json(r, knowledge.genes, today=today) for r in results], indent=2,
                          ensure_ascii=ensure_ascii) + "\n" for ensure_ascii in (True, False)]
    assert printed.stdout in as_text             # ASCII or not, by what the output takes
    assert [r["person"] for r in json.loads(printed.stdout)][5:7] == ["Jane Doe", "Zoë"]


def test_an_empty_list_is_written_as_before(knowledge):
    lines: list[str] = []
    call_json.write(iter([]), knowledge.genes, lines.append)
    assert lines == ["[", "]"]


def test_call_json_writes_each_sample_before_the_next_is_finished(tmp_path, knowledge):
    written: list[str] = []
    seen_when_asked: list[int] = []

    def results():
        for result in pipeline.each(cohort(tmp_path), knowledge):
            seen_when_asked.append(len(written))
            yield result

    call_json.write(results(), knowledge.genes, written.append)
    # When the third sample is asked for, "[" and the first sample are out (the comma waits for the next).
    assert seen_when_asked[:3] == [1, 1, 2]
    assert len(written) == len(SAMPLES) + 2


def test_bad_input_fails_before_the_first_result_is_written(tmp_path, knowledge):
    path = cohort(tmp_path)
    with pytest.raises(InputError, match='no sample named "Zed"'):
        pipeline.each(path, knowledge, sample="Zed")             # raised on the call, not when iterated
    refused = CliRunner().invoke(cli, ["call", "--json", str(path), "--sample", "Zed"])
    assert refused.exit_code == 2 and refused.stdout == ""
    chosen = json.loads(CliRunner().invoke(cli, ["call", "--json", str(path), "--sample", "Zoë"]).stdout)
    assert [r["sample"] for r in chosen] == ["Zoë"]


ODD_COLUMNS = [".", "./.", ".|.", "0", "1", "0/1", "0|1", "1|0", "./1", "0/.", "0/1:.:.", "0/1:99", "0/1:99:7",
               "0/1:99:.", ".:99:7", "0/1/2", "1/2", "0|1|1", "1|0:5:3", "0/0:99:30", "0/0:099:30", ".:.:.",
               "0/1:5", "2|.", ".|2", "0|1:99:7"]


@pytest.mark.parametrize("version", ["4.2", "4.3", "4.4"])
@pytest.mark.parametrize("gq_type", ["Integer", "Float"])
def test_each_distinct_column_is_decoded_once_as_pysam_decodes_each_sample(tmp_path, version, gq_type):
    names = [f"S{i}" for i in range(len(ODD_COLUMNS))]
    flipped = [":".join(c.split(":")[1::-1]) if ":" in c else "7" for c in ODD_COLUMNS]   # GQ first, or GQ alone
    text = "\n".join([
        f"##fileformat=VCFv{version}", "##contig=<ID=1,length=1000>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        f'##FORMAT=<ID=GQ,Number=1,Type={gq_type},Description="Genotype quality">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *names]),
        "\t".join(["1", "10", ".", "A", "C,G", "50", "PASS", ".", "GT:GQ:DP", *ODD_COLUMNS]),
        "\t".join(["1", "11", ".", "A", "C,G", "50", "PASS", ".", "GQ:GT", *flipped]),
        "\t".join(["1", "12", ".", "A", "C", "50", "PASS", ".", "GQ:DP", *["7:8"] * len(names)])]) + "\n"
    (tmp_path / "odd.vcf").write_text(text)
    with pysam.VariantFile(str(tmp_path / "odd.vcf")) as vf:
        for record in vf:
            each = {name: vcf_pysam._sample_call(call) for name, call in record.samples.items()}
            once = vcf_pysam._decoded_by_text(record)
            assert once == (None if gq_type == "Float" and "GQ" in record.format else each)
            assert vcf_pysam.copy_record(record).samples == each
            shared = vcf_pysam.copy_record(record).samples
            assert len({id(call) for call in shared.values()}) == len(set(each.values()))   # one per distinct call


@settings(max_examples=300, derandomize=True)
@given(block=st.lists(st.sampled_from([b"a", b"bc", b"", b"\n", b"\t0|1"]), max_size=30).map(b"".join),
       count=st.integers(1, 12))
def test_the_first_records_are_taken_as_split_takes_them(block, count):
    """The text pass keeps a cohort's first records without copying the rest of the block."""
    assert vcf_scan._first_lines(block, count) == block.split(b"\n", count)[:count]
