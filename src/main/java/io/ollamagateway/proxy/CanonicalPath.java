package io.ollamagateway.proxy;

import io.ollamagateway.api.ApiError;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The one canonical form of a request path, on which every decision is made (role, allowlist, limits,
 * metering, routing) and which is the path sent upstream. Ollama's router (gin) matches the percent-decoded
 * path, so the gateway decodes it the same way, once:
 * <ol>
 *   <li>percent-encoding is decoded once, as UTF-8;</li>
 *   <li>empty and {@code .} segments are dropped (repeated and trailing slashes collapse), {@code ..} removes
 *       the segment before it;</li>
 *   <li>the prefix is folded: {@code /api/api/chat} is {@code /api/chat}, {@code /api/v1/models} is
 *       {@code /v1/models}, {@code /v1/v1/x} is {@code /v1/x}, and a native route name without its prefix
 *       gets it ({@code /generate} is {@code /api/generate}).</li>
 * </ol>
 * What cannot be made canonical safely is refused with 400: an encoded {@code /} or {@code \} (it would
 * become a separator upstream, or not, depending on who reads it), a backslash, NUL or another control
 * character, {@code %25} (double encoding: a second decoder would see another path), malformed
 * percent-encoding or UTF-8, and {@code ..} that would climb out of {@code /api} or {@code /v1}.
 *
 * <p>The query string plays no part: no Ollama handler reads it, and it is forwarded as the client sent it.
 * Stateless and thread-safe.
 */
public final class CanonicalPath {

  private static final Set<String> NATIVE_NAMES = Set.of("generate", "chat", "embed", "embeddings", "tags",
      "show", "ps", "pull", "push", "create", "copy", "delete", "blobs", "version", "web_search", "web_fetch");

  private CanonicalPath() {
  }

  /**
   * The canonical form of a raw request path.
   *
   * @return the canonical, decoded path (starting with {@code /api/} or {@code /v1/}), or {@code null} when it
   *     is not a path the gateway proxies
   * @throws ApiError 400 when the path cannot be made canonical safely
   */
  public static String of(String rawPath) {
    if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
      return null;
    }
    if (alreadyCanonical(rawPath)) {
      return rawPath;
    }
    List<String> segments = new ArrayList<>();
    int start = 1;
    for (int i = 1; i <= rawPath.length(); i++) {
      if (i == rawPath.length() || rawPath.charAt(i) == '/') {
        String segment = decode(rawPath.substring(start, i), rawPath);
        start = i + 1;
        if (segment.isEmpty() || segment.equals(".")) {
          continue;
        }
        if (segment.equals("..")) {
          if (segments.size() <= 1) {
            throw refused(rawPath, "'..' leaves /api and /v1");
          }
          segments.remove(segments.size() - 1);
          continue;
        }
        segments.add(segment);
      }
    }
    while (segments.size() >= 2 && segments.get(0).equals("api")
        && (segments.get(1).equals("api") || segments.get(1).equals("v1"))) {
      segments.remove(0);
    }
    while (segments.size() >= 2 && segments.get(0).equals("v1") && segments.get(1).equals("v1")) {
      segments.remove(0);
    }
    if (segments.isEmpty()) {
      return null;
    }
    String first = segments.get(0);
    if (!first.equals("api") && !first.equals("v1")) {
      if (!NATIVE_NAMES.contains(first)) {
        return null;
      }
      segments.add(0, "api");
    }
    if (segments.size() == 1) {
      return null; // "/api" or "/v1" alone names no route
    }
    return "/" + String.join("/", segments);
  }

  /**
   * Whether a path is its own canonical form, as nearly every client's is: {@code /api/} or {@code /v1/}, then
   * segments that are neither empty nor dots nor a prefix to fold, of printable ASCII without {@code %} or
   * {@code \}. Anything else takes the long way, which decodes and checks it.
   */
  private static boolean alreadyCanonical(String raw) {
    int start;
    if (raw.startsWith("/api/")) {
      start = 5;
      if (segmentIs(raw, start, "api") || segmentIs(raw, start, "v1")) {
        return false;
      }
    } else if (raw.startsWith("/v1/")) {
      start = 4;
      if (segmentIs(raw, start, "v1")) {
        return false;
      }
    } else {
      return false;
    }
    int segment = start;
    for (int i = start; i <= raw.length(); i++) {
      char c = i < raw.length() ? raw.charAt(i) : '/';
      if (c == '/') {
        int length = i - segment;
        if (length == 0 || length <= 2 && raw.startsWith(length == 1 ? "." : "..", segment)) {
          return false;
        }
        segment = i + 1;
      } else if (c == '%' || c == '\\' || c < 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static boolean segmentIs(String path, int start, String name) {
    int end = start + name.length();
    return path.startsWith(name, start) && (path.length() == end || path.charAt(end) == '/');
  }

  /**
   * The canonical path as it goes on the request line upstream: each segment percent-encoded where a path
   * segment needs it (RFC 3986 {@code pchar}), so the upstream decodes it back to exactly the canonical path.
   */
  public static String encode(String canonicalPath) {
    int i = 0;
    while (i < canonicalPath.length() && canonicalPath.charAt(i) < 0x80 && literal(canonicalPath.charAt(i))) {
      i++;
    }
    if (i == canonicalPath.length()) {
      return canonicalPath; // nothing to encode, as in every route name
    }
    StringBuilder out = new StringBuilder(canonicalPath.length() + 8);
    for (byte b : canonicalPath.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (literal(c)) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  /** Whether a byte of a path segment goes upstream as it is: {@code /} and RFC 3986's {@code pchar}. */
  private static boolean literal(int c) {
    return c == '/' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=:@".indexOf(c) >= 0;
  }

  private static String decode(String raw, String whole) {
    if (raw.chars().allMatch(c -> c != '%' && c < 0x80)) {
      for (int i = 0; i < raw.length(); i++) {
        check(raw.charAt(i), whole);
      }
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '%') {
        check(c, whole);
        bytes.write(c); // the request line arrives as ISO-8859-1: one char per byte
        continue;
      }
      int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
      int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
      if (hi < 0 || lo < 0) {
        throw refused(whole, "malformed percent-encoding");
      }
      char decoded = (char) (hi * 16 + lo);
      if (decoded == '/' || decoded == '\\') {
        throw refused(whole, "an encoded '/' or '\\' is not allowed");
      }
      if (decoded == '%') {
        throw refused(whole, "double percent-encoding (%25) is not allowed");
      }
      check(decoded, whole);
      bytes.write(decoded);
      i += 2;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw refused(whole, "the decoded path is not valid UTF-8");
    }
  }

  private static void check(char c, String whole) {
    if (c < 0x20 || c == 0x7f) {
      throw refused(whole, "control characters (such as NUL) are not allowed");
    }
    if (c == '\\') {
      throw refused(whole, "'\\' is not allowed");
    }
  }

  private static ApiError refused(String rawPath, String why) {
    String shown = rawPath.length() > 200 ? rawPath.substring(0, 200) + "..." : rawPath;
    return ApiError.badRequest("the request path " + shown.replaceAll("\\p{Cntrl}", "?")
        + " cannot be made canonical: " + why);
  }
}
