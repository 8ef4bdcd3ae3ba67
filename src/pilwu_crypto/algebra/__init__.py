"""Algebra: gmpy2 arithmetic core, the Group interface and its implementations, encoding, transcript."""
