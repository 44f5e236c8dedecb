"""User code written for the regression tests of issue 10: each module holds one pattern
seen in public custom-gradient code, re-implemented here (nothing copied)."""
