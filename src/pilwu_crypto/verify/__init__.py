"""The record verifier: numbered checks over a whole election record, and its report."""
