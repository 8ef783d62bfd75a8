import { hash } from "node:crypto";

/**
 * Canary bucketing, reproducible in any language: take the SHA-256 of the UTF-8 bytes of `salt + ":" + key`,
 * read its first four bytes as a big-endian unsigned integer, and scale it to [0, 100):
 *
 *     bucket = uint32_be(sha256(salt + ":" + key)[0..4]) / 2^32 * 100
 *
 * A key is in the canary when `bucket < percentage`. The salt stays the same while only the percentage changes,
 * so widening a rollout keeps every key that was already in it. test/fixtures/canary-vectors.json has vectors.
 */
export function canaryBucket(salt: string, key: string): number {
  const digest = hash("sha256", `${salt}:${key}`, "buffer");
  return (digest.readUInt32BE(0) / 4294967296) * 100;
}

export function inCanary(salt: string, key: string, percentage: number): boolean {
  return percentage > 0 && (percentage >= 100 || canaryBucket(salt, key) < percentage);
}
