package io.ollamagateway.limits;

class MemoryBudgetsTest extends BudgetsContract {

  private final Budgets budgets = new MemoryBudgets(UTC);
  private final Concurrency concurrency = new MemoryConcurrency();

  @Override
  Budgets budgets() {
    return budgets;
  }

  @Override
  Concurrency concurrency() {
    return concurrency;
  }
}
