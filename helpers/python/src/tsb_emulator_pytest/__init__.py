"""Start and stop a tsb-emulator (the Securosys TSB REST API emulator) from Python tests.

`Emulator.start()` runs the binary on a free port (or a container image when asked) and
waits until `/health` answers; the pytest plugin in `plugin.py` wraps it in fixtures.
"""
from .emulator import Emulator, EmulatorError

__all__ = ["Emulator", "EmulatorError"]
