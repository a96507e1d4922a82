#!/usr/bin/env python3
"""A fake enrollment API for the installer's tests (python3 stdlib only).

    scripts/lab/enroll-server.py --pki DIR [--port 0] [--mode good] [--mode-file F] [--record F]

DIR is a throwaway PKI made by scripts/lab/make-pki.sh: the server's TLS certificate is
DIR/server.pem (127.0.0.1, localhost), CSRs are signed with `openssl ca` by DIR's lab CA ca.pem/.key
(or by its rogue CA in mode other-ca). `openssl ca` rather than `openssl x509 -req`, because
OpenSSL 3.0's x509 cannot set the past dates of an expired certificate. Each signing uses a CA
database of its own in a temp folder, so several servers can share one DIR.

HTTPS on 127.0.0.1. stdout gets exactly one line, `READY <port>`, once it listens; logs go to stderr.
SIGTERM or SIGINT stops it (exit 0).

  GET  [/mode/<mode>]/orchestrators/id       {"statusCode":200,"data":{"id","expiresAt","expiresIn"}}
  POST [/mode/<mode>]/orchestrators/enroll   multipart field `csr` (PEM CSR) ->
                                             {"statusCode":200,"data":{"id","certificate","message"}}

The mode is taken from the URL prefix `/mode/<mode>` if there is one (so parallel tests share one
server), else from the first word of --mode-file if that file exists, else from --mode:

  good            a certificate for the CSR: CN from the CSR, EKU clientAuth, valid 1 h ago .. +825 d
  expiring        the same, but it expires in 10 days
  no-clientauth   EKU serverAuth only
  expired         valid -30 d .. -1 d
  not-yet-valid   valid +1 d .. +30 d
  other-ca        signed by the rogue CA
  other-key       a certificate for a key the server made (same CN)
  wrong-cn        CN "99999999" instead of the CSR's
  not-pem         data.certificate is not a certificate
  http500         HTTP 500 {"statusCode":500,"message":"internal error"} (id and enroll)
  enroll500       only the enroll answers HTTP 500
  garbage         the enroll answers HTTP 200 with a body that is not JSON
  status-error    the enroll answers HTTP 200 with statusCode 400
  bad-id          the id endpoint hands out "../../etc/evil"

--record FILE appends one JSON line per request: method, path, mode, content_type, body (text, as
received), parts (multipart: name, filename, content_type, text). Tests use it to prove that the
CSR is the only thing uploaded and that no private key ever leaves the device.
"""

import argparse
import datetime
import email.parser
import email.policy
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = {
    "good", "expiring", "no-clientauth", "expired", "not-yet-valid", "other-ca", "other-key",
    "wrong-cn", "not-pem", "http500", "enroll500", "garbage", "status-error", "bad-id",
}
CLIENT_EXT = ("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
              "extendedKeyUsage=clientAuth\nauthorityKeyIdentifier=keyid\n")
SERVER_ONLY_EXT = ("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                   "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\n")


def log(msg):
    print(f"enroll-server: {msg}", file=sys.stderr, flush=True)


def gtime(delta):
    t = datetime.datetime.now(datetime.timezone.utc) + delta
    return t.strftime("%Y%m%d%H%M%SZ")


class Enroller:
    def __init__(self, pki, record, mode, mode_file, id_start):
        self.pki = os.path.abspath(pki)
        self.record_path = record
        self.default_mode = mode
        self.mode_file = mode_file
        self.next_id = id_start
        self.lock = threading.Lock()   # the record file and the id counter

    def mode(self, path):
        m = re.match(r"^/mode/([a-z0-9-]+)(/.*)$", path)
        if m:
            return m.group(1), m.group(2)
        if self.mode_file and os.path.exists(self.mode_file):
            with open(self.mode_file) as f:
                words = f.read().split()
            if words:
                return words[0], path
        return self.default_mode, path

    def record(self, entry):
        if not self.record_path:
            return
        with self.lock:
            with open(self.record_path, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def new_id(self):
        with self.lock:
            i = self.next_id
            self.next_id += 1
        return f"{i:08d}"

    def sign(self, csr_pem, mode):
        """Signs the CSR as the mode says; returns the certificate PEM (str)."""
        ca, ext, start, end, subj = "ca", CLIENT_EXT, datetime.timedelta(hours=-1), datetime.timedelta(days=825), None
        if mode == "expiring":
            end = datetime.timedelta(days=10)
        elif mode == "no-clientauth":
            ext = SERVER_ONLY_EXT
        elif mode == "expired":
            start, end = datetime.timedelta(days=-30), datetime.timedelta(days=-1)
        elif mode == "not-yet-valid":
            start, end = datetime.timedelta(days=1), datetime.timedelta(days=30)
        elif mode == "other-ca":
            ca = "rogue-ca"
        elif mode == "wrong-cn":
            subj = "/CN=99999999"
        with tempfile.TemporaryDirectory(prefix="enroll-sign-") as tmp:
            csr = os.path.join(tmp, "in.csr")
            with open(csr, "w") as f:
                f.write(csr_pem)
            if mode == "other-key":
                cn = subprocess.run(["openssl", "req", "-in", csr, "-noout", "-subject", "-nameopt", "RFC2253"],
                                    check=True, capture_output=True, text=True).stdout.strip()
                cn = cn.split("CN=", 1)[1].split(",")[0] if "CN=" in cn else "unknown"
                key = os.path.join(tmp, "other.key")
                subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                                "-out", key], check=True, capture_output=True)
                subprocess.run(["openssl", "req", "-new", "-key", key, "-subj", f"/CN={cn}", "-out", csr],
                               check=True, capture_output=True)
            extfile = os.path.join(tmp, "ext")
            with open(extfile, "w") as f:
                f.write(ext)
            # A minimal `openssl ca` setup of its own: the subject is the CSR's CN (policy), the
            # extensions are only ours (copy_extensions = none), the serial is random.
            cnf = os.path.join(tmp, "ca.cnf")
            open(os.path.join(tmp, "index.txt"), "w").close()
            with open(os.path.join(tmp, "index.txt.attr"), "w") as f:
                f.write("unique_subject = no\n")
            with open(cnf, "w") as f:
                f.write(f"""[ ca ]
default_ca = fake
[ fake ]
database        = {tmp}/index.txt
new_certs_dir   = {tmp}
certificate     = {self.pki}/{ca}.pem
private_key     = {self.pki}/{ca}.key
rand_serial     = yes
default_md      = sha256
policy          = anything
copy_extensions = none
unique_subject  = no
[ anything ]
commonName = supplied
""")
            out = os.path.join(tmp, "out.pem")
            cmd = ["openssl", "ca", "-batch", "-notext", "-config", cnf,
                   "-in", csr, "-out", out, "-extfile", extfile, "-startdate", gtime(start), "-enddate", gtime(end)]
            if subj:
                cmd += ["-subj", subj]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                raise ValueError(f"openssl ca failed: {r.stderr.strip()}")
            with open(out) as f:
                return f.read()


