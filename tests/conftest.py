"""Shared test setup: never reach a model hub."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def pytest_collection_modifyitems(config, items):
    """Run the real-browser tests last.

    Playwright's sync API leaves its asyncio loop marked as running in the main thread while the
    session's browser is open; widgets that debounce on "the running loop" (as they do in a
    kernel) would wait on it forever in the unit tests that follow.
    """
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))
