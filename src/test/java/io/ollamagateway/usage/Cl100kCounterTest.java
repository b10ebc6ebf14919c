package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compact counter gives, text for text, the count jtokkit 1.1.0's cl100k_base gives (the estimator the
 * gateway used before; its resource is still the vocabulary's source).
 */
class Cl100kCounterTest {

  private static Cl100kCounter counter;
  private static URLClassLoader jtokkitLoader;
  private static Object jtokkit;
  private static Method jtokkitCount;

  @BeforeAll
  static void load() throws Exception {
    Cl100kVocabulary vocabulary = Cl100kVocabulary.load();
    assertThat(vocabulary.size()).isEqualTo(100_256);
    counter = new Cl100kCounter(vocabulary);
    // jtokkit in a class loader of its own with assertions off, as a server runs it: Surefire turns them on,
    // and jtokkit's pre-tokenizer then rejects lone surrogates, which a request's text can hold.
    URL jar = Encodings.class.getProtectionDomain().getCodeSource().getLocation();
    jtokkitLoader = new URLClassLoader(new URL[] {jar}, null);
    jtokkitLoader.setDefaultAssertionStatus(false);
    Class<?> type = jtokkitLoader.loadClass("com.knuddels.jtokkit.api.EncodingType");
    Object registry = jtokkitLoader.loadClass("com.knuddels.jtokkit.Encodings")
        .getMethod("newLazyEncodingRegistry").invoke(null);
    Object cl100k = type.getMethod("valueOf", String.class).invoke(null, "CL100K_BASE");
    jtokkit = jtokkitLoader.loadClass("com.knuddels.jtokkit.api.EncodingRegistry")
        .getMethod("getEncoding", type).invoke(registry, cl100k);
    jtokkitCount = jtokkitLoader.loadClass("com.knuddels.jtokkit.api.Encoding")
        .getMethod("countTokensOrdinary", String.class);
  }

  @AfterAll
  static void close() throws IOException {
    jtokkitLoader.close();
  }

  private static int expected(String text) {
    try {
      return (int) jtokkitCount.invoke(jtokkit, text);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("jtokkit failed on " + escape(text), e);
    }
  }

  /** Every text of the corpus; a mismatch is reported with the text, escaped, and both counts. */
  private static void assertSameCounts(List<String> corpus) {
    List<String> mismatches = new ArrayList<>();
    for (String text : corpus) {
      int want = expected(text);
      int got = counter.count(text);
      if (got != want && mismatches.size() < 10) {
        mismatches.add(escape(text.length() > 300 ? text.substring(0, 300) + "..." : text)
            + " (" + text.length() + " chars): jtokkit " + want + ", counted " + got);
      }
    }
    assertThat(mismatches).as("texts counted differently from jtokkit").isEmpty();
  }

