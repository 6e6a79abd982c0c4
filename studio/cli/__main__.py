"""`python -m studio.cli ...` (as `main.py ...`): what `accelerate launch -m studio.cli` and torchrun run."""
import sys

from studio.cli import main

sys.exit(main())
