package io.ollamagateway.usage;

/**
 * What one answer cost, in tokens.
 *
 * @param promptTokens tokens of the prompt as the model saw it (templates included)
 * @param completionTokens tokens the model generated
 * @param estimated whether the counts were estimated from the text that passed, because the upstream gave
 *     none (legacy {@code /api/embeddings}, aborted or broken streams, cloud streams without counts)
 */
public record Usage(long promptTokens, long completionTokens, boolean estimated) {

  public static final Usage NONE = new Usage(0, 0, false);

  public long totalTokens() {
    return promptTokens + completionTokens;
  }
}