  @Test
  void proseCodeAndDataCountAsJtokkitCountsThem() {
    assertSameCounts(List.of(
        "",
        "a",
        "Hello, world!",
        "The quick brown fox jumps over the lazy dog. It's 5 o'clock; don't you think we'll be late?",
        "I'm sure they've said he'd go, and she'll say it's theirs. WE'RE DONE. I'M HERE. You'Ve 'LL 'Re 'S 'ſ",
        "'s 't 're 've 'm 'll 'd ' 'x 'hello ''s '", "'ſtrange 'sa 'Tis 'LLama 'vE 'ret 'mx 'd3",
        "rock'n'roll", "l'amour d'été",
        "public static void main(String[] args) {\n    System.out.println(\"hi\");\n}\n",
        "def f(x):\n\tif x:\n\t\treturn [i ** 2 for i in range(10)]\r\n  # comment\n",
        "{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}],\"n\":3.14e-10}",
        "0 12 123 1234 12345 123456789012345678901234567890 3.14159 -42 1,234,567.89 0x1F 1e10 v2.0.1",
        "a1b2c3 abc123def 12ab 1a2 ²³¹ ½ ٣٤٥ １２３４５ ⅫⅣ",
        "   leading", "trailing   ", "  \n\n   \t\n x", "\n\n\n", "\r\n\r\n", " \n ", "a \n  b", "\t\t\tx", "x\t\ty",
        "  ", " ", "\n", "\t", "\u000B\f", "a  b   c    d", "end.\n\n\nNext", " \r\n \r\n  y", "x\n \n", "!!\n\n!!",
        "hello\u00A0world\u2003em\u3000ideographic\u0085nel\u2028line\u2029para \u1680ogham",
        "<|endoftext|> <|fim_prefix|>a<|fim_middle|>b<|fim_suffix|> <|endofprompt|>",
        "https://example.com/path?q=1&r=two#frag user@example.org C:\\Windows\\System32",
        "-----BEGIN----- ==== **** #### ~~~~ .... ,,,, ;;;; !?!? (((( )))) [[]] {{}} <<>> //// \\\\ ||||",
        "日本語のテキストです。東京は晴れ。", "中文文本，包含标点符号。", "한국어 텍스트입니다.",
        "مرحبا بالعالم، هذا نص عربي.", "שלום עולם", "नमस्ते दुनिया, यह हिंदी है।", "สวัสดีชาวโลก",
        "Ελληνικά κείμενα", "Привет, мир! Ёжик.", "Ça va? Naïve café, façade, Œuvre, straße, İstanbul, ıi",
        "e\u0301 a\u0300\u0301\u0302 n\u0303 \u0301\u0301\u0301 Z\u0351\u0352\u0353a\u0354l\u0355go",
        "😀 😃😄 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇩🇪 ❤️ ☺️ 🧑🏿‍🚀 a😀b 1😀2 😀\n😀",
        "\uD83D", "\uDE00", "a\uD800b", "\uDBFF\uDBFF", "\uDC00\uD800", "x \uD800 y", "\uD800\uD800\uDC00",
        "'\uD83D\uDE00", "'\uD800", "\u0000\u0001\u001F\u007F", "\u200B\u200D\uFEFF\uFFFD\uFFFF",
        "\uE000\uF8FF private use", "\uD834\uDD1E music", "\uD835\uDC00\uD835\uDC01 math letters",
        "\uD83F\uDFFF\uDB40\uDC01 \uDBFF\uDFFF"));
  }

  @Test
  void longPiecesCountAsJtokkitCountsThem() {
    Random random = new Random(2727);
    List<String> corpus = new ArrayList<>();
    for (int length : new int[] {63, 64, 65, 66, 100, 499, 500, 501, 1000, 4000}) {
      corpus.add("a".repeat(length));
      corpus.add(" " + "ab".repeat(length / 2));
      corpus.add(" ".repeat(length));
      corpus.add(" ".repeat(length) + "x");
      corpus.add("\n".repeat(length) + " y");
      corpus.add(" \t".repeat(length / 2) + "\n" + "  ".repeat(length / 2) + "z");
      corpus.add("=".repeat(length));
      corpus.add("-=".repeat(length / 2) + "\n\n");
      corpus.add("é".repeat(length));
      corpus.add("日本".repeat(length / 2));
      corpus.add("😀".repeat(length / 2));
      corpus.add("9".repeat(length));
      for (String alphabet : new String[] {"ab", "abc", "etaoinshrdlu", "abcdefghijklmnopqrstuvwxyz",
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "aeiouéèêàç", "ГДЕЖЗИЙКЛМНОабвгд", "ء-ي"}) {
        corpus.add(randomFrom(random, alphabet, length));
        corpus.add("'" + randomFrom(random, alphabet, length));
      }
      corpus.add(randomFrom(random, "!@#$%^&*()_+-=[]{};:,.<>/?|~`", length));
      corpus.add(randomFrom(random, " \t\u00A0\u3000", length) + "w");
    }
    corpus.add("Pneumonoultramicroscopicsilicovolcanoconiosis Supercalifragilisticexpialidocious");
    corpus.add("antidisestablishmentarianism".repeat(40));
    corpus.add("x".repeat(10_000) + " " + "y".repeat(20_000));
    assertSameCounts(corpus);
  }

  @Test
  void randomUnicodeCountsAsJtokkitCountsIt() {
    Random random = new Random(27);
    List<String> corpus = new ArrayList<>();
    for (int i = 0; i < 6000; i++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(i < 5000 ? 40 : 400);
      for (int j = 0; j < length; j++) {
        text.appendCodePoint(randomCodePoint(random));
      }
      corpus.add(text.toString());
    }
    for (int i = 0; i < 3000; i++) {
      corpus.add(randomWords(random, 1 + random.nextInt(60)));
    }
    assertSameCounts(corpus);
  }

