import pytest

from itbs_geno.genotype import BadGenotype, complement, from_alleles, is_palindromic, parse_joined, parse_pair
from itbs_geno.model import Genotype


@pytest.mark.parametrize("text, expected", [
    ("AG", "AG"), ("GA", "AG"), ("TC", "CT"), ("cc", "CC"), ("A", "A"),
    ("DI", "DI"), ("ID", "DI"), ("II", "II"), ("D", "D"), (" CT ", "CT"),
])
def test_joined_genotypes_are_sorted_plus_strand_letters(text, expected):
    assert str(parse_joined(text)) == expected


@pytest.mark.parametrize("text", ["--", "-", "", "00", "0", "NC"])
def test_no_call_codes_give_none(text):
    assert parse_joined(text) is None


@pytest.mark.parametrize("text, reason", [
    ("ZZ", "not an allele"), ("ACG", "3 alleles"), ("-A", "half a call"), ("AI", "mixes a base"),
])
def test_impossible_genotypes_are_refused_with_a_reason(text, reason):
    with pytest.raises(BadGenotype, match=reason):
        parse_joined(text)


def test_allele_pairs_as_ancestrydna_writes_them():
    assert str(parse_pair("T", "C")) == "CT"
    assert parse_pair("0", "0") is None
    with pytest.raises(BadGenotype, match="half a call"):
        parse_pair("0", "A")
    with pytest.raises(BadGenotype, match="single alleles"):
        parse_pair("AG", "A")


def test_repeat_alleles_sort_by_length_and_print_with_a_slash():
    assert str(from_alleles(["6A", "5A"])) == "5A/6A"
    assert from_alleles(["10A", "9A"]).alleles == ("9A", "10A")


def test_complement_and_palindromes():
    assert complement(Genotype(("A", "G"))) == Genotype(("C", "T"))
    assert is_palindromic("C", "G") and is_palindromic("A", "T")
    assert not is_palindromic("C", "T")
