#!/usr/bin/env python3
"""natsprobe.py — a minimal NATS client (text protocol over a socket, no
dependency beyond the standard library) for tests that must observe what the
server allows and refuses: permission violations are reported by the server
as `-ERR 'Permissions Violation ...'` on the connection, which a client library
would only hand to an asynchronous error callback.

Used by tests/integration/test_nats_permissions.sh; importable or runnable:
  natsprobe.py HOST PORT USER PASS pub SUBJECT [PAYLOAD]   -> prints allowed|denied
  natsprobe.py HOST PORT USER PASS sub SUBJECT             -> prints allowed|denied
  natsprobe.py HOST PORT USER PASS req SUBJECT PAYLOAD     -> prints the reply, or denied/timeout
  natsprobe.py HOST PORT USER PASS mon SUBJECT SECONDS     -> one JSON line per message seen
      ({"subject", "headers", "sha256", "len"}) until SECONDS pass or SIGTERM;
      "ready" on stderr once the subscription is confirmed
  natsprobe.py HOST PORT USER PASS cap SUBJECT[,SUBJECT...] SECONDS -> as mon, on
      each subject, with the payload in hex ("hex"): what a replay needs
  natsprobe.py HOST PORT USER PASS pubhex SUBJECT HEX  -> publishes the bytes HEX
      (core NATS, no headers); prints allowed|denied
  natsprobe.py HOST PORT USER PASS reqhex SUBJECT HEX  -> the same as a request;
      prints the reply, or denied/timeout
  natsprobe.py HOST PORT USER PASS flood SUBJECT COUNT FILE... -> publishes COUNT
      messages as fast as the socket takes them (core NATS, headers Nats-Msg-Id
      "flood-<i>-<sha256 prefix>" and Mpc-Client "mpc-cli"), cycling over the
      FILEs' bytes; prints "<count> <seconds>" once the server has read them all
A server that requires TLS is verified against the CA file in $MPC_NATS_CA.
"""
import hashlib
import signal
import json
import os
import socket
import ssl
import sys
import time


