"""A helper process that draws a campaign's cards while the email renders."""

from __future__ import annotations

import collections
import contextlib
import os
import select
import signal
import struct
import threading
from collections.abc import Mapping

from recap_mailer.cards import draw, files, fonts, layout
from recap_mailer.cards.stamp import card_inputs
from recap_mailer.model import Campaign, Quote
from recap_mailer.outputs import write_all

#: Cards left to the helper when this process is free, from which it draws some of them
#: too: Pillow and the fonts cost this process a few cards' time before its first.
SHARE_FROM = 6
#: Seconds the build waits for the helper's next card before drawing the rest itself (a card
#: takes a twentieth of a second).
HELPER_PATIENCE = 30.0


class CardsInProgress:
    """Cards being drawn, by a helper process if allowed: ``result()`` gives them all."""

    # The helper draws the cards still to draw, first to last, while the caller renders the
    # email on the other core. When the caller asks for them and many are left (hundreds of
    # quotes), it draws from the last backwards until the two meet; otherwise it waits, and
    # never loads Pillow or the fonts. If the helper fails, its cards are drawn here instead.

    def __init__(self, campaign: Campaign, previous: Mapping[str, bytes] | None = None,
                 *, helper: bool = False) -> None:
        self.campaign, self.previous = campaign, previous
        self._helper: tuple[int, int] | None = None  # the helper's pid and its pipe
        todo = _to_draw(campaign, previous) if helper else []
        self._left = collections.deque(todo)  # still to come, in the order the helper draws
        self._done: dict[str, bytes] = {}
        self._ended = False  # the helper has sent all it will
        if len(todo) >= 2 and _may_fork():
            self._helper = _fork_drawing(campaign, todo)

    def collect(self) -> None:
        """Take the cards the helper has sent so far, without waiting."""
        # Called between stages of a long build: a helper whose pipe is full waits until read.
        if self._helper is not None:
            self._receive(wait=False)

    def result(self) -> dict[str, bytes]:
        """Wait for the helper (or share its work), draw anything left, and return every card."""
        if self._helper is not None:
            try:
                self._share()
            finally:
                self.cancel()  # once the two meet, it may be drawing a card already drawn here
            files._DRAWN.update(self._done)
            # Whatever neither drew (a helper that failed) is drawn here, below.
        return files.render_cards(self.campaign, self.previous)

    def _receive(self, wait: bool) -> None:
        """Take the helper's cards as they come; with ``wait``, until it has sent them all."""
        assert self._helper is not None
        pipe = self._helper[1]
        poller = select.poll()
        poller.register(pipe, select.POLLIN)
        patience = int(HELPER_PATIENCE * 1000) if wait else 0
        while self._left and not self._ended:
            if not poller.poll(patience):
                # Nothing within the patience while waiting: a helper stuck on a card must
                # not hang the build; what it has not sent is drawn here.
                self._ended = wait
                return
            card = _receive_card(pipe)
            if card is None:
                self._ended = True  # the helper stopped: result() draws what it did not send
                return
            self._done[card[0]] = card[1]
            self._left.popleft()

    def _share(self) -> None:
        """Take the helper's cards, drawing from the other end if many are left."""
        self._receive(wait=False)
        if len(self._left) < SHARE_FROM or self._ended:
            self._receive(wait=True)
            return
        while self._left:
            quote, size = self._left.pop()
            self._done[card_inputs(quote, self.campaign, size)] = draw.render_card(
                quote, self.campaign, size)
            self._receive(wait=False)
        # Drawn here only to share the work: the sized fonts and layouts it kept (megabytes
        # for hundreds of cards) are let go before the rest of the build.
        layout.set_text.cache_clear()
        fonts.font.cache_clear()

    def cancel(self) -> None:
        """Stop the helper: the build failed before its cards were wanted, or has them all."""
        if self._helper is not None:
            pid, pipe = self._helper
            self._helper = None
            os.close(pipe)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)



def _may_fork() -> bool:
    """Say whether a helper may be forked: only from a process with no other thread."""
    return hasattr(os, "fork") and threading.active_count() == 1


def _fork_drawing(campaign: Campaign, items: list[tuple[Quote, tuple[int, int]]],
                  ) -> tuple[int, int] | None:
    """Fork a helper that draws ``items`` and sends them back, one by one, through a pipe."""
    reading, writing = os.pipe()
    # Room for several cards: a helper blocked on a full pipe would wait while the parent
    # draws its share (Linux; elsewhere the default size).
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(writing, fcntl.F_SETPIPE_SZ, 1 << 20)
    try:
        pid = os.fork()
    except OSError:
        os.close(reading)
        os.close(writing)
        return None
    if pid:
        os.close(writing)
        return pid, reading
    # The helper: draw, send, and leave without running anything the parent set up.
    status = 1
    try:
        os.close(reading)
        for quote, size in items:
            png = draw.render_card(quote, campaign, size)
            key = card_inputs(quote, campaign, size).encode("utf-8")
            write_all(writing, struct.pack(">II", len(key), len(png)) + key + png)
        status = 0
    finally:
        os._exit(status)


# Between the helper and its parent, each card is its inputs and its PNG, each after its
# length: read exactly, with no read-ahead, so poll() tells truly whether one is waiting.


def _read_exactly(descriptor: int, size: int) -> bytes | None:
    chunks, wanted = [], size
    while wanted:
        chunk = os.read(descriptor, min(wanted, 1 << 20))
        if not chunk:
            return None  # the helper ended in the middle: nothing of this card is used
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)


def _receive_card(descriptor: int) -> tuple[str, bytes] | None:
    """Read the helper's next card (inputs, PNG); None when it has sent its last."""
    header = _read_exactly(descriptor, 8)
    if header is None:
        return None
    key_size, png_size = struct.unpack(">II", header)
    key, png = _read_exactly(descriptor, key_size), _read_exactly(descriptor, png_size)
    if key is None or png is None:
        return None
    return key.decode("utf-8"), png


def _to_draw(campaign: Campaign, previous: Mapping[str, bytes] | None,
             ) -> list[tuple[Quote, tuple[int, int]]]:
    """Return the cards neither this process nor ``previous`` has, once each."""
    todo = {key: (quote, size) for _, key, quote, size, kept in files._each_card(campaign, previous)
            if kept is None}
    return list(todo.values())


