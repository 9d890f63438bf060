"""The expected-failures table names real programs and backends, and README.md's generated
tables are fresh."""

from tests.keras_programs import harness, readme
from tests.keras_programs.expected_failures import EXPECTED_FAILURES


def test_expected_failures_name_programs_and_backends():
    for name, features in EXPECTED_FAILURES.items():
        assert name in harness.PROGRAM_NAMES, f"{name} is not a program"
        if isinstance(features, dict):
            assert set(features) <= set(harness.ENGINE_BACKENDS), (name, set(features))


def test_readme_tables_are_fresh():
    assert readme.README.read_text() == readme.readme_text(), (
        "README.md is stale: run python -m tests.keras_programs.readme"
    )