class Conn:
    """One NATS connection; every call is bounded by `timeout` seconds."""

    def __init__(self, host, port, user, password, timeout=3.0, name="natsprobe",
                 inbox=None):
        # reply subjects: <inbox>.<...>; each user may read only its own _INBOX.<user>
        self.inbox = inbox or "_INBOX.%s" % user
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.timeout = timeout
        self.buf = b""
        self.sid = 0
        self.msgs = []      # (subject, reply, payload, sid[, headers]) received, in order
        self.errors = []    # -ERR texts, in order
        info = self._line()
        if not info.startswith(b"INFO "):
            raise RuntimeError("no INFO from server: %r" % info)
        if json.loads(info[5:]).get("tls_required"):
            self._start_tls(host)
        opts = {"verbose": False, "pedantic": False, "user": user, "pass": password,
                "name": name, "lang": "python", "version": "0", "protocol": 1,
                "headers": True, "no_responders": True}
        self._send("CONNECT %s\r\n" % json.dumps(opts))
        if not self.ping():
            raise RuntimeError("connect refused: %s" % "; ".join(self.errors))

    def _start_tls(self, host):
        """A server that requires TLS (configs/cluster-ha) sends INFO in clear,
        then the client upgrades the connection: verified against the CA file
        in $MPC_NATS_CA (as mpc-cli does), the server's name being HOST."""
        ca = os.environ.get("MPC_NATS_CA")
        if not ca:
            raise RuntimeError("the server requires TLS: set MPC_NATS_CA to its CA file")
        ctx = ssl.create_default_context(cafile=ca)
        self.sock = ctx.wrap_socket(self.sock, server_hostname=host)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _send(self, s):
        self.sock.sendall(s.encode() if isinstance(s, str) else s)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError
        if not data:
            raise ConnectionError("connection closed by server")
        self.buf += data

    def _line(self, deadline=None):
        deadline = deadline or time.monotonic() + self.timeout
        while b"\r\n" not in self.buf:
            self._fill(deadline)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n, deadline):
        while len(self.buf) < n + 2:
            self._fill(deadline)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _dispatch(self, deadline):
        """Reads one protocol line (and its payload); returns the line. A
        deadline that passes between a MSG line and the end of its payload
        puts the line back: the message is read whole by the next call."""
        line = self._line(deadline)
        try:
            return self._dispatch_line(line, deadline)
        except TimeoutError:
            self.buf = line + b"\r\n" + self.buf
            raise

    def _dispatch_line(self, line, deadline):
        if line.startswith(b"MSG "):
            parts = line.split()
            subj, reply = parts[1].decode(), (parts[3].decode() if len(parts) == 5 else None)
            payload = self._bytes(int(parts[-1]), deadline)
            self.msgs.append((subj, reply, payload, int(parts[2])))
        elif line.startswith(b"HMSG "):
            parts = line.split()
            subj, reply = parts[1].decode(), (parts[3].decode() if len(parts) == 6 else None)
            hlen, tlen = int(parts[-2]), int(parts[-1])
            data = self._bytes(tlen, deadline)
            self.msgs.append((subj, reply, data[hlen:], int(parts[2]), data[:hlen]))
        elif line.startswith(b"-ERR"):
            self.errors.append(line[5:].decode(errors="replace").strip("'"))
        elif line == b"PING":
            self._send("PONG\r\n")
        return line

    def ping(self):
        """Round trip: everything sent before has been processed by the server.
        Returns False if the server closed the connection (e.g. auth failure)."""
        self._send("PING\r\n")
        deadline = time.monotonic() + self.timeout
        try:
            while self._dispatch(deadline) != b"PONG":
                pass
        except (ConnectionError, TimeoutError):
            return False
        return True

    def _violations_since(self, n):
        return [e for e in self.errors[n:] if "Permissions Violation" in e]

    def pub(self, subject, payload=b"", reply=None):
        """Returns True if allowed, False if the server reported a violation."""
        n = len(self.errors)
        payload = payload.encode() if isinstance(payload, str) else payload
        self._send(("PUB %s %s%d\r\n" % (subject, (reply + " ") if reply else "",
                                           len(payload))).encode() + payload + b"\r\n")
        self.ping()
        return not self._violations_since(n)

    def hpub(self, subject, headers, payload=b"", reply=None):
        """Publishes with headers (dict); returns True if allowed."""
        n = len(self.errors)
        payload = payload.encode() if isinstance(payload, str) else payload
        hdr = "NATS/1.0\r\n" + "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
        hdr = hdr.encode()
        self._send(("HPUB %s %s%d %d\r\n" % (subject, (reply + " ") if reply else "", len(hdr),
                                             len(hdr) + len(payload))).encode()
                   + hdr + payload + b"\r\n")
        self.ping()
        return not self._violations_since(n)

    def js_publish(self, subject, payload, msg_id, timeout=None):
        """JetStream publish with Nats-Msg-Id: ('ok', ack dict) | ('denied'|'timeout', None)."""
        inbox = "%s.jsp%d.%d" % (self.inbox, os.getpid(), self.sid + 1)
        ok, sid = self.sub(inbox)
        if not ok or not self.hpub(subject, {"Nats-Msg-Id": msg_id}, payload, reply=inbox):
            return "denied", None
        m = self.wait_msg(sid, timeout)
        return ("ok", json.loads(m[2])) if m is not None else ("timeout", None)

    def sub(self, subject):
        """Returns (allowed, sid)."""
        n = len(self.errors)
        self.sid += 1
        self._send("SUB %s %d\r\n" % (subject, self.sid))
        self.ping()
        return (not self._violations_since(n)), self.sid

    def wait_msg(self, sid, timeout=None):
        """Next message of subscription sid (a JetStream delivery keeps the
        stream subject, so matching is by sid), or None at the timeout.
        sid may be a list: the next message of any of them."""
        sids = sid if isinstance(sid, list) else [sid]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, m in enumerate(self.msgs):
                if m[3] in sids:
                    return self.msgs.pop(i)
            try:
                self._dispatch(deadline)
            except TimeoutError:
                return None

    def request(self, subject, payload=b"", timeout=None):
        """Returns ('ok', payload, reply_msg) | ('denied', None, None) | ('timeout', None, None)."""
        inbox = "%s.probe%d.%d" % (self.inbox, os.getpid(), self.sid + 1)
        ok, sid = self.sub(inbox)
        if not ok:
            return "denied", None, None
        if not self.pub(subject, payload, reply=inbox):
            return "denied", None, None
        m = self.wait_msg(sid, timeout)
        if m is None:
            return "timeout", None, None
        return "ok", m[2], m


