"""pytest fixtures: `tsb_emulator` (one emulator per session, `TSB_URL` exported) and
`tsb_url` (its URL). Loaded automatically when the package is installed (entry point
`pytest11`), or with `-p tsb_emulator_pytest.plugin`.
"""
import os

import pytest

from .emulator import Emulator


@pytest.fixture(scope="session")
def tsb_emulator():
    """A running in-memory emulator for the whole session; `TSB_URL` points at it meanwhile."""
    emulator = Emulator.start()
    previous = os.environ.get("TSB_URL")
    os.environ["TSB_URL"] = emulator.url
    try:
        yield emulator
    finally:
        emulator.stop()
        if previous is None:
            os.environ.pop("TSB_URL", None)
        else:
            os.environ["TSB_URL"] = previous


@pytest.fixture
def tsb_url(tsb_emulator):
    """The base URL of the session's emulator, e.g. `http://127.0.0.1:41721`."""
    return tsb_emulator.url
