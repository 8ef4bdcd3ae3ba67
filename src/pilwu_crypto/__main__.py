"""python -m pilwu_crypto: the pilwu command line."""

import sys

from pilwu_crypto.cli import main

sys.exit(main())
