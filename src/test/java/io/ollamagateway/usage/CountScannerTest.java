package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The scanner is a lexer of its own, so the documents here that it must read are also fed cut in two at every
 * byte, and one byte at a time: it must find the same whichever way they arrive.
 */
class CountScannerTest {

  private static final TokenEstimator ESTIMATOR = new TokenEstimator();

  /** What a scan found: counts (-1 when neither was seen), done, and the estimate of the generated text. */
  private record Found(long prompt, long completion, boolean done, long estimated) {
  }

  private static Found scanWhole(String json) {
    return scan(json, new int[0]);
  }

  private static Found scan(String json, int[] cuts) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    CountScanner scanner = new CountScanner(ESTIMATOR);
    int from = 0;
    for (int cut : cuts) {
      byte[] piece = Arrays.copyOfRange(bytes, from, cut);
      scanner.feed(piece, 0, piece.length);
      Arrays.fill(piece, (byte) 'x'); // the scanner may not keep the caller's array
      from = cut;
    }
    scanner.feed(bytes, from, bytes.length - from);
    return new Found(scanner.hasCounts() ? scanner.promptTokens() : -1,
        scanner.hasCounts() ? scanner.completionTokens() : -1, scanner.done(), scanner.estimatedCompletionTokens());
  }

  /** Reads the same whole, cut in two at every byte, and one byte at a time. */
  private static Found scanEveryWay(String json) {
    Found whole = scanWhole(json);
    int length = json.getBytes(StandardCharsets.UTF_8).length;
    for (int cut = 1; cut < length; cut++) {
      assertThat(scan(json, new int[] {cut})).as("cut at byte %d of %s", cut, json).isEqualTo(whole);
    }
    int[] everyByte = new int[length - 1];
    for (int i = 0; i < everyByte.length; i++) {
      everyByte[i] = i + 1;
    }
    assertThat(scan(json, everyByte)).as("one byte at a time: %s", json).isEqualTo(whole);
    return whole;
  }

  @Test
  void readsANativeAnswerAndItsTextEveryWayItIsCut() {
    Found found = scanEveryWay("{\"model\":\"llama3.2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"message\":"
        + "{\"role\":\"assistant\",\"content\":\"Hello there\"},\"done_reason\":\"stop\",\"done\":true,"
        + "\"total_duration\":4883583458,\"load_duration\":1,\"prompt_eval_count\":26,\"prompt_eval_duration\":3,"
        + "\"eval_count\":282,\"eval_duration\":4535599000}");
    assertThat(found).isEqualTo(new Found(26, 282, true, ESTIMATOR.count("Hello there")));
  }

  @Test
  void readsAStreamOfDocumentsWithoutCounts() {
    Found found = scanEveryWay("{\"response\":\"The sky\",\"done\":false}\n{\"response\":\" is blue\","
        + "\"done\":false}\n");
    assertThat(found).isEqualTo(new Found(-1, -1, false, ESTIMATOR.count("The sky is blue")));
  }

  @Test
  void textIsDecodedFromItsEscapesOnlyToBeEstimated() {
    String text = "line \"one\"\nline\ttwo \\ caf\u00e9 \ud83d\ude00 \u4e2d\u6587";
    Found found = scanEveryWay("{\"message\":{\"content\":\"line \\\"one\\\"\\nline\\ttwo \\\\ caf\u00e9 "
        + "\\ud83d\\ude00 \\u4e2d\u6587\"},\"done\":false}");
    assertThat(found.estimated()).isEqualTo(ESTIMATOR.count(text)).isPositive();
  }

  @Test
  void countsAreIntegersAtTheirPlaceAndNothingElse() {
    // floats, exponents, strings and nested look-alikes are not counts; literals and empty containers pass
    Found found = scanEveryWay("{\"options\":{\"eval_count\":7},\"eval_count\":1.5,\"prompt_eval_count\":\"9\","
        + "\"x\":[],\"y\":{},\"z\":[[1,2e3,-4.5E-2],[null,true,false]],\"w\":[{\"eval_count\":8}],"
        + "\"prompt_tokens\":3,\"done\":null}");
    assertThat(found).isEqualTo(new Found(-1, -1, false, 0));
    assertThat(scanEveryWay("{\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":0}}"))
        .isEqualTo(new Found(12, 0, false, 0));
    // a negative count is read as none spent
    assertThat(scanEveryWay("{\"eval_count\":-3,\"prompt_eval_count\":123456789012}"))
        .isEqualTo(new Found(123456789012L, 0, false, 0));
  }

  @Test
  void onlyTheOuterDoneEndsANativeAnswer() {
    assertThat(scanEveryWay("{\"message\":{\"done\":true},\"done\":false}").done()).isFalse();
    assertThat(scanEveryWay("[{\"done\":true}]").done()).isFalse();
    assertThat(scanEveryWay("{ \"done\" : true }").done()).isTrue();
  }

  @Test
  void namesLongerThanAnyKnownOneAndDeepNestingAreFollowed() {
    String deep = "{\"a\":".repeat(40) + "{\"eval_count\":5}" + "}".repeat(40);
    Found found = scanEveryWay("{\"a_name_much_longer_than_any_known_one\":{\"content\":\"no\"},\"prompt_eval_countX\":4,"
        + "\"nested\":" + deep + ",\"prompt_eval_count\":2,\"eval_count\":6}");
    assertThat(found).isEqualTo(new Found(2, 6, false, 0));
  }

  @Test
  void inputThatIsNotJsonStopsTheScan() {
    assertThat(scanWhole("<html><body>bad gateway {\"eval_count\":5}</body></html>"))
        .isEqualTo(new Found(-1, -1, false, 0));
    assertThat(scanWhole("{\"eval_count\":1] {\"prompt_eval_count\":5}")).isEqualTo(new Found(0, 1, false, 0));
    assertThat(scanWhole("{\"eval_count\" 3}")).isEqualTo(new Found(-1, -1, false, 0));
  }

  @Test
  void longTextIsKeptUpToTheLimitAndExtrapolated() {
    String word = "word ";
    String text = word.repeat(CountScanner.MAX_TEXT / word.length() * 2);
    Found found = scanWhole("{\"response\":\"" + text + "\"}");
    long keptTokens = ESTIMATOR.count(text.substring(0, CountScanner.MAX_TEXT));
    assertThat(found.estimated()).isBetween(keptTokens * 19 / 10, keptTokens * 21 / 10);
  }
}