  @Test
  void theRepositorysDocsCountAsJtokkitCountsThem() throws IOException {
    List<Path> docs = new ArrayList<>(List.of(Path.of("README.md")));
    try (Stream<Path> files = Files.list(Path.of("docs"))) {
      files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    assertThat(docs).hasSizeGreaterThan(5);
    List<String> corpus = new ArrayList<>();
    for (Path doc : docs) {
      String text = Files.readString(doc, StandardCharsets.UTF_8);
      corpus.add(text);
      corpus.addAll(List.of(text.split("\n\n")));
    }
    assertSameCounts(corpus);
  }

  @Test
  void theEstimatorCountsWithTheCompactCounterAndTakesSpecialTokensAsText() {
    TokenEstimator estimator = new TokenEstimator();
    String text = "Summarise this: <|endoftext|> and then 42 more words, naïvely 😀.";
    assertThat(estimator.count(text)).isEqualTo(expected(text)).isEqualTo(counter.count(text));
    assertThat(estimator.count(null)).isZero();
    assertThat(estimator.count("")).isZero();
  }

  private static String randomFrom(Random random, String alphabet, int length) {
    int[] codePoints = alphabet.codePoints().toArray();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < length; i++) {
      text.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
    }
    return text.toString();
  }

  private static final String[] WORDS = ("the of and to in is you that it he was for on are as with his they I at be "
      + "this have from or one had by word but not what all were we when your can said there use an each which she "
      + "do how their if will up other about out many then them these so some her would make like him into time has "
      + "look two more write go see number no way could people my than first water been call who oil its now find "
      + "token tokens tokenizer gateway Ollama llama3 JSON API HTTP 2024 3.5 1,000 don't it's we'll they've I'd "
      + "naïve café 東京 données über Straße año 😀 👍🏽 —").split(" ");
  private static final String[] GLUE = {" ", " ", " ", " ", "  ", ", ", ". ", "! ", "? ", "\n", "\n\n", " \n",
      "\t", "\r\n", "'", "\"", "-", "_", "/", "(", ")", ": ", "; ", "...", " - ", "", "   "};

  private static String randomWords(Random random, int count) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < count; i++) {
      String word = WORDS[random.nextInt(WORDS.length)];
      switch (random.nextInt(6)) {
        case 0 -> word = word.toUpperCase(java.util.Locale.ROOT);
        case 1 -> word = word.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1);
        default -> { }
      }
      text.append(word).append(GLUE[random.nextInt(GLUE.length)]);
    }
    return text.toString();
  }

  /** Code points weighted towards what splits text: every class the pattern tells apart, and invalid UTF-16. */
  private static int randomCodePoint(Random random) {
    return switch (random.nextInt(20)) {
      case 0, 1, 2, 3 -> 0x20 + random.nextInt(0x5F);
      case 4 -> pick(random, " \t\n\r\u000B\f");
      case 5 -> pick(random, "'sdtmlvreSDTMLVRE\u017F");
      case 6 -> pick(random, "0123456789²½\u0660\u0669\uFF10\u2160\u2460");
      case 7 -> 0xC0 + random.nextInt(0x180);
      case 8 -> 0x300 + random.nextInt(0x70);
      case 9 -> 0x370 + random.nextInt(0x300);
      case 10 -> 0x4E00 + random.nextInt(0x5200);
      case 11 -> 0x600 + random.nextInt(0x100);
      case 12 -> 0x900 + random.nextInt(0x300);
      case 13 -> pick(random, "\u0085\u00A0\u1680\u2000\u2005\u200A\u2028\u2029\u202F\u205F\u3000\u180E\u200B");
      case 14 -> 0x1F300 + random.nextInt(0x400);
      case 15 -> pick(random, "\u200D\uFE0F\u20E3");
      case 16 -> random.nextInt(0x10000);
      case 17 -> 0x10000 + random.nextInt(0x100000);
      case 18 -> 0xD800 + random.nextInt(0x800);
      default -> 0x1F3FB + random.nextInt(5);
    };
  }

  private static char pick(Random random, String chars) {
    return chars.charAt(random.nextInt(chars.length()));
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder("\"");
    text.chars().forEach(c -> {
      if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
        out.append((char) c);
      } else {
        out.append(String.format("\\u%04X", c));
      }
    });
    return out.append('"').toString();
  }
}
