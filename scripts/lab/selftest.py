#!/usr/bin/env python3
"""Self-test of the lab cloud. Run with the lab venv python:

    PY=$(scripts/lab/setup-cloud.sh) && $PY scripts/lab/selftest.py

Makes a fresh PKI in a temp dir, starts scripts/lab/cloud on free ports, and checks: mTLS
connect with the `client` cert (python-socketio AsyncClient, like the upstream agent), CN in
/state, heartbeat recording, acked /emit with several data shapes, /emit_many, refusals
(CONNECT_ERROR), rejected certificates (rogue, expired, none), the raw Engine.IO/Socket.IO wire
over a direct WebSocket, `openssl s_client`, certificate dates, clean SIGTERM exit.
Exits non-zero on the first failed check (the temp dir with cloud.log is then kept).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import socketio

HERE = Path(__file__).resolve().parent
PASSED: list[str] = []


def check(cond: bool, what: str, detail: object = "") -> None:
    if not cond:
        print(f"FAIL {what} {detail}", flush=True)
        raise SystemExit(1)
    PASSED.append(what)
    print(f"ok   {what}", flush=True)


def client_ctx(pki: Path, name: str, ca: str = "ca.pem") -> ssl.SSLContext:
    """Client TLS context like the agent's: verify server against the lab CA, present a cert."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(pki / ca))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if name:
        ctx.load_cert_chain(pki / f"{name}.crt", pki / f"{name}.key")
    return ctx


async def control(session: aiohttp.ClientSession, ctl: str, method: str, path: str,
                  body: dict | None = None) -> dict:
    async with session.request(method, ctl + path, json=body) as r:
        return await r.json()


