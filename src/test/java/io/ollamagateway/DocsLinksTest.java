package io.ollamagateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of README.md and docs/*.md leads somewhere: to a file of the checkout and, when it names an
 * {@code #anchor}, to a heading of that file (anchors as GitHub makes them: lower case, punctuation dropped,
 * spaces as hyphens, {@code -1}, {@code -2}... for repeats).
 */
class DocsLinksTest {

  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

  @Test
  void everyRelativeLinkOfTheReadmeAndTheDocsLeadsSomewhere() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    List<String> dead = new ArrayList<>();
    for (Path page : pages) {
      dead.addAll(deadLinks(page));
    }
    assertThat(pages).hasSizeGreaterThan(5);
    assertThat(dead).as("dead relative links").isEmpty();
  }

  @Test
  void aMissingFileOrHeadingIsDead(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("a.md"), "# A page\n\n## Settings\n\n## Settings\n\n[ok](#settings-1) [ok](b.md#b-c)"
        + " [no](#nothing) [no](missing.md) [no](b.md#settings) [web](https://example.com/#x)\n");
    Files.writeString(dir.resolve("b.md"), "# B: c\n");
    assertThat(deadLinks(dir.resolve("a.md"))).containsExactly(
        dir.resolve("a.md") + ": #nothing", dir.resolve("a.md") + ": missing.md",
        dir.resolve("a.md") + ": b.md#settings");
  }

  private static List<String> deadLinks(Path page) throws IOException {
    List<String> dead = new ArrayList<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(page)) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
      }
      if (fenced) {
        continue;
      }
      Matcher m = LINK.matcher(line);
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("^[a-zA-Z][a-zA-Z+.-]*:.*")) {
          continue; // https:, mailto:...
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path resolved = file.isEmpty() ? page : page.toAbsolutePath().getParent().resolve(file).normalize();
        if (!Files.exists(resolved)) {
          dead.add(page + ": " + target);
        } else if (hash >= 0 && (Files.isDirectory(resolved)
            || !anchors(resolved).contains(target.substring(hash + 1)))) {
          dead.add(page + ": " + target);
        }
      }
    }
    return dead;
  }

  private static Set<String> anchors(Path page) throws IOException {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(page)) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
      }
      Matcher m = HEADING.matcher(line);
      if (fenced || !m.matches()) {
        continue;
      }
      String slug = m.group(1).toLowerCase(Locale.ROOT)
          .replaceAll("[^\\p{L}\\p{N} _-]", "")
          .replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum) - 1;
      anchors.add(n == 0 ? slug : slug + "-" + n);
    }
    return anchors;
  }
}
