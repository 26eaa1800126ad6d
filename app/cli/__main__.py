"""``python -m app.cli``: the same as the ``c360`` console script."""

import sys

from app.cli import main

sys.exit(main())
