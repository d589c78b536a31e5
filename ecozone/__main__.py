"""``python -m ecozone`` is the ``ecozone`` command."""

from .cli import run

if __name__ == "__main__":
    run(prog_name="ecozone")
