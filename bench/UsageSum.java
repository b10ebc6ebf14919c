import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * For bench/soak.sh: reads the JSON of GET /admin/api/usage on standard input and prints the sums of its rows'
 * requests, prompt_tokens, completion_tokens, estimated_tokens and errors, on one line.
 * <pre>curl ... /admin/api/usage?group_by=month | java -cp target/ollama-gateway.jar bench/UsageSum.java</pre>
 */
public final class UsageSum {
  public static void main(String[] args) throws Exception {
    String text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).trim();
    long[] sums = new long[5];
    String[] names = {"requests", "prompt_tokens", "completion_tokens", "estimated_tokens", "errors"};
    if (!text.isEmpty()) {
      for (Object row : new JsonArray(text)) {
        JsonObject r = (JsonObject) row;
        for (int i = 0; i < names.length; i++) {
          Number n = r.getNumber(names[i]);
          sums[i] += n == null ? 0 : n.longValue();
        }
      }
    }
    System.out.println(sums[0] + " " + sums[1] + " " + sums[2] + " " + sums[3] + " " + sums[4]);
  }
}
