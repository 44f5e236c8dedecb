# The hostile case files here are data for tests/test_hostile.py, not tests: the
# gradcheck-lab pytest plugin must not collect them.
collect_ignore_glob = ["*.yaml", "*.yml", "*.bin"]
