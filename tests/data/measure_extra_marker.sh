#!/bin/sh
# Measure how many tests pin the shipped panel (issue 12, item 5): append a test-only marker to
# snp_panels/COL5A1.toml, run the whole suite, restore the file. Only golden files should fail:
# tests/golden/*.json and the README's `itbs-geno call` example. The marker is extra_marker.toml
# under another id, rsid and position, so test_panel_change.py can still add its own beside it.
set -u
cd "$(dirname "$0")/../.."
sed -e 's/COL5A1_TESTONLY/COL5A1_MEASURE/' -e 's/rs999999901/rs999999911/' \
    -e 's/137700001/137700011/' -e 's/134800001/134800011/' tests/data/extra_marker.toml >> snp_panels/COL5A1.toml
python -m pytest -q -p no:cacheprovider -rf "$@"
status=$?
git checkout -- snp_panels/COL5A1.toml
exit $status
