"""AIGC Studio entry point: `python main.py` opens the studio; `python main.py --help` lists the CLI."""
import sys

from studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
