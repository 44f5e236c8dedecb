"""Custom-gradient specimens (torch and JAX), each with a correct and injected-bug variants:
the acceptance set of the exact reference traced from code (issue 13). Written for this
project in the style of common public code (nothing copied); format in common.py."""
