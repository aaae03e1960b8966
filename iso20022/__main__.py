"""``python -m iso20022``: the command line."""

import sys

from .cli import main

sys.exit(main())
