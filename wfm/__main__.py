"""`python -m wfm` runs the command line."""

from wfm.cli import main

main()
