"""The test-budget ledger: the one home of the product's core rule, how often a split's test rows may be
looked at.

- `looks`: a split made once per (dataset, seed), and spending a look (one keyed, append-only row).
- `budget`: a split's budget (`Budget`: limit, used, remaining), a new project's default, and the checks
  before anything that would look (a submission, a batch plan, a promotion).
- `raising`: raising a budget, audited with a reason.
- `cap`: the most looks a budget may allow.

The refusal has one wording, `workers.errors.TestBudgetExhausted.for_split`. Nothing is imported here, so
that `cap` stays cheap for `readiness --help`.
"""
