#!/usr/bin/env python3
"""Command line entry point: ``python run_sim.py {run,check,bench} ...``."""

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
