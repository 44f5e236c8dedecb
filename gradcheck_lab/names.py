"""Names that case files, the CLI and the JSON report share: their patterns, in one place.

The loader, the JSON Schema, the CLI and the method registry all take these, so a name
the loader accepts is one the CLI accepts and the schema allows.
"""

from __future__ import annotations

import re

NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"  # cases, claims, implementations (contract section 1)
TARGET_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*$"  # package.module:attr
NAME_RE = re.compile(NAME_PATTERN)
TARGET_RE = re.compile(TARGET_PATTERN)

CLAIM_PREFIX = "claim:"  # method names of claims: claim:NAME
IMPL_PREFIX = "impl:"  # and of implementations: impl:NAME
EXPECT_METHOD = "expect"

# where torch and JAX run: a case's `device`, `--device`, and the part after '@' of a
# device-qualified method (torch@cuda, impl:NAME@cuda:1)
DEVICE_PATTERN = r"^(cpu|cuda|cuda:[0-9]+|auto)$"
DEVICE_RE = re.compile(DEVICE_PATTERN)
DEVICE_SEPARATOR = "@"
DEVICES_ACCEPTED = "cpu, cuda, cuda:N (N = 0, 1, ...), auto"
