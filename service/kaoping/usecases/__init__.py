"""Use cases, one module per family (facts, scores, rule-set versions, month workflow,
year-end, registry, audit, tokens). Called by the servicers in kaoping.api and by the
ops commands; they take and return plain values, never gRPC messages."""
