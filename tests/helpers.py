"""Test helpers: build cases from YAML text without touching the disk."""

from __future__ import annotations

from gradcheck_lab.case import Case
from gradcheck_lab.loader import load_document, load_yaml


def case_from(text: str, file: str = "test.yaml") -> Case:
    cases = load_document(load_yaml(text, file), file)
    assert len(cases) == 1
    return cases[0]
