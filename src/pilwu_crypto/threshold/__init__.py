"""Threshold trustees: distributed key generation, decryption shares, Lagrange combination."""
