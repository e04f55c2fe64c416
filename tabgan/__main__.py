"""``python -m tabgan``: the command line."""

from tabgan.cli import main

if __name__ == "__main__":
    main()
