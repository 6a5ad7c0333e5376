"""`python -m edcal`: the same as the `edcal` command."""

from edcal.cli import main

main()