def parse_headers(raw):
    out = {}
    for line in raw.decode(errors="replace").split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def flood(c, subject, count, paths):
    """Publishes count messages cycling over the files' bytes; one write per 256."""
    bodies = [open(p, "rb").read() for p in paths]
    t0 = time.monotonic()
    batch = []
    for i in range(count):
        body = bodies[i % len(bodies)]
        hdr = ("NATS/1.0\r\nNats-Msg-Id: flood-%d-%s\r\nMpc-Client: mpc-cli\r\n\r\n"
               % (i, hashlib.sha256(body).hexdigest()[:16])).encode()
        batch.append(b"HPUB %s %d %d\r\n" % (subject.encode(), len(hdr), len(hdr) + len(body))
                     + hdr + body + b"\r\n")
        if len(batch) == 256 or i == count - 1:
            c._send(b"".join(batch))
            batch = []
    c.timeout = 60.0
    ok = c.ping()
    print("%d %.3f" % (count, time.monotonic() - t0) if ok else "failed", flush=True)


def monitor(c, subject, seconds, with_payload=False):
    """Core subscription: sees every published copy, including those the
    stream deduplicated (republished results). subject: one, or several
    separated by commas (cap)."""
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *a: stop.__setitem__(0, True))
    sids = []
    for subj in subject.split(","):
        ok, sid = c.sub(subj)
        if not ok:
            print("denied", file=sys.stderr, flush=True)
            return
        sids.append(sid)
    print("ready", file=sys.stderr, flush=True)
    end = time.monotonic() + seconds
    while not stop[0] and time.monotonic() < end:
        m = c.wait_msg(sids, 0.2)
        if m is None:
            continue
        hdrs = parse_headers(m[4]) if len(m) > 4 else {}
        rec = {"subject": m[0], "headers": hdrs, "len": len(m[2]),
               "sha256": hashlib.sha256(m[2]).hexdigest()}
        if with_payload:
            rec["hex"] = m[2].hex()
        print(json.dumps(rec), flush=True)


def main(argv):
    if len(argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    host, port, user, pw, op, subject = argv[1:7]
    payload = argv[7] if len(argv) > 7 else ""
    c = Conn(host, port, user, pw)
    try:
        if op == "pub":
            print("allowed" if c.pub(subject, payload) else "denied")
        elif op == "sub":
            print("allowed" if c.sub(subject)[0] else "denied")
        elif op == "mon":
            monitor(c, subject, float(payload or "60"))
        elif op == "cap":
            monitor(c, subject, float(payload or "60"), with_payload=True)
        elif op == "reqhex":
            st, data, _ = c.request(subject, bytes.fromhex(payload))
            print(data.decode(errors="replace") if st == "ok" else st)
        elif op == "pubhex":
            print("allowed" if c.pub(subject, bytes.fromhex(payload)) else "denied")
        elif op == "flood":
            flood(c, subject, int(payload), argv[8:])
        elif op == "req":
            st, data, _ = c.request(subject, payload)
            print(data.decode(errors="replace") if st == "ok" else st)
        else:
            print("unknown op", op, file=sys.stderr)
            return 2
    finally:
        c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
