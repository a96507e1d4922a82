#!/usr/bin/env python3
"""Lab "cloud": a python-socketio (Socket.IO v5 / Engine.IO v4) server over mTLS on loopback.

It stands in for the real orchestrator cloud in tests and demos:

* serves Socket.IO over TLS and REQUIRES a client certificate signed by the lab CA;
* runs python-socketio on the library's DEFAULT settings (CORS policy, ping interval and
  timeout, transports polling + websocket) unless a flag asks otherwise, so that what passes
  here passes against an ordinary cloud;
* records every connection (with the client certificate CN), every ``heartbeat`` and every
  other event the clients emit, Socket.IO connection refusals and failed TLS handshakes;
* exposes a plain-HTTP JSON control API on 127.0.0.1 so tests can inspect the records and make
  the server emit (acked) events, disconnect clients, refuse connections, reset the records.

Usage::

    python cloud.py --pki DIR [--host 127.0.0.1|::1] [--port 0] [--control-port 0]
                    [--server-cert server|server-wronghost|server-dnsonly|server-rogue|server-expired]
                    [--ping-interval S] [--ping-timeout S] [--client-ca DIR/ca.pem]
                    [--transports polling|websocket] [--strip-upgrade]

Prints exactly one line ``READY <socketio_port> <control_port>`` on stdout once both listeners
are up, then serves until SIGTERM/SIGINT and exits 0. Logs go to stderr.
See docs/lab-cloud.md for the control API.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import ssl
import sys
import time
from pathlib import Path
from typing import Any

import socketio
from aiohttp import web

log = logging.getLogger("lab-cloud")

NAMESPACE = "/"


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------

class Records:
    """Everything the server observed, as JSON-ready dicts (times are ``time.time()`` floats)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.connections: list[dict[str, Any]] = []
        self.heartbeats: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.refusals: list[dict[str, Any]] = []       # Socket.IO CONNECT refused by us
        self.tls_failures: list[dict[str, Any]] = []   # TLS handshakes that failed

    def state(self) -> dict[str, Any]:
        return {
            "connections": self.connections,
            "heartbeats": self.heartbeats,
            "events": self.events,
            "refusals": self.refusals,
            "tls_failures": self.tls_failures,
        }

    def connection(self, sid: str) -> dict[str, Any] | None:
        for c in reversed(self.connections):
            if c["sid"] == sid:
                return c
        return None


RECORDS = Records()


def install_tls_failure_hook() -> None:
    """Record failed TLS handshakes (e.g. a client without a certificate, or with a rogue/expired
    one). asyncio only logs those at debug level, so wrap the private
    ``asyncio.sslproto.SSLProtocol._on_handshake_complete`` (present in CPython 3.11+); if it is
    missing the server still works, it just cannot report TLS failures."""
    import asyncio.sslproto as sslproto

    original = getattr(sslproto.SSLProtocol, "_on_handshake_complete", None)
    if original is None:
        log.warning("cannot hook TLS handshake failures on this Python")
        return

    def hooked(self, handshake_exc):  # type: ignore[no-untyped-def]
        if handshake_exc is not None:
            peer = None
            try:
                peer = self._transport.get_extra_info("peername")  # underlying TCP transport
            except Exception:  # pragma: no cover - best effort only
                pass
            text = handshake_exc if isinstance(handshake_exc, BaseException) else handshake_exc()
            RECORDS.tls_failures.append({
                "peer": list(peer) if peer else None,
                "error": f"{type(text).__name__}: {text}",
                "at": time.time(),
            })
            log.info("TLS handshake failed from %s: %r", peer, text)
        return original(self, handshake_exc)

    sslproto.SSLProtocol._on_handshake_complete = hooked


# --------------------------------------------------------------------------------------------
# Socket.IO server
# --------------------------------------------------------------------------------------------

class Config:
    """Runtime switches settable through ``POST /config``."""

    refuse_all: bool = False             # refuse every Socket.IO CONNECT
    refuse_cns: list[str] = []           # refuse CONNECT from these certificate CNs
    refuse_message: str = "Not authorized"


