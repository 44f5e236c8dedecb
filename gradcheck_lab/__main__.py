"""``python -m gradcheck_lab``: the command line."""

import sys

from gradcheck_lab.cli import main

if __name__ == "__main__":
    sys.exit(main())
