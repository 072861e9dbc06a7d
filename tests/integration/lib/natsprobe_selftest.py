#!/usr/bin/env python3
"""natsprobe_selftest.py — natsprobe.py's Conn against a scripted fake server
on 127.0.0.1 (one thread, one connection per case, every wait bounded):

  natsprobe_selftest.py split               a MSG whose payload arrives after the
                                            reader's deadline is still delivered
  natsprobe_selftest.py tls CERT KEY CA     a server requiring TLS: verified
                                            against $MPC_NATS_CA, message read
  natsprobe_selftest.py tls-wrong-ca CERT KEY CA   another CA: refused by
                                            certificate verification
  natsprobe_selftest.py tls-no-ca CERT KEY  no $MPC_NATS_CA: refused, saying so

Exit 0 when the case holds. Used by tests/integration/test_natsprobe.sh.
"""
import json
import os
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natsprobe  # noqa: E402


def serve(lsock, tls, split, done):
    """Accepts one client: INFO, then PONG to each PING, and after the SUB one
    MSG (in two parts SPLIT seconds apart when split > 0)."""
    lsock.settimeout(10)
    try:
        conn, _ = lsock.accept()
    except OSError:
        return
    conn.settimeout(10)
    info = {"server_id": "fake", "max_payload": 1048576, "headers": True}
    if tls:
        info["tls_required"] = True
    try:
        conn.sendall(b"INFO " + json.dumps(info).encode() + b"\r\n")
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls[0], tls[1])
            conn = ctx.wrap_socket(conn, server_side=True)
        buf, subbed = b"", False
        end = time.monotonic() + 10
        while not done.is_set() and time.monotonic() < end:
            data = conn.recv(4096)
            if not data:
                break
            buf += data
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                if line.startswith(b"SUB "):
                    subbed = True
                elif line == b"PING":
                    conn.sendall(b"PONG\r\n")
                    if subbed:
                        subbed = False
                        conn.sendall(b"MSG t.x 1 5\r\nhel")
                        time.sleep(split)
                        conn.sendall(b"lo\r\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def run(case, tls):
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    done = threading.Event()
    t = threading.Thread(target=serve, args=(lsock, tls, 0.6 if case == "split" else 0, done))
    t.start()
    try:
        c = natsprobe.Conn("127.0.0.1", lsock.getsockname()[1], "u", "p", timeout=3.0)
    except (RuntimeError, ssl.SSLError, OSError) as e:
        print("connect refused:", e)
        done.set(); lsock.close(); t.join(12)
        return "refused: %s" % e
    ok, sid = c.sub("t.x")
    got = None
    if case == "split":
        first = c.wait_msg(sid, 0.2)  # the payload is still on its way: times out
        print("first wait:", "timeout" if first is None else "message")
        if first is None:
            got = c.wait_msg(sid, 5)
    else:
        got = c.wait_msg(sid, 5)
    c.close()
    done.set(); lsock.close(); t.join(12)
    print("message:", got[2] if got else None)
    return "ok" if ok and got is not None and got[2] == b"hello" else "lost"


def main(argv):
    case = argv[1]
    tls = (argv[2], argv[3]) if case.startswith("tls") else None
    if case == "tls-no-ca":
        os.environ.pop("MPC_NATS_CA", None)
    elif case.startswith("tls"):
        os.environ["MPC_NATS_CA"] = argv[4]
    r = run(case, tls)
    # A refusal must be for the reason the case is about.
    want = {"tls-wrong-ca": "refused: [SSL: CERTIFICATE_VERIFY_FAILED]",
            "tls-no-ca": "refused: the server requires TLS"}.get(case, "ok")
    return 0 if r.startswith(want) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
