"""`aezoo` command line. Each command is one module in `zoo/commands/`.

A command module defines `add_parser(subparsers)`, which registers its
arguments and sets `run=` to a function taking the parsed arguments. User
errors (ValueError, TypeError, missing or existing files) print one line on
stderr and exit with status 2; set AEZOO_DEBUG=1 for the traceback.
"""

import argparse
import importlib
import os
import pkgutil
import sys

USER_ERRORS = (ValueError, TypeError, FileNotFoundError, FileExistsError, PermissionError,
               NotADirectoryError, IsADirectoryError)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one stderr line (usage via --help), exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _command_modules():
    import zoo.commands

    names = sorted(info.name for info in pkgutil.iter_modules(zoo.commands.__path__))
    return [importlib.import_module(f"zoo.commands.{name}") for name in names]


def parser():
    """Returns the `aezoo` argument parser with every command registered."""
    root = _Parser(
        prog="aezoo",
        description="aezoo: autoencoders for Keras 3: train, evaluate, fine-tune and export.",
    )
    subparsers = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules():
        module.add_parser(subparsers)
    return root


def main(argv=None):
    """Entry point of the `aezoo` console script; returns the exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = parser().parse_args(argv)
    from zoo import quiet

    try:
        # TensorFlow's C++ start-up lines never reach the terminal (AEZOO_DEBUG=1 shows them).
        with quiet.filtered_stderr():
            return args.run(args) or 0
    except USER_ERRORS as error:
        if os.environ.get("AEZOO_DEBUG"):
            raise
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"aezoo {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"aezoo {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
