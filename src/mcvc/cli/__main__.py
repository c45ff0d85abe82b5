"""``python -m mcvc.cli``."""

import sys

from . import main

sys.exit(main())
