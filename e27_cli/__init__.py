"""The owner's command line for an Elk E27 panel (discover, link, monitor), built on the integration's backend.

It is not part of the integration that HACS installs; run it from a clone of this repository.
"""
