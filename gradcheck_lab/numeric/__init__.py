"""Pure numeric kernels: symbolic reverse accumulation, Ridders' finite differences."""
