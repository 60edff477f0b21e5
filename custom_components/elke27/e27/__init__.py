"""E27 protocol backend: an asyncio client for the Elk E27 alarm panel.

It never imports Home Assistant, and uses relative imports only, so it can be
loaded and tested on its own.
"""
