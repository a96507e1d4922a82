#!/usr/bin/env python3
"""Baseline for scripts/bench-cloud: a bare python-socketio AsyncClient, the same library the
upstream Python agent used, with none of its logic.

    PY baseline_client.py PKI_DIR PORT

Connects to wss://localhost:PORT/socket.io/ straight over WebSocket (transports=["websocket"])
with mTLS (lab CA + client.crt/client.key), answers `example_sleep` with {"status": "ok"} (after
sleeping data["ms"] if it is > 0), prints `CONNECTED <sid>` on stdout, and runs until SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import ssl
import sys
from pathlib import Path

import aiohttp
import socketio


async def main(pki: Path, port: int) -> None:
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(pki / "ca.pem"))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pki / "client.crt", pki / "client.key")
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx))
    sio = socketio.AsyncClient(reconnection=False, http_session=session)

    @sio.on("example_sleep")
    async def example_sleep(data=None):
        ms = data.get("ms", 0) if isinstance(data, dict) else 0
        if ms:
            await asyncio.sleep(ms / 1000)
        return {"status": "ok"}

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)

    await sio.connect(f"https://localhost:{port}", transports=["websocket"])
    print(f"CONNECTED {sio.get_sid()}", flush=True)
    await stop.wait()
    await sio.disconnect()
    await session.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
