// The CID of each input with the reference implementation, npm's multiformats: one input
// per line of stdin, in hex; one CID per line out (CIDv1, raw, sha2-256, base32).
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { createInterface } from "node:readline";

for await (const line of createInterface({ input: process.stdin })) {
  const bytes = Buffer.from(line.trim(), "hex");
  const digest = await sha256.digest(bytes);
  console.log(CID.create(1, raw.code, digest).toString());
}
