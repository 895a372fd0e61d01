"""`python -m engine.laws DATA.csv --target y`."""
import sys

from .cli import main

sys.exit(main())
