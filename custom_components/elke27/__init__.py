"""The Elk E27 integration for Home Assistant."""
