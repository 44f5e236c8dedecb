"""``python -m gradcheck_lab.cli``."""

import sys

from gradcheck_lab.cli import main

sys.exit(main())
