"""The test-budget ledger: the one home of the product's core rule, how often a split's test rows may be
looked at.

- `pools`: the budget belongs to a dataset's rows — one pool per dataset and the datasets that repeat its
  rows (by row hash), shared by every split seed.
- `looks`: a split made once per (dataset, seed), and spending a look (one keyed, append-only row).
- `budget`: a pool's budget (`Budget`: limit, used, reserved by assessments in flight, remaining), a new
  project's default, and the checks before anything that would look (a submission, a batch plan, a
  promotion).
- `raising`: raising a budget, audited with a reason.
- `cap`: the most looks a budget may allow.

The refusal has one wording, `workers.errors.TestBudgetExhausted.for_split`, followed by the looks reserved
and who shares the budget when either is so (`budget.refusal`). Nothing is imported here, so that `cap`
stays cheap for `readiness --help`.
"""
