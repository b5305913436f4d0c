"""itbs-geno: ITBS and soft-tissue injury genotypes from consumer DNA files, offline."""

__version__ = "0.1.0"
