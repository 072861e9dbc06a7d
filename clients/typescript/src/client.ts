// client.ts — MpcClient: connect to the cluster's NATS, publish signed
// requests on JetStream (mpc.req.<op>, Nats-Msg-Id = SHA-256 of the sealed
// bytes, as mpc-cli does) and collect the nodes' signed result copies from the
// MPC_RES stream with an ordered consumer filtered on
// mpc.res.<client_id>.<request_id>.*; a call returns only after the client rule
// (collect.ts) accepted enough copies and every signature verified. The copies
// come from one consumer per client (results.ts). A request with no copy for
// resubmitMs is published again, the same bytes under a new Nats-Msg-Id
// (resubmit.ts): the nodes run it once.
import { readFileSync } from "node:fs";
import {
  connect,
  credsAuthenticator,
  headers,
  nkeyAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
} from "@nats-io/transport-node";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { KeyType, Op, type Request } from "./gen/proto/request_pb.js";
import { acceptCopy, Collector, subjectNode, type CollectParams, type Copy } from "./collect.js";
import { fromBinary } from "@bufbuild/protobuf";
import { ResultSchema, type Result } from "./gen/proto/result_pb.js";
import { deriveChild, formatPath, parsePath, rootHDKey, xpubOf } from "./hd.js";
import { randomBytes } from "node:crypto";
import { decideKeyInfo, keyInfoQuery, KEYINFO_MAX_TTL_MS, verifyKeyInfo, type KeyInfoAnswer } from "./keyinfo.js";
import { equal } from "./bytes.js";
import { ResultsFeed, readCopies, readStored, waitCollected } from "./results.js";
import { MpcError, badInput, type RejectedCopy } from "./errors.js";
import { RESUBMIT_DEF_MAX, RESUBMIT_DEF_MS, ResubmitSchedule, resubmitMsgId } from "./resubmit.js";
import { loadPeers, NODE_ID_RE, type Peers } from "./peers.js";
import type { SigningKey } from "./keys.js";
import {
  attachApprovals,
  keygenRequest,
  keyTypeName,
  keyTypeOf,
  msgId,
  openSealed,
  opName,
  requestDigest,
  reshareRequest,
  sealRequest,
  signRequest,
  TOKEN_RE,
  type Envelope,
  type KeygenParams,
  type KeyTypeName,
  type ReshareParams,
  type SignParams,
} from "./request.js";

const PUBLISH_TIMEOUT_MS = 5000;
const PUBLISH_BUDGET_MS = 10000; // publish repeated while no stream leader answers (same msg id)
const SWEEP_MS = 2000; // a timed-out call's last read of its stored copies
const RESUBMIT_POLL_MS = 100; // how often a waiting call checks its resubmission schedule

export interface ConnectOptions {
  servers: string | string[]; // e.g. "nats://127.0.0.1:4222"
  user?: string;
  pass?: string;
  token?: string;
  nkeySeedFile?: string; // an nkey seed file (SU...)
  credsFile?: string; // a .creds file (JWT + nkey seed)
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Reply-subject prefix; the client NATS user may subscribe only under _INBOX.<user>. (default `_INBOX.<user or "client">`) */
  inboxPrefix?: string;
  clientId: string; // results arrive on mpc.res.<clientId>.<request id>.<node>
  peers: string | Peers; // the peers file (or its parsed form): node ids and identity keys
  initiator: SigningKey;
  timeoutMs?: number; // default wait for results (60 s)
  resubmitMs?: number; // default quiet time before a resubmission (10 s; 0 = never)
  resubmitMax?: number; // default most resubmissions per request (5)
  /** Called for each resubmission (default: a line on stderr, as mpc-cli). */
  onResubmit?: (requestId: string, n: number, error?: Error) => void;
}

export interface CallOptions {
  requestId?: string;
  expiresInMs?: number;
  timeoutMs?: number;
  approvals?: Uint8Array[]; // encoded approvals (request.approve) to attach
  resubmitMs?: number; // no copy for this long: publish again (ConnectOptions.resubmitMs)
  resubmitMax?: number; // most resubmissions (ConnectOptions.resubmitMax)
}

