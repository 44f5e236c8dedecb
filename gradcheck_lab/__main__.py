"""``python -m gradcheck_lab``: the command line."""

import sys

from gradcheck_lab.cli import main

sys.exit(main())