async def sio_connect(pki: Path, port: int, cert: str, transports=None):
    """Connect an AsyncClient over mTLS the way the upstream agent does (own ClientSession with a
    TCPConnector carrying the SSLContext). Returns (client, session, connect_errors)."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=client_ctx(pki, cert),
                                                                   force_close=True))
    sio = socketio.AsyncClient(reconnection=False, http_session=session)
    errors: list = []

    @sio.event
    async def connect_error(data):
        errors.append(data)

    # handlers answering the cloud's acked emits
    @sio.on("echo")
    async def echo(*args):
        return args[0] if len(args) == 1 else args  # tuple -> several ack args

    @sio.on("multi")
    async def multi(*args):
        return ("a", 1, None)

    @sio.on("nothing")
    async def nothing(*args):
        return None

    @sio.on("boom")
    async def boom(*args):
        raise RuntimeError("handler failed")

    @sio.on("count_args")
    async def count_args(*args):
        return {"n": len(args), "args": list(args)}

    try:
        await sio.connect(f"https://127.0.0.1:{port}", transports=transports, wait_timeout=5)
    except Exception as e:  # noqa: BLE001 - report any failure
        await session.close()
        return None, None, errors + [repr(e)]
    return sio, session, errors


async def raw_websocket(pki: Path, port: int, ctl: str, http: aiohttp.ClientSession) -> None:
    """Speak the wire directly (what the Swift agent does): WebSocket straight away, EIO=4."""
    async with aiohttp.ClientSession() as s:
        async with s.ws_connect(f"wss://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket",
                                ssl=client_ctx(pki, "client2")) as ws:
            open_pkt = (await ws.receive(timeout=5)).data
            check(open_pkt.startswith("0{"), "raw: first frame is Engine.IO open", open_pkt)
            o = json.loads(open_pkt[1:])
            check(o["pingInterval"] == 2000 and o["pingTimeout"] == 3000 and o["upgrades"] == [],
                  "raw: open carries pingInterval/pingTimeout from flags, no upgrades", o)
            await ws.send_str("40")
            c = (await ws.receive(timeout=5)).data
            check(c.startswith('40{"sid":'), "raw: CONNECT answered with 40{sid}", c)
            await ws.send_str('42["heartbeat",{"agent_id":"raw"}]')
            await ws.send_str('42["zero_args"]')
            await ws.send_str('4277["with_ack",1,"two"]')
            a = (await ws.receive(timeout=5)).data
            check(a == "4377[]", "raw: client event with ack id gets empty ACK 43<id>[]", a)

            async def reply_to_emit(expect_prefix: str, answer: str | None):
                # wait for the cloud's event (answering pings on the way), then answer
                while True:
                    m = (await ws.receive(timeout=10)).data
                    if m == "2":
                        await ws.send_str("3")
                        continue
                    check(m.startswith(expect_prefix), f"raw: cloud event frame {expect_prefix}", m)
                    ack_id = m[2:m.index("[")]
                    if answer is not None:
                        await ws.send_str(f"43{ack_id}{answer}")
                    return m

            # ack with zero args, with a bare string, with two args
            for data, answer, expect in [
                ({"x": 1}, "[]", []),
                ("str", '["just a string"]', ["just a string"]),
                ([1, 2], '[{"a":1},"b"]', [{"a": 1}, "b"]),
            ]:
                t = asyncio.create_task(control(http, ctl, "POST", "/emit",
                                                {"event": "rawev", "data": data, "ack": True,
                                                 "timeout": 3}))
                frame = await reply_to_emit("42", answer)
                r = await t
                check(r.get("ack") == expect, f"raw: ack {answer} -> {expect}", (frame, r))
            # data null -> event with zero arguments; args [] likewise; args list -> several
            for body, want in [({"data": None}, '["rawev"]'), ({"args": []}, '["rawev"]'),
                               ({"args": [1, "b", None]}, '["rawev",1,"b",null]')]:
                t = asyncio.create_task(control(http, ctl, "POST", "/emit",
                                                {"event": "rawev", "ack": False, **body}))
                frame = await reply_to_emit("42", None)
                await t
                check(frame == "42" + want, f"raw: emit {body} -> frame 42{want}", frame)
            # cloud emits with ack but client never answers -> timeout
            t = asyncio.create_task(control(http, ctl, "POST", "/emit",
                                            {"event": "rawev", "ack": True, "timeout": 0.5}))
            await reply_to_emit("42", None)
            r = await t
            check(r == {"error": "timeout", "sid": r.get("sid")}, "raw: unanswered ack -> timeout", r)
            # Ping: the server pings every pingInterval; answer one
            while True:
                m = (await ws.receive(timeout=5)).data
                if m == "2":
                    await ws.send_str("3")
                    break
            check(True, "raw: server sends ping '2' (v4: server pings)")
            await ws.send_str("41")
    st = await control(http, ctl, "GET", "/state")
    ev = [e for e in st["events"] if e["event"] in ("zero_args", "with_ack")]
    check([e["args"] for e in ev] == [[], [1, "two"]], "raw: events recorded with args list", ev)
    hb = [h for h in st["heartbeats"] if h["payload"] == {"agent_id": "raw"}]
    check(len(hb) == 1 and hb[0]["cn"] == "07048934", "raw: heartbeat recorded with cn 07048934", hb)


async def main_async(pki: Path, port: int, ctl: str) -> None:
    async with aiohttp.ClientSession() as http:
        check(await control(http, ctl, "GET", "/health") == {"ok": True}, "/health")
        r = await control(http, ctl, "POST", "/emit", {"event": "x", "ack": True})
        check(r == {"error": "no client"}, "/emit without a client -> no client", r)

        # --- good client, default transports (polling then websocket upgrade, like upstream)
        sio, session, errs = await sio_connect(pki, port, "client")
        check(sio is not None and sio.connected, "AsyncClient connects with client cert", errs)
        await sio.emit("heartbeat", {"agent_id": "07048933", "status": "active"})
        await sio.emit("operation_update", {"op": 1})
        await asyncio.sleep(0.3)
        st = await control(http, ctl, "GET", "/state")
        check(len(st["connections"]) == 1 and st["connections"][0]["cn"] == "07048933",
              "/state shows connection with CN 07048933", st["connections"])
        check(st["heartbeats"] and st["heartbeats"][0]["payload"]["agent_id"] == "07048933"
              and st["heartbeats"][0]["cn"] == "07048933", "heartbeat recorded", st["heartbeats"])
        check(st["events"] == [{"sid": st["connections"][0]["sid"], "event": "operation_update",
                                "args": [{"op": 1}],
                                "received_at": st["events"][0]["received_at"]}],
              "other event recorded", st["events"])

        # acks through /emit, every data shape
        for data, want in [({"device_id": "x", "correlation_id": 7},
                            [{"device_id": "x", "correlation_id": 7}]),
                           ("s", ["s"]), (42, [42]), ([1, 2], [[1, 2]]), (True, [True])]:
            r = await control(http, ctl, "POST", "/emit", {"event": "echo", "data": data,
                                                             "ack": True})
            check(r.get("ack") == want and r["elapsed_us"] > 0, f"/emit echo {data!r} -> {want}", r)
        r = await control(http, ctl, "POST", "/emit", {"event": "multi", "data": {}, "ack": True})
        check(r.get("ack") == ["a", 1, None], "handler returning tuple -> several ack args", r)
        r = await control(http, ctl, "POST", "/emit", {"event": "nothing", "ack": True})
        check(r.get("ack") == [], "handler returning None -> ack with zero args", r)
        r = await control(http, ctl, "POST", "/emit", {"event": "count_args", "ack": True})
        check(r.get("ack") == [{"n": 0, "args": []}], "data absent -> event with zero args", r)
        r = await control(http, ctl, "POST", "/emit", {"event": "count_args", "ack": True,
                                                         "args": [1, {"b": 2}]})
        check(r.get("ack") == [{"n": 2, "args": [1, {"b": 2}]}], "args list -> several args", r)
        r = await control(http, ctl, "POST", "/emit", {"event": "boom", "ack": True,
                                                         "timeout": 1})
        check(r.get("error") == "timeout", "client handler raising -> no ack (timeout)", r)
        r = await control(http, ctl, "POST", "/emit", {"event": "unhandled", "ack": True,
                                                         "timeout": 1})
        # python-socketio clients answer an acked event they have no handler for with `43<id>[]`
        check(r.get("ack") == [], "python-socketio client without handler -> empty ack", r)
        r = await control(http, ctl, "POST", "/emit", {"event": "echo", "data": 1})
        check(r.get("sent") is True, "/emit without ack -> sent", r)
        r = await control(http, ctl, "POST", "/emit_many", {"event": "echo", "data": {"i": 1},
                                                              "count": 50})
        check(len(r["latencies_us"]) == 50 and r["errors"] == 0, "/emit_many 50 acks",
              {"median_us": sorted(r["latencies_us"])[25], "errors": r["errors"]})
        print(f"     ack round-trip median {sorted(r['latencies_us'])[25]} us "
              f"(python-socketio client, polling->websocket)", flush=True)

        # second client on websocket only; /emit targets the most recent one by default
        sio2, session2, errs = await sio_connect(pki, port, "client2", transports=["websocket"])
        check(sio2 is not None, "client2 connects (websocket only)", errs)
        r = await control(http, ctl, "POST", "/emit", {"event": "echo", "data": "who",
                                                         "ack": True})
        st = await control(http, ctl, "GET", "/state")
        by_sid = {c["sid"]: c for c in st["connections"]}
        check(by_sid[r["sid"]]["cn"] == "07048934", "/emit default target = most recent client")
        r = await control(http, ctl, "POST", "/disconnect", {"sid": r["sid"]})
        await asyncio.sleep(0.3)
        check(not sio2.connected, "/disconnect {sid} disconnects that client", r)
        await session2.close()
        check(sio.connected, "other client still connected")

        # --- refusal: CONNECT_ERROR with our message
        await control(http, ctl, "POST", "/config", {"refuse_cns": ["07048934"],
                                                      "refuse_message": "not linked"})
        sio3, _, errs = await sio_connect(pki, port, "client2")
        check(sio3 is None and {"message": "not linked"} in errs,
              "refused CN gets CONNECT_ERROR {message}", errs)
        st = await control(http, ctl, "GET", "/state")
        check(st["refusals"] and st["refusals"][-1]["cn"] == "07048934", "refusal recorded",
              st["refusals"])
        await control(http, ctl, "POST", "/config", {"refuse_cns": []})

        # --- certificates the server must reject at the TLS layer
        n0 = len(st["tls_failures"])
        for name in ["rogue-client", "expired", ""]:
            s, _, errs = await sio_connect(pki, port, name)
            check(s is None, f"connect with {name or 'no'} client cert fails", errs[-1:])
        await asyncio.sleep(0.3)
        st = await control(http, ctl, "GET", "/state")
        check(len(st["tls_failures"]) - n0 >= 3, "TLS failures recorded",
              [f["error"] for f in st["tls_failures"][n0:]])
        s, sess, errs = await sio_connect(pki, port, "expiring")
        check(s is not None, "expiring (still valid) cert connects", errs)
        await s.disconnect()
        await sess.close()

        # --- raw wire
        await raw_websocket(pki, port, ctl, http)

        # /disconnect all, /reset
        r = await control(http, ctl, "POST", "/disconnect", {})
        await asyncio.sleep(0.3)
        check(not sio.connected, "/disconnect {} disconnects all", r)
        await session.close()
        st = await control(http, ctl, "GET", "/state")
        check(all(c["disconnected_at"] for c in st["connections"]),
              "all connections have disconnected_at", st["connections"])
        await control(http, ctl, "POST", "/reset")
        st = await control(http, ctl, "GET", "/state")
        check(not any(st.values()), "/reset clears records", st)


def s_client(pki: Path, port: int) -> str:
    """openssl s_client with the lab CA, the `client` cert, and IP verification of 127.0.0.1."""
    out = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", str(pki / "ca.pem"),
         "-cert", str(pki / "client.crt"), "-key", str(pki / "client.key"),
         "-verify_ip", "127.0.0.1", "-verify_return_error", "-brief"],
        input=b"", capture_output=True, timeout=10)
    return (out.stdout + out.stderr).decode()


def openssl_checks(pki: Path, port: int) -> None:
    text = s_client(pki, port)
    check("Verification: OK" in text and "Peer certificate: CN = localhost" in text,
          "openssl s_client verifies server chain (lab CA) and IP 127.0.0.1", text[-300:])

    def dates(name: str) -> tuple[float, float]:
        o = subprocess.run(["openssl", "x509", "-in", str(pki / name), "-noout", "-dates"],
                           capture_output=True, text=True, check=True).stdout
        d = dict(line.split("=", 1) for line in o.strip().splitlines())
        fmt = "%b %d %H:%M:%S %Y %Z"
        return tuple(time.mktime(time.strptime(" ".join(d[k].split()), fmt)) - time.timezone
                     for k in ("notBefore", "notAfter"))

    now = time.time()
    nb, na = dates("expired.crt")
    check(nb < now and na < now - 3600, "expired.crt: validity ended in the past",
          (time.ctime(nb), time.ctime(na)))
    nb, na = dates("expiring.crt")
    check(nb < now and 9.9 * 86400 < na - now < 10.1 * 86400, "expiring.crt: ~10 days left",
          (na - now) / 86400)


def bad_server_checks(pki: Path) -> None:
    """The wrong-host and rogue server certificates must fail client-side verification."""
    for cert, expect in [("server-wronghost", "IP address mismatch"),
                         ("server-rogue", "unable to get local issuer certificate")]:
        proc = subprocess.Popen([str(HERE / "cloud"), "--pki", str(pki), "--server-cert", cert],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            port = int(proc.stdout.readline().split()[1])
            text = s_client(pki, port)
            check(expect in text, f"--server-cert {cert}: client verification fails ({expect})",
                  text[-300:])
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="lab-cloud-selftest."))
    pki = tmp / "pki"
    subprocess.run([str(HERE / "make-pki.sh"), str(pki)], check=True)
    proc = subprocess.Popen([str(HERE / "cloud"), "--pki", str(pki), "--ping-interval", "2",
                             "--ping-timeout", "3"],
                            stdout=subprocess.PIPE, stderr=open(tmp / "cloud.log", "w"), text=True)
    try:
        line = proc.stdout.readline().split()
        check(len(line) == 3 and line[0] == "READY", "cloud prints READY", line)
        port, ctl_port = int(line[1]), int(line[2])
        asyncio.run(main_async(pki, port, f"http://127.0.0.1:{ctl_port}"))
        openssl_checks(pki, port)
    finally:
        if proc.poll() is None:
            proc.terminate()
        rc = proc.wait(timeout=10)
    check(rc == 0, "cloud exits 0 on SIGTERM", rc)
    bad_server_checks(pki)
    print(f"ALL {len(PASSED)} CHECKS PASSED")
    shutil.rmtree(tmp, ignore_errors=True)   # kept (with cloud.log) when a check fails
    return 0


if __name__ == "__main__":
    sys.exit(main())