export interface KeyInfo {
  keyType: KeyTypeName;
  publicKey: Uint8Array;
  keyVersion: number;
  participants: string[];
  threshold: number;
  chainCode: Uint8Array; // the key's 32-byte chain code (empty for a key made before chain codes)
  xpub?: string; // secp256k1 and secp256k1-tr: the BIP32 xpub of (publicKey, chainCode), made here
}

export interface KeygenResult {
  requestId: string;
  wallet: string;
  keys: KeyInfo[];
  copies: Copy[];
  rejected: RejectedCopy[];
  resubmissions: number; // times the request was published again
}

export interface SignResult {
  requestId: string;
  wallet: string;
  keyType: KeyTypeName;
  publicKey: Uint8Array;
  keyVersion: number;
  signature: Uint8Array; // Ed25519 R||S, ECDSA r||s (low S), or BIP340 x(R)||s (secp256k1-tr); empty for a batch
  recoveryId?: number; // ECDSA
  signatures?: Uint8Array[]; // a batch: one signature per message, in request order
  recoveryIds?: number[]; // a batch, ECDSA: their recovery ids
  derivationPath: string; // the path signed under ("" = the key itself)
  verifyKey: Uint8Array; // the key every signature was verified under: the child key for a path
  chainCode: Uint8Array;
  taprootOutputKey?: Uint8Array; // secp256k1-tr: the x-only output key the signature verifies under
  taprootInternalKey?: Uint8Array; // secp256k1-tr: the x-only internal key
  signers: string[]; // nodes whose successful copies were accepted
  copies: Copy[];
  rejected: RejectedCopy[];
  resubmissions: number; // times the request was published again
}

export type ReshareResult = KeygenResult;

export interface XpubResult {
  wallet: string;
  keyType: KeyTypeName;
  path: string; // canonical ("m" for the root)
  publicKey: Uint8Array; // the group key
  chainCode: Uint8Array; // the group key's chain code
  childPublicKey: Uint8Array; // the key at path (derived here)
  xpub?: string; // secp256k1: BIP32 xpub at path
  nodes: string[]; // nodes whose signed copies agreed
  rejected: RejectedCopy[];
}

/** The XpubResult of a group key and chain code at path idx (derived here). */
function xpubResult(wallet: string, kt: KeyType, idx: number[], publicKey: Uint8Array, chainCode: Uint8Array,
  nodes: string[], rejected: RejectedCopy[]): XpubResult {
  const out: XpubResult = {
    wallet,
    keyType: keyTypeName(kt) as KeyTypeName,
    path: formatPath(idx),
    publicKey,
    chainCode,
    childPublicKey: deriveChild(kt === KeyType.ED25519 ? "ed25519" : "secp256k1", publicKey, chainCode, idx),
    nodes,
    rejected,
  };
  if (kt !== KeyType.ED25519) {
    const k = idx.length === 0 ? rootHDKey(publicKey, chainCode) : rootHDKey(publicKey, chainCode).derive(formatPath(idx));
    out.xpub = k.publicExtendedKey;
  }
  return out;
}

function natsOptions(o: ConnectOptions): NodeConnectionOptions {
  const opts: NodeConnectionOptions = {
    servers: o.servers,
    inboxPrefix: o.inboxPrefix ?? `_INBOX.${o.user ?? "client"}`,
    name: `mpc-ts-${o.clientId}`,
  };
  if (o.user !== undefined) {
    opts.user = o.user;
    if (o.pass !== undefined) opts.pass = o.pass;
  }
  if (o.token !== undefined) opts.token = o.token;
  if (o.credsFile !== undefined) opts.authenticator = credsAuthenticator(readFileSync(o.credsFile));
  if (o.nkeySeedFile !== undefined) {
    opts.authenticator = nkeyAuthenticator(new TextEncoder().encode(readFileSync(o.nkeySeedFile, "utf8").trim()));
  }
  if (o.tls !== undefined) opts.tls = { ...o.tls };
  return opts;
}

