"""The program, as `recap-mailer` and `python -m recap_mailer`; Ctrl-C is always exit 130."""

import sys


def run() -> None:
    """Load the command line and run it; an interrupt at any moment is one line, exit 130."""
    try:
        from recap_mailer.cli import run as run_command_line

        run_command_line()
    except KeyboardInterrupt:  # before the command line has loaded, or after it has finished
        print("interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    run()
