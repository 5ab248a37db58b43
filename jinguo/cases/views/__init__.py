"""The pages of the cases app, one module per part (cases, steps, families, report)."""
