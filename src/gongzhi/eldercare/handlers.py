"""Subscribe eldercare to the devices module: readings and silence of `wearable` devices.

Imported by eldercare/api.py and eldercare/commands.py, so the app and the CLI (ingestion worker,
devices sweep) always have the handlers registered.
"""

from __future__ import annotations

from gongzhi.devices import handlers
from gongzhi.eldercare.events import handle_readings, handle_silence

KIND = "wearable"

handlers.register(KIND, handle_readings)
handlers.register_silence(KIND, handle_silence)
