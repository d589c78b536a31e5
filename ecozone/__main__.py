"""``python -m ecozone`` is the ``ecozone`` command."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="ecozone")
