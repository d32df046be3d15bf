"""The program, as `recap-mailer` and `python -m recap_mailer`; Ctrl-C is always exit 130."""

import os
import sys

try:  # a Ctrl-C while this module itself loads is still one line and exit 130
    import contextlib
    import signal
    import threading
    from typing import Any
except KeyboardInterrupt:
    sys.stderr.write("interrupted\n")
    raise SystemExit(130) from None

#: Interrupts caught in a finaliser, waiting to be delivered again.
_pending: list[threading.Timer] = []
#: Set once the program is stopping: from then on an interrupt changes nothing.
_stopping = threading.Event()


def _deliver() -> None:
    if not _stopping.is_set():
        os.kill(os.getpid(), signal.SIGINT)


def _interrupt_again(unraisable: Any) -> None:
    """Deliver an interrupt that landed in a finaliser, which Python would only print."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        if _stopping.is_set():
            return
        # From another thread, a moment later: raised in the hook itself it is ignored again.
        timer = threading.Timer(0.05, _deliver)
        timer.daemon = True  # never holds up the exit
        _pending.append(timer)
        timer.start()
    else:
        sys.__unraisablehook__(unraisable)


def stop_interrupts() -> None:
    """Ignore Ctrl-C from now on: the program is stopping, and a second one must not kill
    the exit (or its last line) half-way."""
    while True:
        try:
            # Ignored first: a signal that arrives now, or is already on its way from a
            # timer below, finds SIGINT ignored (Python restores the default only at exit).
            with contextlib.suppress(ValueError):  # not the main thread: not ours to set
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            _stopping.set()
            for timer in _pending:
                timer.cancel()
                timer.join()
            return
        except KeyboardInterrupt:  # raised just before SIGINT was ignored: ignore it now
            continue


def run() -> None:
    """Load the command line and run it; an interrupt at any moment is one line, exit 130."""
    sys.unraisablehook = _interrupt_again
    try:
        from recap_mailer.cli import run as run_command_line

        run_command_line(on_stop=stop_interrupts)
    except KeyboardInterrupt:  # before the command line has loaded, or after it has finished
        stop_interrupts()
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        stop_interrupts()


if __name__ == "__main__":
    run()
