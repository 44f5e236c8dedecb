"""The zoo's case files are wrong on purpose: keep pytest's case-file plugin off them.

tests/test_zoo.py runs them through ``verify`` and checks every verdict.
"""

collect_ignore_glob = ["*.yaml", "*.yml"]
