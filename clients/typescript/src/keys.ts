// keys.ts — Ed25519 keys of initiators and authorizers. A key comes from raw
// 32-byte seed bytes or from a plain key file written by
// `mpc-cli initiator new --plain --out FILE` ("mpc-initiator-seed <64 hex>").
import { readFileSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { MpcError } from "./errors.js";
import { fromHex, toHex } from "./bytes.js";

const PLAIN_TAG = "mpc-initiator-seed ";

/** An Ed25519 signing key (seed kept in this object; call wipe() when done). */
export class SigningKey {
  private readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;

  private constructor(seed: Uint8Array) {
    this.seed = Uint8Array.from(seed);
    this.publicKey = ed25519.getPublicKey(this.seed);
  }

  /** From the 32-byte seed (copied). */
  static fromSeed(seed: Uint8Array): SigningKey {
    if (!(seed instanceof Uint8Array) || seed.length !== 32) {
      throw new MpcError("BAD_KEY_FILE", "an Ed25519 seed is 32 bytes");
    }
    return new SigningKey(seed);
  }

  /** From a plain key file of mpc-cli (`initiator new --plain`). */
  static fromFile(path: string): SigningKey {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new MpcError("BAD_KEY_FILE", `${path}: cannot read (${(e as Error).message})`, { cause: e });
    }
    const line = text.trim();
    if (!line.startsWith(PLAIN_TAG)) {
      throw new MpcError(
        "BAD_KEY_FILE",
        `${path}: not a plain initiator key file (an encrypted one cannot be read here: ` +
          "create the key with `mpc-cli initiator new --plain` or pass the seed bytes)",
      );
    }
    const hex = line.slice(PLAIN_TAG.length);
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new MpcError("BAD_KEY_FILE", `${path}: the seed is not 64 hex characters`);
    }
    const seed = fromHex(hex);
    const key = new SigningKey(seed);
    seed.fill(0);
    return key;
  }

  /** Ed25519 signature of msg. */
  sign(msg: Uint8Array): Uint8Array {
    return ed25519.sign(msg, this.seed);
  }

  publicKeyHex(): string {
    return toHex(this.publicKey);
  }

  /** Overwrites the seed; the key cannot sign afterwards. */
  wipe(): void {
    this.seed.fill(0);
  }
}
