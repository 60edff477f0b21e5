"""Session.add_message_listener(replies=True): every inbound message, in arrival order, before the reply resolves."""

from __future__ import annotations

import pytest

from custom_components.elke27.e27 import E27CommandError, Message, Session
from e27_emulator import EmulatorPanel


async def test_inbound_listener_sees_replies_and_broadcasts_in_order(session: Session, panel: EmulatorPanel) -> None:
    seen: list[Message] = []
    broadcasts: list[Message] = []
    session.add_message_listener(broadcasts.append)
    unsubscribe = session.add_message_listener(seen.append, replies=True)
    first = await session.request("system", "r_u_alive")
    assert seen == [first]  # applied before request() returned
    await panel.broadcast({"zone": {"get_status": {"zone_id": 3, "secure_state": "VIOLATED"}}})
    second = await session.request("system", "r_u_alive")  # the broadcast was sent before this reply
    assert [m.seq for m in seen] == [first.seq, 0, second.seq]
    assert [m.seq for m in broadcasts] == [0]  # plain listeners still get broadcasts only
    with pytest.raises(E27CommandError):
        await session.request("nosuch", "thing")
    assert seen[-1].error is not None  # refusals are seen too
    unsubscribe()
    await session.request("system", "r_u_alive")
    assert len(seen) == 4
