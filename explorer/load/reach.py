"""Whether the model hub answers: one quick TCP probe, remembered a minute, never at import."""

# Without a network huggingface_hub retries every request five times with back-off (about 23 s)
# before transformers gives up. A TCP connection to the hub's host (or to the proxy that the
# environment names for it) that opens, or fails, within a couple of seconds tells the same thing
# first; explorer.load then asks transformers for the local cache only.

from __future__ import annotations

import os
import queue
import socket
import threading
import time
from urllib.parse import urlsplit

__all__ = ["hub_endpoint", "offline_mode", "hub_unreachable", "forget"]

#: Seconds the answer of a probe is reused (per host and port).
TTL = 60.0
#: Seconds a probe may spend resolving the host name, and then again connecting.
TIMEOUT = 2.0
_DEFAULT_ENDPOINT = "https://huggingface.co"
_TRUE = {"1", "true", "yes", "on"}

_lock = threading.Lock()
_answers: dict[tuple[str, int], tuple[float, str | None]] = {}


def hub_endpoint() -> str:
    """The hub URL huggingface_hub talks to (``HF_ENDPOINT``, read when huggingface_hub loaded).

    Returns
    -------
    str
        For example ``"https://huggingface.co"``.
    """
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover - transformers always brings huggingface_hub
        return os.environ.get("HF_ENDPOINT", _DEFAULT_ENDPOINT).rstrip("/")
    return str(constants.ENDPOINT)


def offline_mode() -> bool:
    """True when the user switched the hub off (``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE``).

    Reads the environment now as well as huggingface_hub's own flag (read when it was imported),
    so a variable set after ``import transformers`` counts too.
    """
    env = any(
        os.environ.get(v, "").strip().lower() in _TRUE
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover
        return env
    return env or bool(getattr(constants, "HF_HUB_OFFLINE", False))


def _target(endpoint: str) -> tuple[str, int, str]:
    """``(host, port, what)``: the endpoint's host, or its proxy from the environment."""
    # Imported here, not with the module: urllib.request pulls in http.client and email.
    from urllib.request import getproxies_environment, proxy_bypass_environment

    url = urlsplit(endpoint)
    host = url.hostname or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    # httpx (under huggingface_hub) takes its proxies from these same variables.
    proxies = getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if proxy and host and not proxy_bypass_environment(host, proxies):
        p = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        default = 443 if p.scheme == "https" else 1080 if p.scheme.startswith("socks") else 80
        if p.hostname:
            return p.hostname, p.port or default, f"the proxy {p.hostname}:{p.port or default}"
    return host, port, f"{host}:{port}"


def _in_thread(results: queue.SimpleQueue, fn, *args) -> None:
    """Run ``fn(*args)`` in a daemon thread; put ``(value, None)`` or ``(None, exception)``."""

    def run():
        try:
            results.put((fn(*args), None))
        except Exception as exc:  # OSError mostly; a malformed host name raises UnicodeError
            results.put((None, exc))

    threading.Thread(target=run, name="explorer-hub-probe", daemon=True).start()


def _connect(family: int, address: tuple, timeout: float) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(address)
    return True


def _why(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _probe(host: str, port: int, what: str, timeout: float) -> str | None:
    """None when a TCP connection to ``host:port`` opens in time, else why it did not.

    The name is resolved in a daemon thread (a dead resolver cannot hold the caller past
    ``timeout``); then every address is tried at once (a black-holed IPv6 route does not hide a
    working IPv4 one) and the first connection that opens answers.
    """
    if not host:
        return "the hub URL has no host"
    results: queue.SimpleQueue = queue.SimpleQueue()
    _in_thread(results, socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    try:
        infos, exc = results.get(timeout=timeout)
    except queue.Empty:
        return f"{host} could not be resolved within {timeout:g} s"
    if exc is not None:
        return f"{host} could not be resolved ({_why(exc)})"
    addresses = list(dict.fromkeys((info[0], info[4]) for info in infos))
    for family, address in addresses:
        _in_thread(results, _connect, family, address, timeout)
    deadline = time.monotonic() + timeout
    errors = []
    for _ in addresses:
        try:
            ok, exc = results.get(timeout=max(deadline - time.monotonic(), 0.0))
        except queue.Empty:
            break
        if ok:
            return None
        errors.append(_why(exc))
    if len(errors) == len(addresses) and errors:
        return f"no connection to {what}: {errors[0]}"
    return f"no connection to {what} within {timeout:g} s"


def hub_unreachable(endpoint: str | None = None) -> str | None:
    """Why the hub cannot be reached now, or None when a connection to it opens.

    Parameters
    ----------
    endpoint : str, optional
        The hub URL; default :func:`hub_endpoint`.

    Returns
    -------
    str or None
        A short reason such as ``"no connection to huggingface.co:443: Connection refused"``.
        The answer is remembered for :data:`TTL` seconds, so a notebook that loads ten models
        offline waits for at most one probe (at most twice :data:`TIMEOUT` seconds).
    """
    endpoint = endpoint or hub_endpoint()
    try:
        host, port, what = _target(endpoint)
    except ValueError as exc:  # a port out of range, say: no request to it can work either
        return f"the hub URL {endpoint!r} is malformed ({exc})"
    key = (host, port)
    now = time.monotonic()
    with _lock:
        cached = _answers.get(key)
    if cached is not None and now - cached[0] < TTL:
        return cached[1]
    answer = _probe(host, port, what, TIMEOUT)
    with _lock:
        _answers[key] = (time.monotonic(), answer)
    return answer


def forget() -> None:
    """Drop the remembered probe answers: the next :func:`hub_unreachable` probes again."""
    with _lock:
        _answers.clear()
