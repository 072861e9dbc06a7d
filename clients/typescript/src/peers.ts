// peers.ts — the peers file (configs/peers.example.yaml): every cluster
// member's node id and Ed25519 identity public key, as YAML
// (`peers: [{id, public_key}]`) or plain text ("<node_id> <public key hex>" per line).
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ed25519 } from "@noble/curves/ed25519.js";
import { MpcError } from "./errors.js";
import { fromHex } from "./bytes.js";

export const NODE_ID_RE = /^[A-Za-z0-9_-]{1,32}$/;

/** node id -> 32-byte identity key. */
export type Peers = ReadonlyMap<string, Uint8Array>;

function bad(where: string, why: string): MpcError {
  return new MpcError("BAD_PEERS_FILE", `${where}: ${why}`);
}

/** Builds the peer map from (id, hex key) pairs, checking each. */
export function peersFromList(list: Array<{ id: string; publicKey: string }>, where = "peers"): Peers {
  const out = new Map<string, Uint8Array>();
  const seen = new Set<string>();
  for (const p of list) {
    if (typeof p.id !== "string" || !NODE_ID_RE.test(p.id)) throw bad(where, `bad node id ${JSON.stringify(p.id)}`);
    if (typeof p.publicKey !== "string" || !/^[0-9a-fA-F]{64}$/.test(p.publicKey)) {
      throw bad(where, `${p.id}: the public key is not 64 hex characters`);
    }
    const key = fromHex(p.publicKey);
    try {
      ed25519.Point.fromBytes(key);
    } catch {
      throw bad(where, `${p.id}: the public key is not an Ed25519 point`);
    }
    const lower = p.publicKey.toLowerCase();
    if (out.has(p.id) || seen.has(lower)) throw bad(where, `${p.id}: duplicate id or key`);
    seen.add(lower);
    out.set(p.id, key);
  }
  if (out.size === 0) throw bad(where, "no peers");
  return out;
}

/** Reads a peers file (YAML or plain text). */
export function loadPeers(path: string): Peers {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new MpcError("BAD_PEERS_FILE", `${path}: cannot read (${(e as Error).message})`, { cause: e });
  }
  if (/^\s*peers\s*:/m.test(text)) {
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (e) {
      throw bad(path, `not YAML (${(e as Error).message})`);
    }
    const list = (doc as { peers?: unknown }).peers;
    if (!Array.isArray(list)) throw bad(path, "peers: is not a list");
    return peersFromList(
      list.map((p: { id?: unknown; public_key?: unknown }) => ({
        id: String(p?.id ?? ""),
        publicKey: String(p?.public_key ?? ""),
      })),
      path,
    );
  }
  const list: Array<{ id: string; publicKey: string }> = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const parts = line.split(/\s+/);
    if (parts.length !== 2) throw bad(path, `bad line ${JSON.stringify(raw)}`);
    list.push({ id: parts[0] as string, publicKey: parts[1] as string });
  }
  return peersFromList(list, path);
}
