import json
import os
import urllib.request

from tsb_emulator_pytest import Emulator


def test_the_fixture_exports_tsb_url_and_the_emulator_answers(tsb_url):
    assert os.environ["TSB_URL"] == tsb_url
    with urllib.request.urlopen(tsb_url + "/health") as resp:
        assert resp.status == 200


def test_a_key_created_through_the_fixture_is_listed(tsb_url):
    body = json.dumps({
        "label": "helper-python-key",
        "algorithm": "EC",
        "curveOid": "1.2.840.10045.3.1.7",
        "attributes": {"sign": True, "decrypt": False, "unwrap": False, "destroyable": True},
        "policy": None,
    }).encode()
    req = urllib.request.Request(tsb_url + "/v1/key", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 201
    with urllib.request.urlopen(tsb_url + "/v1/key") as resp:
        assert "helper-python-key" in resp.read().decode()


def test_two_emulators_run_side_by_side_and_stop_cleanly():
    with Emulator.start() as first, Emulator.start() as second:
        assert first.url != second.url
    assert first._process.poll() is not None
    assert second._process.poll() is not None
