"""`python -m mlwright` runs the command line."""

from mlwright.cli.app import main

main()
