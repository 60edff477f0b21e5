"""`python -m e27_emulator` for the demo, with a link table that outlives the process.

Usage: demo_panel.py LINKS_FILE [emulator options]. The emulated panel forgets its links when it
stops, so after a restart of the demo it would refuse Home Assistant's link from the earlier run
and Home Assistant would ask to link again. This runs the emulator's own command line, unchanged
but for its link table, which is read from LINKS_FILE at start and written back at stop, as a
real panel keeps its links across power cycles, and for the end of its console: `quit` (or the
end of input) asks the demo to stop, which stops Home Assistant first and then this panel, so
Home Assistant never sees its panel go away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Final, TextIO

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from e27_emulator import __main__ as emulator  # noqa: E402
from e27_emulator.server import EmulatorPanel  # noqa: E402

# How long the panel waits, after quit, for the demo to stop Home Assistant and then the panel.
QUIT_WAIT: Final = 60.0
_console = emulator._console


class LinksKeptPanel(EmulatorPanel):
    """An emulated panel whose link table is loaded at start and saved at stop."""

    links_file: Path

    async def start(self) -> None:
        """Load the links kept by an earlier run, then start as usual."""
        if self.links_file.exists():
            for sn, link in json.loads(self.links_file.read_text()).items():
                self.add_link(sn, linkkey_hex=link["linkkey"], linkhmac_hex=link["linkhmac"])
        await super().start()

    async def stop(self) -> None:
        """Stop as usual, then keep the links (only the demo's own user can read them)."""
        await super().stop()
        links = {sn: {"linkkey": link.linkkey_hex, "linkhmac": link.linkhmac_hex} for sn, link in self.links.items()}
        descriptor = os.open(self.links_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(links, file, indent=2)


async def console_then_stop_the_demo(panel: EmulatorPanel, stop: asyncio.Event, stdin: TextIO, out: TextIO) -> None:
    """The emulator's console; after quit, ask the demo (the parent) to stop and keep serving until it does."""
    await _console(panel, stop, stdin, out)
    if stop.is_set():
        return  # the demo is stopping us already
    print("Stopping Home Assistant first ...", file=out, flush=True)
    os.kill(os.getppid(), signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(QUIT_WAIT):
            await stop.wait()


def main(argv: list[str]) -> int:
    """Run the emulator's command line with LinksKeptPanel in place of EmulatorPanel."""
    LinksKeptPanel.links_file = Path(argv[0])
    emulator.EmulatorPanel = LinksKeptPanel  # type: ignore[misc]
    emulator._console = console_then_stop_the_demo
    return emulator.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
