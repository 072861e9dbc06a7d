#!/usr/bin/env python3
"""perm_scenario.py HOST PORT TABLE.json — checks the subject permissions of
configs/cluster/nats-server.conf against a running nats-server (passwords in
MPC_NATS_PASS_{NODE1,NODE2,NODE3,CLIENT}).

TABLE.json is `mpc-cli subjects --json`: the permission table the code uses
(transport/subject_perm.c) with, per user, the cases derived from it (a
subject to publish or subscribe, and whether the server must allow it).
Every case is tried against the server, so the tests hold no list of their
own. The JetStream flows below (durables, fetch, ack, status reply) need
state and run as scenarios, each refusal paired with a positive control.
Prints one "ok NAME" / "FAIL NAME" line per check."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from natsprobe import Conn  # noqa: E402

HOST, PORT, TABLE = sys.argv[1], sys.argv[2], sys.argv[3]
with open(TABLE) as f:
    table = json.load(f)
results = []


N_CHECKS = 0


def check(name, cond):
    global N_CHECKS
    N_CHECKS += 1
    print(("ok   " if cond else "FAIL ") + name, flush=True)
    results.append(bool(cond))


def conn(user):
    env = {"node-1": "NODE1", "node-2": "NODE2", "node-3": "NODE3", "client": "CLIENT"}[user]
    return Conn(HOST, PORT, user, os.environ["MPC_NATS_PASS_" + env], name="perm-" + user)


def js(c, api, body):
    st, data, _ = c.request("$JS.API." + api, json.dumps(body))
    if st != "ok":
        return st, None
    doc = json.loads(data)
    return ("error: %s" % doc["error"]["description"]) if "error" in doc else "ok", doc


def durable(node):
    return {"stream_name": "MPC_REQ",
            "config": {"durable_name": "node_" + node, "ack_policy": "explicit",
                       "deliver_policy": "all", "max_ack_pending": 1024}}


# --- authentication
try:
    Conn(HOST, PORT, "client", "wrong-password")
    check("wrong password is refused", False)
except RuntimeError as e:
    check("wrong password is refused (%s)" % e, "Authorization" in str(e))

n1, n2, cl = conn("node-1"), conn("node-2"), conn("client")

# --- node: stream and own durable setup
st, _ = js(n1, "STREAM.CREATE.MPC_REQ", {"name": "MPC_REQ", "subjects": ["mpc.req.>"],
                                          "retention": "interest", "storage": "file"})
check("node-1 creates stream MPC_REQ (%s)" % st, st == "ok")
st, _ = js(n1, "STREAM.CREATE.MPC_RES", {"name": "MPC_RES", "subjects": ["mpc.res.>"],
                                          "retention": "limits", "storage": "file",
                                          "duplicate_window": 120000000000})
check("node-1 creates stream MPC_RES (%s)" % st, st == "ok")
st, _ = js(n1, "STREAM.INFO.MPC_REQ", {})
check("node-1 reads stream info (%s)" % st, st == "ok")
for node, c in (("node-1", n1), ("node-2", n2)):
    st, _ = js(c, "CONSUMER.CREATE.MPC_REQ.node_%s" % node, durable(node))
    check("%s creates its durable node_%s, 2.9 subject (%s)" % (node, node, st), st == "ok")
    st, _ = js(c, "CONSUMER.DURABLE.CREATE.MPC_REQ.node_%s" % node, durable(node))
    check("%s creates its durable, pre-2.9 subject, idempotent (%s)" % (node, st), st == "ok")
st, _ = js(n2, "CONSUMER.CREATE.MPC_REQ.node_node-3", durable("node-3"))
check("node-2 cannot create node-3's durable (%s)" % st, st == "denied")
st, _ = js(n2, "CONSUMER.DELETE.MPC_REQ.node_node-1", {})
check("node-2 cannot delete node-1's durable (%s)" % st, st == "denied")
st, _ = js(n1, "STREAM.DELETE.MPC_REQ", {})
check("node-1 cannot delete a stream (%s)" % st, st == "denied")

# --- client: requests go into the stream
st, data, _ = cl.request("mpc.req.sign", b"probe-request")
ack = json.loads(data) if st == "ok" else {}
check("client publishes a request to mpc.req.sign, JetStream acks (%s)" % st,
      st == "ok" and ack.get("stream") == "MPC_REQ")
st, _ = js(cl, "CONSUMER.MSG.NEXT.MPC_REQ.node_node-1", {"batch": 1, "expires": 100000000})
check("client cannot fetch from a node durable (%s)" % st, st == "denied")

# --- node: only its own durable
st, _ = js(n2, "CONSUMER.MSG.NEXT.MPC_REQ.node_node-1", {"batch": 1, "expires": 200000000})
check("node-2 cannot fetch from node-1's durable (%s)" % st, st == "denied")
st, _ = js(n2, "CONSUMER.INFO.MPC_REQ.node_node-1", {})
check("node-2 cannot read node-1's durable info (%s)" % st, st == "denied")
st, _ = js(n1, "CONSUMER.INFO.MPC_REQ.node_node-1", {})
check("node-1 reads its own durable info (%s)" % st, st == "ok")


def fetch_one(c, node):
    inbox = "_INBOX.%s.fetch" % node
    ok, sid = c.sub(inbox)
    c.pub("$JS.API.CONSUMER.MSG.NEXT.MPC_REQ.node_%s" % node,
          json.dumps({"batch": 1, "expires": 2000000000}), reply=inbox)
    return c.wait_msg(sid, 3.0)


m1 = fetch_one(n1, "node-1")
check("node-1 fetches the request from its own durable",
      m1 is not None and m1[2] == b"probe-request" and m1[1].startswith("$JS.ACK.MPC_REQ.node_node-1."))
m2 = fetch_one(n2, "node-2")
check("node-2 fetches the request from its own durable",
      m2 is not None and m2[2] == b"probe-request")
if m1 is not None and m2 is not None:
    check("node-2 cannot ack node-1's delivery", not n2.pub(m1[1], b"+ACK"))
    check("node-1 acks its own delivery", n1.pub(m1[1], b"+ACK"))
    check("node-2 acks its own delivery", n2.pub(m2[1], b"+ACK"))

# --- node: results into the stream, status replies
st, data, _ = n1.request("mpc.res.cli.r1.node-1", b"result-bytes")
check("node-1 publishes a result into MPC_RES (%s)" % st,
      st == "ok" and json.loads(data).get("stream") == "MPC_RES")

# status request/reply through allow_responses: client asks, node-1 answers.
ok, status_sid = n1.sub("mpc.n.node-1.status")
check("node-1 subscribes to its status subject", ok)
inbox = "_INBOX.client.status.probe"
_, inbox_sid = cl.sub(inbox)
check("node-1 cannot publish into the client's inbox unasked", not n1.pub(inbox, b"forged"))
check("node-2 cannot publish into the client's inbox unasked", not n2.pub(inbox, b"forged"))
cl.pub("mpc.n.node-1.status", b"{}", reply=inbox)
m = n1.wait_msg(status_sid, 3.0)
check("node-2 (not addressed) cannot answer node-1's status request",
      m is not None and not n2.pub(m[1], b'{"node":"forged"}'))
answered = m is not None and n1.pub(m[1], b'{"node":"node-1"}')
r = cl.wait_msg(inbox_sid, 3.0)
check("node-1 answers a client status request (allow_responses)",
      answered and r is not None and r[2] == b'{"node":"node-1"}')
check("node-1 cannot answer the same request twice", m is not None and not n1.pub(m[1], b"2"))

# direct messages: node-1 -> node-2 with node-1's reply inbox; only node-2 answers.
ok, d_sid = n2.sub("mpc.s.0123abcd.d.node-2")
_, r_sid = n1.sub("_INBOX.node-1.ds.1")
n1.pub("mpc.s.0123abcd.d.node-2", b"msg", reply="_INBOX.node-1.ds.1")
m = n2.wait_msg(d_sid, 3.0)
n3 = conn("node-3")
check("node-3 cannot answer node-1's direct message to node-2",
      m is not None and not n3.pub(m[1], b"GONE"))
n3.close()
check("node-2 answers node-1's direct message", m is not None and n2.pub(m[1], b"ACK") and
      (n1.wait_msg(r_sid, 3.0) or [None, None, None])[2] == b"ACK")

# --- every case derived from the table, for every user
users = {u["user"]: u for u in table["users"]}
check("the table names node-1, node-2, node-3 and client",
      set(users) >= {"node-1", "node-2", "node-3", "client"})
live = {"node-1": n1, "node-2": n2, "client": cl}
for name, u in sorted(users.items()):
    c = live.get(name) or conn(name)
    live[name] = c
    allowed = sum(1 for k in u["cases"] if k["allowed"])
    check("%s: %d cases, %d allowed and %d refused by the table" %
          (name, len(u["cases"]), allowed, len(u["cases"]) - allowed),
          allowed > 0 and allowed < len(u["cases"]))
    for k in u["cases"]:
        got = c.pub(k["subject"], b"x") if k["action"] == "pub" else c.sub(k["subject"])[0]
        check("%s %s %s %s" % (name, "may" if k["allowed"] else "may not", k["action"],
                              k["subject"]), got == k["allowed"])

for c in live.values():
    c.close()
print("checks %d" % N_CHECKS, flush=True)
sys.exit(0 if all(results) else 1)