CONFIG = Config()


def cert_cn(cert: dict[str, Any] | None) -> str | None:
    """commonName from a certificate as decoded by ``ssl.SSLSocket.getpeercert()``."""
    for rdn in (cert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


@web.middleware
async def stash_peer(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Store the TLS peer's certificate CN and address on every Socket.IO HTTP request.

    The Socket.IO ``connect`` handler runs when the client's CONNECT packet (``40``) arrives,
    but it receives the ``environ`` of the Engine.IO *handshake* request. With the polling
    transport (python-socketio client default) that request has already been answered by then,
    so ``environ["aiohttp.request"].transport`` is None. Reading the certificate here, while
    the request is live, and keeping it on the request object (which the environ references)
    works for both polling and direct WebSocket connections."""
    transport = request.transport
    if transport is not None:
        request["lab.peer_cn"] = cert_cn(transport.get_extra_info("peercert"))
        peer = transport.get_extra_info("peername")
        request["lab.peer"] = list(peer[:2]) if peer else None
    return await handler(request)


@web.middleware
async def strip_upgrade(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """What a reverse proxy or load balancer that does not pass WebSocket upgrades does: it
    forwards the request without its Upgrade and Connection headers (python-engineio then
    answers a transport=websocket request 400, "Invalid transport")."""
    if "Upgrade" in request.headers:
        headers = request.headers.copy()
        for name in ("Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version"):
            headers.popall(name, None)
        request = request.clone(headers=headers)
    return await handler(request)


def make_sio(ping_interval: float | None, ping_timeout: float | None,
             transports: list[str] | None) -> socketio.AsyncServer:
    # Only what a flag asks for is passed: everything else stays python-socketio's default
    # (cors_allowed_origins unset = same-origin policy, ping 25 s / 20 s, both transports).
    options: dict[str, Any] = {}
    if ping_interval is not None:
        options["ping_interval"] = ping_interval
    if ping_timeout is not None:
        options["ping_timeout"] = ping_timeout
    if transports is not None:
        options["transports"] = transports
    sio = socketio.AsyncServer(async_mode="aiohttp", logger=False, engineio_logger=False, **options)

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        # python-engineio's aiohttp driver puts the aiohttp request in environ["aiohttp.request"]
        request = environ.get("aiohttp.request")
        cn = request.get("lab.peer_cn") if request is not None else None
        peer = request.get("lab.peer") if request is not None else None
        transport = "websocket" if environ.get("HTTP_UPGRADE", "").lower() == "websocket" \
            else "polling"
        if CONFIG.refuse_all or (cn is not None and cn in CONFIG.refuse_cns):
            RECORDS.refusals.append({"cn": cn, "message": CONFIG.refuse_message, "at": time.time()})
            log.info("refusing CONNECT from cn=%s", cn)
            # Sent to the client as CONNECT_ERROR `44{"message": ...}`.
            raise socketio.exceptions.ConnectionRefusedError(CONFIG.refuse_message)
        RECORDS.connections.append({
            "sid": sid,
            "cn": cn,
            "peer": peer,
            "transport": transport,
            "origin": environ.get("HTTP_ORIGIN"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "auth": auth,
            "connected_at": time.time(),
            "disconnected_at": None,
            "disconnect_reason": None,
        })
        log.info("connect sid=%s cn=%s via %s", sid, cn, transport)

    @sio.event
    async def disconnect(sid: str, reason: Any = None) -> None:
        conn = RECORDS.connection(sid)
        if conn is not None:
            conn["disconnected_at"] = time.time()
            conn["disconnect_reason"] = str(reason) if reason is not None else None
        log.info("disconnect sid=%s reason=%s", sid, reason)

    @sio.on("heartbeat")
    async def heartbeat(sid: str, *args: Any) -> None:
        conn = RECORDS.connection(sid)
        RECORDS.heartbeats.append({
            "sid": sid,
            "cn": conn["cn"] if conn else None,
            "received_at": time.time(),
            # the agent sends one object; keep anything else visible as a list
            "payload": args[0] if len(args) == 1 else list(args),
        })

    @sio.on("*")
    async def any_event(event: str, sid: str, *args: Any) -> None:
        # Every other client event. Returning None means: if the client asked for an ack,
        # it gets an ACK with no arguments (`43<id>[]`).
        RECORDS.events.append({
            "sid": sid,
            "event": event,
            "args": list(args),
            "received_at": time.time(),
        })

    return sio


async def call_with_ack(sio: socketio.AsyncServer, event: str, args: tuple, sid: str,
                        timeout: float) -> list[Any]:
    """Emit ``event`` with an ack id and return the client's ack arguments as a list.

    ``sio.call`` is not used because it collapses the ack arguments (none -> None, one -> the
    value, several -> tuple), which makes ``[x]`` and ``x`` indistinguishable. Raises
    ``asyncio.TimeoutError``."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[list[Any]] = loop.create_future()

    def on_ack(*ack_args: Any) -> None:
        if not fut.done():
            fut.set_result(list(ack_args))

    await sio.emit(event, args, to=sid, namespace=NAMESPACE, callback=on_ack)
    return await asyncio.wait_for(fut, timeout)


def emit_args(body: dict[str, Any]) -> tuple:
    """The event arguments for /emit and /emit_many: ``args`` (a list, sent as exactly those
    arguments, possibly none) wins over ``data`` (one argument; JSON null or absent = none)."""
    if "args" in body:
        if not isinstance(body["args"], list):
            raise web.HTTPBadRequest(text='{"error": "args must be a list"}',
                                     content_type="application/json")
        return tuple(body["args"])
    data = body.get("data")
    return () if data is None else (data,)


def connected_sids(sio: socketio.AsyncServer) -> list[str]:
    """sids currently connected to the default namespace, oldest first."""
    live = {sid for sid, _ in sio.manager.get_participants(NAMESPACE, None)}
    return [c["sid"] for c in RECORDS.connections if c["sid"] in live]


# --------------------------------------------------------------------------------------------
# Control API (plain HTTP, loopback only)
# --------------------------------------------------------------------------------------------

def make_control_app(sio: socketio.AsyncServer) -> web.Application:
    routes = web.RouteTableDef()

    async def body_of(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text='{"error": "invalid JSON"}',
                                     content_type="application/json")
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text='{"error": "body must be a JSON object"}',
                                     content_type="application/json")
        return body

    def target_sid(body: dict[str, Any]) -> str | None:
        live = connected_sids(sio)
        sid = body.get("sid")
        if sid is None:
            return live[-1] if live else None
        return sid if sid in live else None

    @routes.get("/health")
    async def health(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    @routes.get("/state")
    async def state(_: web.Request) -> web.Response:
        # The transport each live connection uses now: a polling session that upgraded shows
        # "websocket" here while its record keeps the transport it began with.
        for c in RECORDS.connections:
            c["current_transport"] = None
            if c["disconnected_at"] is None:
                try:
                    eio_sid = sio.manager.eio_sid_from_sid(c["sid"], NAMESPACE)
                    sock = sio.eio.sockets.get(eio_sid) if eio_sid else None
                except Exception:  # pragma: no cover - a connection that is going away
                    sock = None
                if sock is not None:
                    c["current_transport"] = "websocket" if sock.upgraded else "polling"
        return web.json_response(RECORDS.state())

    @routes.post("/reset")
    async def reset(_: web.Request) -> web.Response:
        RECORDS.reset()
        return web.json_response({"ok": True})

    @routes.post("/emit")
    async def emit(request: web.Request) -> web.Response:
        body = await body_of(request)
        event = body.get("event")
        if not isinstance(event, str) or not event:
            return web.json_response({"error": "event required"}, status=400)
        args = emit_args(body)
        sid = target_sid(body)
        if sid is None:
            return web.json_response({"error": "no client"})
        if not body.get("ack", False):
            await sio.emit(event, args, to=sid, namespace=NAMESPACE)
            return web.json_response({"sent": True, "sid": sid})
        timeout = float(body.get("timeout", 5))
        start = time.perf_counter_ns()
        try:
            ack = await call_with_ack(sio, event, args, sid, timeout)
        except asyncio.TimeoutError:
            return web.json_response({"error": "timeout", "sid": sid})
        elapsed_us = (time.perf_counter_ns() - start) // 1000
        return web.json_response({"ack": ack, "elapsed_us": elapsed_us, "sid": sid})

    @routes.post("/emit_many")
    async def emit_many(request: web.Request) -> web.Response:
        body = await body_of(request)
        event = body.get("event")
        if not isinstance(event, str) or not event:
            return web.json_response({"error": "event required"}, status=400)
        args = emit_args(body)
        count = int(body.get("count", 1))
        timeout = float(body.get("timeout", 5))
        sid = target_sid(body)
        if sid is None:
            return web.json_response({"error": "no client"})
        latencies: list[int] = []
        errors = 0
        for _ in range(count):
            start = time.perf_counter_ns()
            try:
                await call_with_ack(sio, event, args, sid, timeout)
            except asyncio.TimeoutError:
                errors += 1
                continue
            latencies.append((time.perf_counter_ns() - start) // 1000)
        return web.json_response({"latencies_us": latencies, "errors": errors, "sid": sid})

    @routes.post("/disconnect")
    async def disconnect(request: web.Request) -> web.Response:
        body = await body_of(request)
        live = connected_sids(sio)
        sids = live if body.get("sid") is None else [s for s in live if s == body["sid"]]
        for sid in sids:
            await sio.disconnect(sid, namespace=NAMESPACE)
        return web.json_response({"disconnected": sids})

    @routes.post("/raw")
    async def raw(request: web.Request) -> web.Response:
        """Sends `{"frames": [text, ...]}` as raw Engine.IO message payloads (each goes out as
        the WebSocket text frame "4" + text), to test how the client copes with malformed
        Socket.IO packets. A frame may also be `{"prefix", "fill", "count", "suffix"}`, expanded
        here to prefix + fill * count + suffix (oversize and deeply nested frames without sending
        them through the control API)."""
        body = await body_of(request)
        sid = target_sid(body)
        if sid is None:
            return web.json_response({"error": "no client"})
        eio_sid = sio.manager.eio_sid_from_sid(sid, NAMESPACE)

        def expand(f: Any) -> str:
            if isinstance(f, dict):
                return str(f.get("prefix", "")) + str(f.get("fill", "")) * int(f.get("count", 0)) + str(f.get("suffix", ""))
            return str(f)
        frames = [expand(f) for f in body.get("frames") or []]
        for frame in frames:
            await sio.eio.send(eio_sid, frame)
        return web.json_response({"sent": len(frames), "sid": sid})

    @routes.post("/config")
    async def config(request: web.Request) -> web.Response:
        body = await body_of(request)
        if "refuse_all" in body:
            CONFIG.refuse_all = bool(body["refuse_all"])
        if "refuse_cns" in body:
            CONFIG.refuse_cns = [str(cn) for cn in body["refuse_cns"] or []]
        if "refuse_message" in body:
            CONFIG.refuse_message = str(body["refuse_message"])
        return web.json_response({"refuse_all": CONFIG.refuse_all,
                                  "refuse_cns": CONFIG.refuse_cns,
                                  "refuse_message": CONFIG.refuse_message})

    app = web.Application()
    app.add_routes(routes)
    return app


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def make_tls_context(pki: Path, server_cert: str, client_ca: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pki / f"{server_cert}.pem", pki / f"{server_cert}.key")
    ctx.load_verify_locations(cafile=str(client_ca))
    ctx.verify_mode = ssl.CERT_REQUIRED   # mTLS: no client certificate, no connection
    return ctx


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def serve(args: argparse.Namespace) -> None:
    pki = Path(args.pki)
    client_ca = Path(args.client_ca) if args.client_ca else pki / "ca.pem"
    if not client_ca.is_absolute() and not client_ca.exists():
        client_ca = pki / client_ca
    tls = make_tls_context(pki, args.server_cert, client_ca)
    install_tls_failure_hook()

    transports = None if args.transports is None else [args.transports]
    sio = make_sio(args.ping_interval, args.ping_timeout, transports)
    middlewares = [strip_upgrade, stash_peer] if args.strip_upgrade else [stash_peer]
    sio_app = web.Application(middlewares=middlewares)
    sio.attach(sio_app)   # path /socket.io/
    control_app = make_control_app(sio)

    sio_sock = bind(args.host, args.port)
    # The control API listens on a unix socket when asked: a socket path crosses network
    # namespaces, so a test in the host namespace can drive a cloud running inside the lab's.
    ctl_sock = None if args.control_unix else bind("127.0.0.1", args.control_port)

    runners = [web.AppRunner(sio_app, handle_signals=False, shutdown_timeout=1.0),
               web.AppRunner(control_app, handle_signals=False, shutdown_timeout=1.0)]
    for r in runners:
        await r.setup()
    await web.SockSite(runners[0], sio_sock, ssl_context=tls).start()
    if ctl_sock is None:
        await web.UnixSite(runners[1], args.control_unix).start()
        os.chmod(args.control_unix, 0o600)
    else:
        await web.SockSite(runners[1], ctl_sock).start()
    ctl_port = 0 if ctl_sock is None else ctl_sock.getsockname()[1]

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    print(f"READY {sio_sock.getsockname()[1]} {ctl_port}", flush=True)
    log.info("socket.io on https://%s:%d (cert %s, client CA %s), control on %s",
             args.host, sio_sock.getsockname()[1], args.server_cert, client_ca,
             args.control_unix or f"http://127.0.0.1:{ctl_port}")
    await stop.wait()

    log.info("shutting down")
    for sid in connected_sids(sio):
        try:
            await sio.disconnect(sid, namespace=NAMESPACE)
        except Exception:  # pragma: no cover - best effort
            pass
    for r in reversed(runners):
        await r.cleanup()


def main() -> int:
    p = argparse.ArgumentParser(description="Lab Socket.IO cloud over mTLS (see docs/lab-cloud.md)")
    p.add_argument("--pki", required=True, help="directory made by make-pki.sh")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="Socket.IO TLS port (0 = pick a free one)")
    p.add_argument("--control-port", type=int, default=0, help="control API port (0 = free one)")
    p.add_argument("--control-unix", default=None,
                   help="serve the control API on this unix socket path instead of a TCP port")
    p.add_argument("--server-cert", default="server",
                   choices=["server", "server-wronghost", "server-dnsonly", "server-rogue", "server-expired"])
    p.add_argument("--ping-interval", type=float, default=None,
                   help="Engine.IO pingInterval, s (default: python-socketio's)")
    p.add_argument("--ping-timeout", type=float, default=None,
                   help="Engine.IO pingTimeout, s (default: python-socketio's)")
    p.add_argument("--transports", choices=["polling", "websocket"], default=None,
                   help="offer only this Engine.IO transport (default: both, python-socketio's)")
    p.add_argument("--strip-upgrade", action="store_true",
                   help="drop Upgrade headers before Socket.IO sees them (a proxy that does not pass upgrades)")
    p.add_argument("--client-ca", default=None, help="CA for client certs (default PKI/ca.pem)")
    p.add_argument("--log-level", default="INFO")
    args = p.parse_args()
    # A parent may have spawned us with signals blocked (e.g. from a worker thread of a test
    # runner); a server that cannot receive SIGTERM cannot be stopped cleanly.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s lab-cloud %(levelname)s %(message)s")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
