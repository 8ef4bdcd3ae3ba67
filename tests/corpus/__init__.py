"""Tamper corpus: systematic mutations of valid records, each verified."""
