"""Election objects: manifest, context hashes, ballots, tally."""
