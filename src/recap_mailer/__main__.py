"""The program, as `recap-mailer` and `python -m recap_mailer`; Ctrl-C is always exit 130."""

import os
import signal
import sys
import threading
from typing import Any

#: Interrupts caught in a finaliser, waiting to be delivered again.
_pending: list[threading.Timer] = []


def _interrupt_again(unraisable: Any) -> None:
    """Deliver an interrupt that landed in a finaliser, which Python would only print."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        # From another thread, a moment later: raised in the hook itself it is ignored again.
        timer = threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT))
        _pending.append(timer)
        timer.start()
    else:
        sys.__unraisablehook__(unraisable)


def run() -> None:
    """Load the command line and run it; an interrupt at any moment is one line, exit 130."""
    sys.unraisablehook = _interrupt_again
    try:
        from recap_mailer.cli import run as run_command_line

        run_command_line()
    except KeyboardInterrupt:  # before the command line has loaded, or after it has finished
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    finally:  # stopping already: an interrupt still waiting must not kill the exit
        for timer in _pending:
            timer.cancel()


if __name__ == "__main__":
    run()
