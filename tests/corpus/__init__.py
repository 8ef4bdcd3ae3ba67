"""Tamper corpus: systematic mutations of valid records, each verified (issue 7, item 2)."""
