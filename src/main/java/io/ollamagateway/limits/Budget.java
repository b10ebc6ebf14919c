package io.ollamagateway.limits;

/**
 * A limit on how much one subject may use per window: requests per hour of a key, tokens per day of a user.
 *
 * @param subject who is limited, a stable non-secret id such as {@code key:12} or {@code user:7}
 * @param metric what is counted: {@code requests} or {@code tokens}
 * @param limit how much per window
 * @param window the period
 */
public record Budget(String subject, String metric, long limit, Window window) {

  /** A human name for messages: "tokens per day". */
  public String describe() {
    return metric + " per " + window.id();
  }
}
