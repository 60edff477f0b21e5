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
import tempfile
from pathlib import Path
from typing import Any, Final, TextIO

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from e27_emulator import __main__ as emulator  # noqa: E402
from e27_emulator.server import EmulatorPanel  # noqa: E402

# How long the panel waits, after quit, for the demo to stop Home Assistant and then the panel.
QUIT_WAIT: Final = 60.0
_console = emulator._console


def write_private(path: Path, data: Any) -> None:
    """Write data as JSON to path, readable by its owner only, whatever was at path before.

    The JSON goes to a new file (created 0600 in the same directory) that is then renamed over
    path: an existing file with a looser mode is replaced, not reused, and a symlink at path is
    replaced, never followed.
    """
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as file:
            json.dump(data, file, indent=2)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_links(path: Path) -> dict[str, dict[str, str]]:
    """The link table kept at path; empty if there is none, if path is a symlink (never followed) or unreadable."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return {}
    except OSError as err:  # ELOOP: a symlink
        print(f"demo panel: not reading the links at {path}: {err}", file=sys.stderr)
        return {}
    try:
        with os.fdopen(descriptor) as file:
            links = json.load(file)
        return {
            str(sn): {"linkkey": str(link["linkkey"]), "linkhmac": str(link["linkhmac"])} for sn, link in links.items()
        }
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        print(f"demo panel: ignoring the unreadable links at {path}: {err}", file=sys.stderr)
        return {}


class LinksKeptPanel(EmulatorPanel):
    """An emulated panel whose link table is loaded at start and saved at stop."""

    links_file: Path

    async def start(self) -> None:
        """Load the links kept by an earlier run, then start as usual."""
        for sn, link in read_links(self.links_file).items():
            self.add_link(sn, linkkey_hex=link["linkkey"], linkhmac_hex=link["linkhmac"])
        await super().start()

    async def stop(self) -> None:
        """Stop as usual, then keep the links (only the demo's own user can read them)."""
        await super().stop()
        links = {sn: {"linkkey": link.linkkey_hex, "linkhmac": link.linkhmac_hex} for sn, link in self.links.items()}
        write_private(self.links_file, links)


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
