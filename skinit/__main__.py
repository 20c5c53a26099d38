"""``python -m skinit``: run the seed study (see :mod:`skinit._cli`)."""

import sys

from skinit._cli import main

if __name__ == "__main__":
    sys.exit(main())