export class MpcClient {
  private feed: Promise<ResultsFeed> | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    readonly peers: Peers,
    private readonly o: ConnectOptions,
  ) {}

  static async connect(o: ConnectOptions): Promise<MpcClient> {
    if (!TOKEN_RE.test(o.clientId)) throw badInput(`bad client id ${JSON.stringify(o.clientId)}`);
    const peers = typeof o.peers === "string" ? loadPeers(o.peers) : o.peers;
    let nc: NatsConnection;
    try {
      nc = await connect(natsOptions(o));
    } catch (e) {
      throw new MpcError("NOT_CONNECTED", `NATS: ${(e as Error).message}`, { cause: e });
    }
    return new MpcClient(nc, jetstream(nc), peers, o);
  }

  async close(): Promise<void> {
    const feed = this.feed !== undefined ? await this.feed.catch(() => undefined) : undefined;
    feed?.stop();
    await this.nc.drain().catch(() => this.nc.close());
  }

  private env(c: CallOptions): Envelope {
    const e: Envelope = { clientId: this.o.clientId };
    if (c.requestId !== undefined) e.requestId = c.requestId;
    if (c.expiresInMs !== undefined) e.expiresInMs = c.expiresInMs;
    return e;
  }

  /** A sealed keygen request (to collect approvals before sending). */
  prepareKeygen(p: KeygenParams, c: CallOptions = {}): Uint8Array {
    return sealRequest(keygenRequest(this.env(c), p, this.peers.size), this.o.initiator);
  }
  prepareSign(p: SignParams, c: CallOptions = {}): Uint8Array {
    return sealRequest(signRequest(this.env(c), p), this.o.initiator);
  }
  prepareReshare(p: ReshareParams, c: CallOptions = {}): Uint8Array {
    return sealRequest(reshareRequest(this.env(c), p), this.o.initiator);
  }

  async keygen(p: KeygenParams, c: CallOptions = {}): Promise<KeygenResult> {
    return this.sendKeys(this.prepareKeygen(p, c), c);
  }
  async reshare(p: ReshareParams, c: CallOptions = {}): Promise<ReshareResult> {
    return this.sendKeys(this.prepareReshare(p, c), c);
  }
  async sign(p: SignParams, c: CallOptions = {}): Promise<SignResult> {
    return this.sendSign(this.prepareSign(p, c), c);
  }

  /** Sends a sealed keygen or reshare request (approvals from c attached) and checks the results. */
  async sendKeys(sealed: Uint8Array, c: CallOptions = {}): Promise<KeygenResult> {
    const { request } = openSealed(sealed);
    if (request.body.case !== "keygen" && request.body.case !== "reshare") throw badInput("not a keygen or reshare request");
    const body = request.body;
    const keyTypes = body.case === "keygen" ? body.value.keyTypes : [body.value.keyType];
    const expected = body.case === "keygen"
      ? (body.value.participants.length > 0 ? body.value.participants : [...this.peers.keys()])
      : body.value.newParticipants;
    const { col, resubmissions } = await this.run(sealed, request, keyTypes, expected, c);
    const byType = col.finish(col.timedOut);
    const keys: KeyInfo[] = keyTypes.map((kt) => {
      const first = (byType.get(kt) as Copy[])[0] as Copy;
      return {
        keyType: keyTypeName(kt) as KeyTypeName,
        publicKey: first.result.publicKey,
        keyVersion: first.result.keyVersion,
        participants: [...first.result.participants],
        threshold: first.result.threshold,
        chainCode: first.result.chainCode,
        ...(kt !== KeyType.ED25519 && first.result.chainCode.length === 32
          ? { xpub: xpubOf(first.result.publicKey, first.result.chainCode) }
          : {}),
      };
    });
    return { requestId: request.requestId, wallet: body.value.walletId, keys, copies: col.copies, rejected: col.rejected, resubmissions };
  }

  /** Sends a sealed sign request and checks the results (every signature verified). */
  async sendSign(sealed: Uint8Array, c: CallOptions = {}, publicKey?: Uint8Array): Promise<SignResult> {
    const { request } = openSealed(sealed);
    if (request.body.case !== "sign") throw badInput("not a sign request");
    const s = request.body.value;
    const extra: Partial<CollectParams> = { derivationPath: s.derivationPath };
    if (s.messages.length > 0) extra.messages = s.messages;
    else extra.message = s.message;
    if (s.keyType === KeyType.SECP256K1_TR) {
      extra.taproot = s.taprootMerkleRoot.length > 0 ? { merkleRoot: s.taprootMerkleRoot } : { untweaked: s.taprootUntweaked };
    }
    if (publicKey !== undefined) extra.publicKey = publicKey;
    const { col, resubmissions } = await this.run(sealed, request, [s.keyType], s.signers.length > 0 ? s.signers : undefined, c, extra);
    const ok = col.finish(col.timedOut).get(s.keyType) as Copy[];
    const r = (ok[0] as Copy).result;
    const tr = s.keyType === KeyType.SECP256K1_TR;
    const out: SignResult = {
      requestId: request.requestId,
      wallet: s.walletId,
      keyType: keyTypeName(s.keyType) as KeyTypeName,
      publicKey: r.publicKey,
      keyVersion: r.keyVersion,
      signature: tr ? r.schnorrSignature : s.keyType === KeyType.ED25519 ? r.eddsaSignature : r.ecdsaCompact.subarray(0, 64),
      derivationPath: r.derivationPath,
      verifyKey: r.childPublicKey.length > 0 ? r.childPublicKey : r.publicKey,
      chainCode: r.chainCode,
      signers: ok.map((x) => x.node),
      copies: col.copies,
      rejected: col.rejected,
      resubmissions,
    };
    if (s.keyType === KeyType.SECP256K1 && s.messages.length === 0) out.recoveryId = r.recoveryId;
    if (s.messages.length > 0) {
      out.signatures = [...r.signatures];
      if (s.keyType === KeyType.SECP256K1) out.recoveryIds = [...r.recoveryIds];
    }
    if (tr) {
      out.taprootOutputKey = r.taprootOutputKey;
      out.taprootInternalKey = r.taprootInternalKey;
    }
    return out;
  }

  /**
   * The extended public key of a wallet's key at `path` (default the root),
   * from the signed copies of one of its requests (keygen, reshare or sign, by
   * request id): every copy checked against the peers file, at least
   * `threshold` of them, all agreeing on key and chain code; the derivation is
   * done here (hd.ts). secp256k1 keys also get their BIP32 xpub.
   */
  async xpub(p: { wallet: string; requestId?: string; keyType?: KeyTypeName; path?: string; nodes?: string[] }, timeoutMs = 10000): Promise<XpubResult> {
    if (p.requestId === undefined) return this.xpubFromNodes(p, timeoutMs);
    const kt = keyTypeOf(p.keyType ?? "secp256k1");
    if (!TOKEN_RE.test(p.requestId)) throw badInput(`bad request id ${JSON.stringify(p.requestId)}`);
    const idx = p.path !== undefined && p.path !== "" ? parsePath(p.path) : [];
    const subject = `mpc.res.${this.o.clientId}.${p.requestId}.*`;
    const copies = await readCopies(this.js, subject, timeoutMs);
    const ok: { node: string; r: Result }[] = [];
    const rejected: RejectedCopy[] = [];
    for (const { subject: subj, data } of copies) {
      let r: Result;
      try {
        r = fromBinary(ResultSchema, data);
      } catch {
        rejected.push({ node: subjectNode(subj), reason: "copy does not decode" });
        continue;
      }
      const why = acceptCopy(r, subjectNode(subj), this.peers);
      if (why !== undefined) rejected.push({ node: subjectNode(subj), reason: why });
      else if (r.statusCode === 0 && r.keyType === kt && r.walletId === p.wallet && !ok.some((x) => x.node === r.signerNodeId)) {
        ok.push({ node: r.signerNodeId, r });
      }
    }
    const first = ok[0];
    if (first === undefined || ok.length < Math.max(1, first.r.threshold)) {
      throw new MpcError("TIMEOUT", `no ${keyTypeName(kt)} key of ${p.wallet} in ${Math.max(1, first?.r.threshold ?? 1)} signed results of ${p.requestId}`, { rejected });
    }
    for (const x of ok) {
      if (!equal(x.r.publicKey, first.r.publicKey) || !equal(x.r.chainCode, first.r.chainCode)) {
        throw new MpcError("DISAGREEMENT", `${first.node} and ${x.node} disagree on the key or chain code`, { rejected, sides: [first.node, x.node] });
      }
    }
    if (first.r.chainCode.length !== 32) throw new MpcError("NODE_ERROR", `${p.wallet} has no chain code (a key made before chain codes)`, { rejected });
    return xpubResult(p.wallet, kt, idx, first.r.publicKey, first.r.chainCode, ok.map((x) => x.node), rejected);
  }

  /**
   * The wallet form of xpub (no request id): every node of the peers file (or
   * p.nodes) is asked on mpc.n.<node>.keyinfo with a query signed by the
   * initiator key (keyinfo.ts); the key is used only if at least max(threshold,
   * 2) replies verified under their nodes' keys agree and none disagrees.
   */
  private async xpubFromNodes(p: { wallet: string; keyType?: KeyTypeName; path?: string; nodes?: string[] }, timeoutMs: number): Promise<XpubResult> {
    const kt = keyTypeOf(p.keyType ?? "secp256k1");
    const idx = p.path !== undefined && p.path !== "" ? parsePath(p.path) : [];
    const nodes = p.nodes ?? [...this.peers.keys()];
    for (const n of nodes) if (!this.peers.has(n)) throw badInput(`${n} is not in the peers file`);
    const q = keyInfoQuery(this.o.initiator, kt, p.wallet, Uint8Array.from(randomBytes(16)), Date.now(),
      Math.min(KEYINFO_MAX_TTL_MS, timeoutMs + 1000));
    const answers: KeyInfoAnswer[] = [];
    const rejected: RejectedCopy[] = [];
    await Promise.all(nodes.map(async (node) => {
      try {
        const m = await this.nc.request(`mpc.n.${node}.keyinfo`, q.bytes, { timeout: timeoutMs });
        const a = verifyKeyInfo(m.data, node, this.peers.get(node) as Uint8Array, q);
        answers.push(a);
        if (a.statusCode !== 0) rejected.push({ node, reason: `refused: status ${a.statusCode}` });
      } catch (e) {
        rejected.push({ node, reason: (e as Error).message });
      }
    }));
    let agreed;
    try {
      agreed = decideKeyInfo(answers);
    } catch (e) {
      const m = e as MpcError;
      throw new MpcError(m.code, `${m.message}; ${rejected.map((r) => `${r.node}: ${r.reason}`).join("; ")}`, {
        rejected,
        ...(m.sides !== undefined ? { sides: m.sides } : {}),
      });
    }
    const f = agreed.facts;
    if (f.chainCode.length !== 32) throw new MpcError("NODE_ERROR", `${p.wallet} has no chain code (a key made before chain codes)`, { rejected });
    return xpubResult(p.wallet, kt, idx, f.publicKey, f.chainCode, agreed.nodes, rejected);
  }

  /**
   * Publishes (repeating while no stream leader answers) and collects until
   * done, quiet or timed out; resubmits while no copy comes (resubmit.ts).
   */
  private async run(
    sealed: Uint8Array,
    request: Request,
    keyTypes: KeyType[],
    expected: string[] | undefined,
    c: CallOptions,
    extra: Partial<CollectParams> = {},
  ): Promise<{ col: Collector; resubmissions: number }> {
    if (request.clientId !== this.o.clientId) throw badInput(`the request is for client ${request.clientId}`);
    const bytes = c.approvals !== undefined && c.approvals.length > 0 ? attachApprovals(sealed, c.approvals) : sealed;
    const params: ConstructorParameters<typeof Collector>[0] = {
      op: request.body.case === "keygen" ? Op.KEYGEN : request.body.case === "sign" ? Op.SIGN : Op.RESHARE,
      peers: this.peers,
      requestDigest: requestDigest(bytes),
      keyTypes,
    };
    Object.assign(params, extra);
    if (expected !== undefined) params.expected = expected;
    const col = new Collector(params);
    const timeout = c.timeoutMs ?? this.o.timeoutMs ?? 60000;
    const subject = `mpc.res.${request.clientId}.${request.requestId}.*`;
    const rs = new ResubmitSchedule(c.resubmitMs ?? this.o.resubmitMs ?? RESUBMIT_DEF_MS,
      c.resubmitMax ?? this.o.resubmitMax ?? RESUBMIT_DEF_MAX, Date.now());
    const feed = await this.resultsFeed();
    const w = waitCollected(col, timeout);
    const unlisten = feed.listen(request.requestId, (subj, data) => {
      col.add(subj, data, Date.now());
      rs.heard(Date.now());
      w.poke();
    });
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      const op = opName(params.op);
      const duplicate = await this.publish(op, bytes, request.clientId);
      if (duplicate || !feed.alive) {
        unlisten();
        await readStored(this.js, subject, col, timeout); // the nodes answered this request before
      } else {
        rs.heard(Date.now()); // the quiet time runs from the end of the publish
        timer = setInterval(() => {
          if (rs.due(Date.now())) void this.resubmit(op, bytes, request, rs.sent(Date.now()), c);
        }, RESUBMIT_POLL_MS);
        await w.done;
        // A call that timed out reads every stored copy of its request once
        // more, so the error names what the stream holds (copies published
        // before the call — a forger's — are named in `rejected`).
        if (col.timedOut) await readStored(this.js, subject, col, SWEEP_MS).catch(() => undefined);
      }
    } finally {
      if (timer !== undefined) clearInterval(timer);
      unlisten();
    }
    return { col, resubmissions: rs.count };
  }

  /** Publishes resubmission n of request (the same bytes, Nats-Msg-Id `<hash>.r<n>`) and reports it. */
  private async resubmit(op: string, bytes: Uint8Array, request: Request, n: number, c: CallOptions): Promise<void> {
    let err: Error | undefined;
    try {
      await this.publishAs(op, bytes, request.clientId, resubmitMsgId(msgId(bytes), n), 0);
    } catch (e) {
      err = e as Error; // the next one comes an interval later
    }
    if (this.o.onResubmit !== undefined) {
      this.o.onResubmit(request.requestId, n, err);
    } else {
      const ms = c.resubmitMs ?? this.o.resubmitMs ?? RESUBMIT_DEF_MS;
      console.error(`mpc-node client: no result for request ${request.requestId} within ${ms} ms: ` +
        `resubmitted (${n}): ${err === undefined ? "ok" : err.message}`);
    }
  }

  /** The client's shared results consumer, started on first use (again if it ended). */
  private async resultsFeed(): Promise<ResultsFeed> {
    const cur = this.feed !== undefined ? await this.feed.catch(() => undefined) : undefined;
    if (cur !== undefined && cur.alive) return cur;
    this.feed = ResultsFeed.start(this.js, this.o.clientId);
    return this.feed;
  }

  /** Returns: true if JetStream already held this request (the same bytes sent before). */
  private async publish(op: string, bytes: Uint8Array, clientId: string): Promise<boolean> {
    return this.publishAs(op, bytes, clientId, msgId(bytes), PUBLISH_BUDGET_MS);
  }

  /** Publishes under Nats-Msg-Id id, repeated while no stream leader answers within budgetMs. */
  private async publishAs(op: string, bytes: Uint8Array, clientId: string, id: string, budgetMs: number): Promise<boolean> {
    const h = headers();
    h.set("Mpc-Client", clientId);
    const t0 = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const ack = await this.js.publish(`mpc.req.${op}`, bytes, { msgID: id, headers: h, timeout: PUBLISH_TIMEOUT_MS });
        return ack.duplicate;
      } catch (e) {
        const text = (e as Error).message ?? String(e);
        const retry = /no responders|503|timeout/i.test(text) && Date.now() - t0 < budgetMs && attempt < 50;
        if (!retry) throw new MpcError("PUBLISH_FAILED", `publish to mpc.req.${op}: ${text}`, { cause: e });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** A node's live status snapshot (JSON, docs/SNAPSHOT.md). */
  async status(node: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    if (!NODE_ID_RE.test(node)) throw badInput(`bad node id ${JSON.stringify(node)}`);
    try {
      const m = await this.nc.request(`mpc.n.${node}.status`, new Uint8Array(0), { timeout: timeoutMs });
      return JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>;
    } catch (e) {
      throw new MpcError("NOT_CONNECTED", `status of ${node}: ${(e as Error).message}`, { cause: e });
    }
  }
}
