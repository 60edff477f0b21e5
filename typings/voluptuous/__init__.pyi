# Type stub for the type checker only. Home Assistant (2026.10 and newer) aliases `voluptuous` to
# probatio's voluptuous-compatible module at start-up (homeassistant/__init__.py), and its APIs
# are typed with probatio's classes. Older releases still use voluptuous itself. The integration
# imports `voluptuous` so that it runs on both; this stub tells mypy what that name is at run
# time on the release the type check runs against.
from probatio import In as In
from probatio import Optional as Optional
from probatio import Required as Required
from probatio import Schema as Schema
