package io.ollamagateway.store;

/** Usage summed over many hourly rows. */
public record UsageSum(long requests, long promptTokens, long completionTokens, long estimatedTokens, long errors) {

  public long totalTokens() {
    return promptTokens + completionTokens;
  }
}
