/**
 * The user-info of a URL, up to the last "@" before the path, query or fragment (as URL parsers read it), so a
 * password that contains "@" is hidden whole. The scheme's length is bounded so that long text without URLs
 * ("a.a.a…") is scanned in linear time.
 */
const USER_INFO = /([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/?#]*@/gi;

/**
 * Hides the credentials (`user:password@`) of every URL in `text`: a URL given alone, or a message that quotes
 * URLs. Everything that shows an endpoint or registry URL passes it through here.
 */
export function redactUrl(text: string): string {
  return text.replace(USER_INFO, "$1***@");
}