def parse_multipart(content_type, body):
    """[(name, filename, content_type, bytes)] of a multipart/form-data body ([] if it is not one)."""
    if not content_type.lower().startswith("multipart/"):
        return []
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    parts = []
    for part in msg.iter_parts():
        parts.append((part.get_param("name", header="content-disposition"), part.get_filename(),
                      part.get_content_type(), part.get_payload(decode=True) or b""))
    return parts


def make_handler(enroller):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            log("%s %s" % (self.address_string(), fmt % args))

        def answer(self, status, payload, raw=None):
            body = raw if raw is not None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if raw is not None else "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def read_body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n > 0 else b""

        def handle_any(self, method):
            body = self.read_body()
            mode, path = enroller.mode(self.path)
            ctype = self.headers.get("Content-Type", "")
            parts = parse_multipart(ctype, body) if method == "POST" else []
            enroller.record({
                "method": method, "path": path, "mode": mode, "content_type": ctype,
                "body": body.decode("utf-8", "replace"),
                "parts": [{"name": n, "filename": fn, "content_type": ct, "text": d.decode("utf-8", "replace")}
                          for (n, fn, ct, d) in parts],
            })
            if mode not in MODES:
                return self.answer(400, {"statusCode": 400, "message": f"unknown mode {mode}"})
            if mode == "http500":
                return self.answer(500, {"statusCode": 500, "message": "internal error"})
            if method == "GET" and path == "/orchestrators/id":
                oid = "../../etc/evil" if mode == "bad-id" else enroller.new_id()
                expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=10)
                return self.answer(200, {"statusCode": 200, "data": {
                    "id": oid, "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "expiresIn": 600}})
            if method == "POST" and path == "/orchestrators/enroll":
                return self.enroll(mode, parts)
            return self.answer(404, {"statusCode": 404, "message": f"no route {method} {path}"})

        def enroll(self, mode, parts):
            if mode == "enroll500":
                return self.answer(500, {"statusCode": 500, "message": "internal error"})
            if mode == "garbage":
                return self.answer(200, None, raw=b"<html><body>502 Bad Gateway</body></html>")
            if mode == "status-error":
                return self.answer(200, {"statusCode": 400, "message": "CSR rejected"})
            csrs = [d for (n, _fn, _ct, d) in parts if n == "csr"]
            if len(csrs) != 1 or b"BEGIN CERTIFICATE REQUEST" not in csrs[0]:
                return self.answer(400, {"statusCode": 400, "message": "expected one multipart field csr with a PEM CSR"})
            csr = csrs[0].decode("ascii", "replace")
            if mode == "not-pem":
                return self.answer(200, {"statusCode": 200, "data": {"id": "x", "certificate": "hello", "message": "ok"}})
            try:
                cert = enroller.sign(csr, mode)
            except (ValueError, subprocess.CalledProcessError) as e:
                log(f"signing failed: {e}")
                return self.answer(400, {"statusCode": 400, "message": "CSR could not be signed"})
            cn = subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253"], input=cert,
                                capture_output=True, text=True).stdout.strip()
            cn = cn.split("CN=", 1)[1].split(",")[0] if "CN=" in cn else ""
            return self.answer(200, {"statusCode": 200, "data": {
                "id": cn, "certificate": cert, "message": "Orchestrator enrolled"}})

        def do_GET(self):
            self.handle_any("GET")

        def do_POST(self):
            self.handle_any("POST")

    return Handler


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, handler, context):
        self.context = context
        super().__init__(addr, handler)

    def get_request(self):
        # The handshake runs in the request's thread (on first read), not in the accept loop.
        sock, addr = self.socket.accept()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        log(f"{client_address}: {sys.exc_info()[1]!r}")


def main():
    p = argparse.ArgumentParser(description="fake orchestrator enrollment API (tests)")
    p.add_argument("--pki", required=True, help="a folder made by scripts/lab/make-pki.sh")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--mode", default="good", choices=sorted(MODES))
    p.add_argument("--mode-file", default=None)
    p.add_argument("--record", default=None)
    p.add_argument("--id-start", type=int, default=7048933)
    a = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(a.pki, "server.pem"), os.path.join(a.pki, "server.key"))
    enroller = Enroller(a.pki, a.record, a.mode, a.mode_file, a.id_start)
    server = TLSServer((a.host, a.port), make_handler(enroller), ctx)

    def stop(*_):
        log("stopping")
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
