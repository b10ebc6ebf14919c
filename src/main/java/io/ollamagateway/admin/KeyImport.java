package io.ollamagateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the client keys of another proxy for {@code keys import}: one key a line (blank lines and lines starting
 * with {@code #} skipped), or JSON: an array of strings (the Node proxy's {@code authTokens.json}), an object of
 * key to label ({@code {"OLLAMA-...": "alice"}}), or an array of objects with a {@code key} field (also
 * {@code api_key}, {@code token}, {@code apiKey}) and an optional {@code name} (or {@code label}).
 *
 * <p>Every key is checked here, before anything is stored: 16 to 512 characters without spaces or control
 * characters (what a client can send in {@code Authorization: Bearer}), each key once. Messages name an entry
 * by its position and never show a key. Stateless and thread-safe.
 */
public final class KeyImport {

  /** Shortest key accepted: what stays hidden of it behind its display prefix must still resist guessing. */
  public static final int MIN_LENGTH = 16;
  public static final int MAX_LENGTH = 512;
  /** Most keys one import takes (the admin API's body limit holds about as many). */
  public static final int MAX_KEYS = 1000;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> KEY_FIELDS = List.of("key", "api_key", "apiKey", "token");
  private static final List<String> NAME_FIELDS = List.of("name", "label");

  /**
   * One key to import, with the label its file gave it ({@code null}: none) and where it was. {@code secret} is
   * the key, or with {@link #parse(String, Format, boolean) hashed} input the lower-case SHA-256 hex of a key.
   */
  public record Entry(String secret, String label, String where) {
    @Override
    public String toString() {
      return "Entry[" + where + ", ****]";
    }
  }

  /** How the text is read. */
  public enum Format {
    AUTO, LINES, JSON;

    /** {@code auto}, {@code lines} ({@code text}) or {@code json}. */
    public static Format parse(String text) {
      switch (text == null ? "auto" : text.trim().toLowerCase(Locale.ROOT)) {
        case "auto":
          return AUTO;
        case "lines":
        case "text":
          return LINES;
        case "json":
          return JSON;
        default:
          throw new InvalidInput("format", "must be auto, lines or json");
      }
    }
  }

  private KeyImport() {
  }

  /**
   * The keys in {@code text}.
   *
   * @throws InvalidInput when the text is not in the format, holds no key, a key is malformed or comes twice
   */
  public static List<Entry> parse(String text, Format format) {
    return parse(text, format, false);
  }

  /**
   * The keys in {@code text}; with {@code hashed}, each entry is not a key but the SHA-256 hex of one (64 hex
   * digits, as a proxy that stored only hashes kept them), taken as is.
   *
   * @throws InvalidInput when the text is not in the format, holds no key, a key is malformed or comes twice
   */
  public static List<Entry> parse(String text, Format format, boolean hashed) {
    String trimmed = text.strip();
    if (trimmed.startsWith("\uFEFF")) {
      trimmed = trimmed.substring(1).strip();
    }
    boolean json = format == Format.JSON
        || (format == Format.AUTO && (trimmed.startsWith("[") || trimmed.startsWith("{")));
    List<Entry> entries = json ? json(trimmed) : lines(trimmed);
    return checked(entries, hashed);
  }

  private static List<Entry> lines(String text) {
    List<Entry> entries = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (!line.isEmpty() && !line.startsWith("#")) {
        entries.add(new Entry(line, null, "line " + (i + 1)));
      }
    }
    return entries;
  }

  private static List<Entry> json(String text) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      // Jackson's message may quote the text, which holds keys: only the position is shown
      throw new InvalidInput("keys", "not valid JSON (line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr() + ")");
    }
    return entries(node);
  }

  private static List<Entry> entries(JsonNode node) {
    List<Entry> entries = new ArrayList<>();
    if (node != null && node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String where = "entry " + (entries.size() + 1);
        JsonNode value = field.getValue();
        String label = value.isTextual() ? value.asText() : value.isObject() ? firstText(value, NAME_FIELDS, where)
            : null;
        if (!value.isTextual() && !value.isObject() && !value.isNull()) {
          throw new InvalidInput("keys", where + ": the value of a key must be its label (a string) or an object");
        }
        entries.add(new Entry(field.getKey(), label, where));
      }
      return entries;
    }
    if (node == null || !node.isArray()) {
      throw new InvalidInput("keys", "expected a JSON array of keys, an object of key to label, or an array of "
          + "objects with a key field");
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      String where = "entry " + (i + 1);
      if (item.isTextual()) {
        entries.add(new Entry(item.asText(), null, where));
      } else if (item.isObject()) {
        String key = firstText(item, KEY_FIELDS, where);
        if (key == null) {
          throw new InvalidInput("keys", where + ": an object needs a key field (one of " + KEY_FIELDS + ")");
        }
        entries.add(new Entry(key, firstText(item, NAME_FIELDS, where), where));
      } else {
        throw new InvalidInput("keys", where + ": must be a string or an object with a key field");
      }
    }
    return entries;
  }

  private static String firstText(JsonNode object, List<String> fields, String where) {
    for (String field : fields) {
      JsonNode value = object.get(field);
      if (value != null && !value.isNull()) {
        if (!value.isTextual()) {
          throw new InvalidInput("keys", where + ": " + field + " must be a string");
        }
        return value.asText();
      }
    }
    return null;
  }

  private static List<Entry> checked(List<Entry> entries, boolean hashed) {
    if (entries.isEmpty()) {
      throw new InvalidInput("keys", "no key found to import");
    }
    if (entries.size() > MAX_KEYS) {
      throw new InvalidInput("keys", "at most " + MAX_KEYS + " keys at once; split the file");
    }
    Set<String> seen = new HashSet<>();
    List<Entry> result = new ArrayList<>();
    for (Entry entry : entries) {
      String secret = entry.secret() == null ? "" : entry.secret().strip();
      if (hashed) {
        secret = secret.toLowerCase(Locale.ROOT);
        if (!secret.matches("[0-9a-f]{64}")) {
          throw new InvalidInput("keys", entry.where() + ": a hashed key must be the 64 hex digits of a SHA-256 "
              + "digest");
        }
      } else if (secret.length() < MIN_LENGTH || secret.length() > MAX_LENGTH) {
        throw new InvalidInput("keys", entry.where() + ": a key must have " + MIN_LENGTH + " to " + MAX_LENGTH
            + " characters (this one has " + secret.length() + "); shorter keys are too easy to guess");
      }
      if (secret.chars().anyMatch(c -> c <= ' ' || c == 0x7f || Character.isWhitespace(c)
          || Character.isISOControl(c))) {
        throw new InvalidInput("keys", entry.where() + ": a key must not contain spaces or control characters");
      }
      if (!seen.add(secret)) {
        // two entries with the same key or hash
        throw new InvalidInput("keys", entry.where() + ": the same key comes twice in the input");
      }
      String label = entry.label() == null || entry.label().isBlank() ? null : entry.label().strip();
      result.add(new Entry(secret, label, entry.where()));
    }
    return result;
  }
}
