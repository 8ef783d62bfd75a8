/** A `data:` URL split into its media type and its bytes, base64-encoded. */
export interface DataUrl {
  /** Lower case, without parameters: `image/png`. `text/plain` when the URL names none, as RFC 2397 says. */
  mediaType: string;
  /** The payload as base64 (percent-encoded payloads are re-encoded). */
  base64: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX_BYTE = /^[0-9A-Fa-f]{2}$/;

/**
 * Parses a `data:` URL (RFC 2397). Undefined when `url` is no data URL; a string naming the problem when it is a
 * malformed one. Linear in the URL's length: no backtracking pattern runs over the payload.
 */
export function parseDataUrl(url: string): DataUrl | string | undefined {
  if (url.slice(0, 5).toLowerCase() !== "data:") return undefined;
  const comma = url.indexOf(",");
  if (comma < 0) return "is a data: URL without a comma before its data";
  const [type = "", ...parameters] = url.slice(5, comma).split(";");
  const mediaType = type.trim().toLowerCase() || "text/plain";
  const payload = url.slice(comma + 1);
  if (parameters.some((p) => p.trim().toLowerCase() === "base64")) {
    return payload.length % 4 === 0 && BASE64.test(payload) ? { mediaType, base64: payload } : "is a data: URL whose data is not valid base64";
  }
  return { mediaType, base64: percentDecode(payload).toString("base64") };
}

/** The bytes of a percent-encoded payload: `%XX` is one byte, any other character its UTF-8 bytes. */
function percentDecode(text: string): Buffer {
  const out = Buffer.alloc(Buffer.byteLength(text));
  let length = 0;
  for (let i = 0; i < text.length;) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === "%" && HEX_BYTE.test(hex)) {
      out[length++] = Number.parseInt(hex, 16);
      i += 3;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(i)!);
    length += out.write(char, length);
    i += char.length;
  }
  return out.subarray(0, length);
}
