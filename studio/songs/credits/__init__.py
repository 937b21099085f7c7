"""Credits are money (DESIGN §5.9): what a job is expected to cost, members' monthly budgets,
and the ledger reconciled with the upstream's own."""
