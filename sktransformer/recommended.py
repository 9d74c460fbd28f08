"""The recommended configuration: the parameter set documented in the README."""

#: Placeholder until the FordA study lands; see benchmarks/RESULTS.md.
RECOMMENDED_PARAMS: dict = {}
