package io.ollamagateway.auth;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Matches model names against a key's allowlist of glob patterns: {@code *} any run of characters,
 * {@code ?} one character, case-insensitive. A name without a tag is the same model as the name with
 * {@code :latest}, as in Ollama: {@code llama3} allows {@code llama3:latest} and the other way round.
 * Stateless.
 */
public final class ModelAllowlist {

  private ModelAllowlist() {
  }

  /** Whether {@code model} is allowed; an empty allowlist allows every model. */
  public static boolean allows(List<String> patterns, String model) {
    if (patterns.isEmpty()) {
      return true;
    }
    String name = model.trim().toLowerCase(Locale.ROOT);
    String alternative = name.endsWith(":latest") ? name.substring(0, name.length() - ":latest".length())
        : name.contains(":") ? null : name + ":latest";
    for (String pattern : patterns) {
      Pattern regex = toRegex(pattern.trim().toLowerCase(Locale.ROOT));
      if (regex.matcher(name).matches() || (alternative != null && regex.matcher(alternative).matches())) {
        return true;
      }
    }
    return false;
  }

  /** Whether a pattern is acceptable: non-blank, no commas or whitespace, at most 128 characters. */
  public static boolean isValidPattern(String pattern) {
    return pattern != null && !pattern.isBlank() && pattern.length() <= 128
        && pattern.chars().noneMatch(c -> c == ',' || Character.isWhitespace(c));
  }

  private static Pattern toRegex(String glob) {
    StringBuilder regex = new StringBuilder(glob.length() + 8);
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
